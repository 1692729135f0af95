// The metric vocabulary (hos-events(7), METRICS): names with units in them, kinds and plausible ranges.

import Glibc

/// What a metric's value looks like.
public enum MetricKind: String, Sendable {
    /// A finite number within the metric's range.
    case number
    /// A time of day, `"HH:MM"`.
    case clock
}

/// When in the day a metric is measured (hos-events(7), METRICS): what can have caused what on one date.
/// The cases are in the order of a day: a wake day's night comes first, its evening last.
public enum MetricTiming: String, Sendable, CaseIterable, Comparable {
    /// Overnight or on waking: the night before the wake day it is dated on (sleep, HRV, resting HR, scores).
    case overnight
    /// During the day: what the day's waking hours hold (steps, energy, workouts, food, caffeine).
    case day
    /// In the evening or at the end of the day: a day's total scored at its end, an evening's drinks or mood.
    case evening

    public static func < (a: MetricTiming, b: MetricTiming) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// True when a metric measured at `self` can have caused one measured at `later` on the same date: it
    /// comes earlier in the day, or both are measures of the one night (bedtime and that night's sleep).
    public func precedesSameDay(_ later: MetricTiming) -> Bool {
        self < later || (self == .overnight && later == .overnight)
    }
}

/// One metric of the vocabulary.
public struct Metric: Sendable, Equatable {
    public var name: String
    public var kind: MetricKind
    /// The unit, spelled out (the name carries it too).
    public var unit: String
    public var range: ClosedRange<Double>
    public var summary: String
    /// When it is measured, relative to the date of its record.
    public var timing: MetricTiming
}

/// A metric value as it appears in a `health_record`.
public enum MetricValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case clock(ClockTime)

    public var json: JSON {
        switch self {
        case .number(let v): .number(v)
        case .clock(let t): .string(t.description)
        }
    }

    public var description: String {
        switch self {
        case .number(let v): JSON.number(v).text
        case .clock(let t): t.description
        }
    }

    public var number: Double? {
        if case .number(let v) = self { return v }
        return nil
    }
}

/// The vocabulary: the single source of truth for metric names, units and plausible ranges.
public enum Metrics {
    /// Prefix of custom metrics outside the vocabulary: finite numbers, no range check.
    public static let customPrefix = "x_"

    public static let all: [Metric] = [
        m("sleep_duration_min", .overnight, "minutes", 0...1440, "time asleep in the main sleep"),
        m("time_in_bed_min", .overnight, "minutes", 0...1440, "time in bed for the main sleep"),
        m("sleep_efficiency_pct", .overnight, "percent", 0...100, "asleep / in bed"),
        Metric(
            name: "sleep_start", kind: .clock, unit: "HH:MM local", range: 0...1439, summary: "sleep onset",
            timing: .overnight),
        Metric(
            name: "sleep_end", kind: .clock, unit: "HH:MM local", range: 0...1439, summary: "final wake",
            timing: .overnight),
        m("sleep_latency_min", .overnight, "minutes", 0...720, "time to fall asleep"),
        m("awake_min", .overnight, "minutes", 0...1440, "time awake after sleep onset"),
        m("sleep_interruptions", .overnight, "count", 0...500, "awakenings"),
        m("deep_sleep_min", .overnight, "minutes", 0...1440, "deep (N3) sleep"),
        m("rem_sleep_min", .overnight, "minutes", 0...1440, "REM sleep"),
        m("light_sleep_min", .overnight, "minutes", 0...1440, "light (N1/N2, 'core') sleep"),
        m("hrv_rmssd_ms", .overnight, "milliseconds", 1...500, "heart-rate variability, RMSSD"),
        m("hrv_sdnn_ms", .overnight, "milliseconds", 1...500, "heart-rate variability, SDNN"),
        m("resting_hr_bpm", .overnight, "beats per minute", 25...220, "resting heart rate"),
        m("respiratory_rate_bpm", .overnight, "breaths per minute", 4...60, "respiratory rate in sleep"),
        m("spo2_pct", .overnight, "percent", 50...100, "blood oxygen saturation"),
        m("steps", .day, "count", 0...200_000, "steps"),
        m("active_minutes", .day, "minutes", 0...1440, "moderate-to-vigorous activity"),
        m("sedentary_minutes", .day, "minutes", 0...1440, "sedentary time"),
        m("distance_km", .day, "kilometres", 0...500, "distance travelled on foot"),
        m("floors_climbed", .day, "count", 0...2000, "floors climbed"),
        m("calories_burned_kcal", .day, "kilocalories", 0...20000, "total energy expenditure"),
        m("active_energy_kcal", .day, "kilocalories", 0...15000, "active energy expenditure"),
        m("workout_minutes", .day, "minutes", 0...1440, "time in recorded workouts"),
        m("strain", .evening, "0–21 scale", 0...21, "cardiovascular load (WHOOP scale)"),
        m("skin_temp_dev_c", .overnight, "degrees Celsius", -5...5, "skin temperature deviation from baseline"),
        m("calories_in_kcal", .day, "kilocalories", 0...20000, "energy eaten"),
        m("protein_g", .day, "grams", 0...1000, "protein eaten"),
        m("carbs_g", .day, "grams", 0...2000, "carbohydrate eaten"),
        m("fat_g", .day, "grams", 0...1000, "fat eaten"),
        m("fiber_g", .day, "grams", 0...300, "fibre eaten"),
        m("water_ml", .day, "millilitres", 0...20000, "water drunk"),
        m("caffeine_mg", .day, "milligrams", 0...3000, "caffeine"),
        m("alcohol_units", .evening, "UK units (8 g ethanol)", 0...100, "alcohol"),
        m("weight_kg", .overnight, "kilograms", 20...400, "body weight"),
        m("body_fat_pct", .overnight, "percent", 2...75, "body fat"),
        m("readiness_score", .overnight, "0–100", 0...100, "vendor readiness score"),
        m("recovery_score", .overnight, "0–100", 0...100, "vendor recovery score"),
        m("sleep_score", .overnight, "0–100", 0...100, "vendor sleep score"),
        m("stress_score", .day, "0–100", 0...100, "stress"),
        m("mood", .evening, "1–5", 1...5, "self-reported mood"),
        m("energy", .evening, "1–5", 1...5, "self-reported energy"),
        m("mindfulness_min", .day, "minutes", 0...1440, "mindfulness practice"),
    ]

    private static func m(
        _ name: String, _ timing: MetricTiming, _ unit: String, _ range: ClosedRange<Double>, _ summary: String
    ) -> Metric {
        Metric(name: name, kind: .number, unit: unit, range: range, summary: summary, timing: timing)
    }

    private static let byName: [String: Metric] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The vocabulary entry for `name`, or nil (custom `x_` metrics have none).
    public static func metric(named name: String) -> Metric? { byName[name] }

    /// When the custom metrics that hos-import's formats write are measured (each format's description says
    /// what they hold): by name, or by prefix for a name ending in `_` (a WHOOP journal answer is about the day
    /// lived). Other custom metrics have no timing unless a tool is told one (`hos-insights --timing`).
    public static let importedTimings: [String: MetricTiming] = [
        "x_skin_temp_c": .overnight, "x_sleep_need_min": .overnight, "x_sleep_debt_min": .overnight,
        "x_sleep_consistency_pct": .overnight, "x_nap_min": .day, "x_workout_count": .day,
        "x_workout_energy_kcal": .day, "x_workout_strain_max": .day, "x_lightly_active_min": .day,
        "x_journal_": .day,
    ]

    /// When a metric is measured: the vocabulary's timing, or an imported custom metric's; nil when unknown.
    public static func timing(of name: String) -> MetricTiming? {
        if let m = byName[name] { return m.timing }
        if let t = importedTimings[name] { return t }
        return importedTimings.first { $0.key.hasSuffix("_") && name.hasPrefix($0.key) }?.value
    }

    /// True for a well-formed custom metric name: `x_` then lowercase letters, digits and `_`.
    public static func isCustom(_ name: String) -> Bool {
        guard name.hasPrefix(customPrefix), name.utf8.count > 2, name.utf8.count <= 64 else { return false }
        return name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// Checks one metric value against the vocabulary; the message never holds the value itself.
    public static func validate(name: String, value: JSON) throws(EventProblem) -> MetricValue {
        try validate(byName[name], name: name, value: value)
    }

    /// The vocabulary entry spelled by these UTF-8 bytes, found without making a string or hashing one.
    static func metric(utf8 name: UnsafeBufferPointer<UInt8>) -> Metric? {
        guard name.count < byLength.count, let base = name.baseAddress else { return nil }
        for (spelling, metric) in byLength[name.count] where memcmp(spelling, base, name.count) == 0 {
            return metric
        }
        return nil
    }

    /// The vocabulary by name length, each name's bytes kept for `metric(utf8:)` to compare with memcmp.
    nonisolated(unsafe) private static let byLength: [[(UnsafePointer<UInt8>, Metric)]] = {
        var table = [[(UnsafePointer<UInt8>, Metric)]](
            repeating: [], count: (all.map(\.name.utf8.count).max() ?? 0) + 1)
        for m in all {
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: m.name.utf8.count)
            bytes.initialize(from: Array(m.name.utf8), count: m.name.utf8.count)
            table[m.name.utf8.count].append((UnsafePointer(bytes), m))
        }
        return table
    }()

    /// `validate(name:value:)` once `name`'s vocabulary entry (nil for none) has been looked up.
    static func validate(_ entry: Metric?, name: String, value: JSON) throws(EventProblem) -> MetricValue {
        guard let metric = entry else {
            guard isCustom(name) else { throw EventProblem("unknown metric \(printable(name))") }
            guard case .number(let v) = value else {
                throw EventProblem("metric \(name) must be a number, not \(value.typeName)")
            }
            guard v.isFinite else { throw EventProblem("metric \(name) is not finite") }
            return .number(v)
        }
        switch metric.kind {
        case .clock:
            guard case .string(let s) = value else {
                throw EventProblem("metric \(name) must be a \"HH:MM\" string, not \(value.typeName)")
            }
            guard let t = ClockTime(s) else { throw EventProblem("metric \(name) is not a valid HH:MM time") }
            return .clock(t)
        case .number:
            guard case .number(let v) = value else {
                throw EventProblem("metric \(name) must be a number, not \(value.typeName)")
            }
            guard v.isFinite else { throw EventProblem("metric \(name) is not finite") }
            guard metric.range.contains(v) else {
                throw EventProblem("metric \(name) outside its plausible range \(rangeText(metric.range))")
            }
            return .number(v)
        }
    }

    /// `lo–hi` without needless decimals.
    public static func rangeText(_ r: ClosedRange<Double>) -> String {
        "\(JSON.number(r.lowerBound).text)–\(JSON.number(r.upperBound).text)"
    }
}
