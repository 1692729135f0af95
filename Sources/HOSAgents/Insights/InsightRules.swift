// What hos-insights knows about metrics (roles, families, good directions, words) and its documented thresholds.

import HOSCore

/// The settings of hos-insights, each with the default that hos-insights(1) documents.
public struct InsightOptions: Sendable, Equatable {
    /// Benjamini–Hochberg level: the false discovery rate allowed among reported correlations and trends.
    public var fdr = 0.05
    /// Fewest day pairs for a correlation test, and fewest days for a trend.
    public var minPairs = 14
    /// Weight of an established relationship's test against 1 for the others (1: plain Benjamini–Hochberg).
    public var knownWeight = 4.0
    /// Smallest |ρ| reported (a significant but weaker link is tested, not reported).
    public var minEffect = 0.3
    /// Days before as_of (as_of included) that correlations and streaks look back over.
    public var correlationDays = 90
    /// An insight given within this many days (by memory or earlier in the stream) is not repeated unless it changed.
    public var dedupDays = 14
    /// Insights written per analysis at most, highest priority first; 0: all.
    public var maxInsights = 10
    /// Metrics tested for correlation at most: levers and outcomes, most days with values first.
    public var maxLevers = 12
    public var maxOutcomes = 12
    /// When custom x_ metrics are measured, beyond what their importers say (`--timing`): a name, or a prefix
    /// ending in `*`, with its timing.
    public var timings: [String: MetricTiming] = [:]
    /// The coach alerts' thresholds.
    public var alerts = AlertOptions()
    /// Write only the coach alerts at a barrier, no insights (`--alerts-only`).
    public var alertsOnly = false

    public init() {}

    /// When a metric is measured: `timings` first (an exact name before a prefix), then the vocabulary's or its
    /// importer's timing; nil when nothing says.
    public func timing(of metric: String) -> MetricTiming? {
        if let t = timings[metric] { return t }
        let prefix = timings.filter { $0.key.hasSuffix("*") && metric.hasPrefix($0.key.dropLast()) }
            .max { $0.key.count < $1.key.count }
        return prefix?.value ?? Metrics.timing(of: metric)
    }

    /// True when `x` on a day can have moved `y` on the day `lag` days later: always for the next day; on the
    /// same day only when `y` is measured after `x`, or both are measures of the one night. A metric whose
    /// timing nobody knows is paired with the next day only.
    public func precedes(_ x: String, _ y: String, lag: Int) -> Bool {
        guard lag == 0 else { return lag > 0 }
        guard let tx = timing(of: x), let ty = timing(of: y) else { return false }
        return tx.precedesSameDay(ty)
    }
}

/// The insight kinds of hos-insights(1), and the fixed numbers every kind uses.
public enum InsightRules {
    public static let kinds = ["correlation", "trend", "milestone", "progress", "anomaly", "risk"]
    /// A metric takes part in correlations only when at least this many of its days differ from its most
    /// common value (a mostly-zero metric such as alcohol needs some days with a drink).
    public static let minVaryingDays = 4
    /// Streak lengths that make a milestone.
    public static let streakLevels = [7, 14, 21, 30, 45, 60, 90, 120, 180, 270, 365]
    /// Days for a rolling weekly mean, and the fewest values in it.
    public static let weekDays = 7
    public static let minWeekValues = 5
    /// A best week needs this many earlier analyses of the metric in memory; at most this many per analysis.
    public static let bestWeekAnalyses = 4
    public static let bestWeeksAtMost = 2
    /// Progress compares with the earlier analysis closest to this many days before as_of…
    public static let progressDays = 28
    /// …which must lie at least this many days before.
    public static let progressMinDays = 14
    /// A change counts when it is at least this share of the robust SD (1.4826 × MAD) and has p < 0.05.
    public static let materialShare = 0.25
    /// A sustained anomaly: at least this many consecutive latest days beyond |robust z| ≥ 2.
    public static let anomalyDays = 3
    public static let anomalyZ = 2.0
    /// Sleep debt over the last 7 nights (hours below the archetype's need) that is a risk, with at least
    /// `sleepDebtNights` nights logged.
    public static let sleepDebtHours = 5.0
    public static let sleepDebtNights = 5
    /// Strain: resting HR at least this many robust SDs above its baseline and HRV as many below.
    public static let strainZ = 1.0
    /// Baseline days (before the last 7) that anomalies and risks need at least.
    public static let minBaselineValues = 10
    /// Streaks are reported from these lengths: of days on target, and of days logged.
    public static let targetStreakFrom = 7
    public static let loggingStreakFrom = 14
    /// Size classes of a run of days (anomalies, strain): the longest of these the run reaches, "7+".
    public static let runClasses = [3, 5, 7, 14]
    /// A correlation's strength in words: the first whose |ρ| it reaches, else "weak".
    public static let strengthWords: [(atLeast: Double, word: String)] = [(0.5, "strong"), (0.3, "moderate")]

    /// The strength of a correlation in words.
    public static func strength(_ rho: Double) -> String {
        strengthWords.first { abs(rho) >= $0.atLeast }?.word ?? "weak"
    }

    /// The size class of a run of days.
    public static func runClass(_ days: Int) -> String { "\(runClasses.last { $0 <= days } ?? runClasses[0])+" }
}

/// A metric's role in correlations: a lever is something the user does, an outcome how the body responds;
/// sleep is both (the day's behaviour shapes it, and it shapes the next day).
public enum MetricRole: String, Sendable { case lever, outcome, both }

/// Meaning that the vocabulary's names and units do not carry: roles, families, good directions, words.
public enum MetricSemantics {
    /// Metrics computed from, or part of, the first present member: the first represents the family in
    /// correlations and the others are left out (steps and distance are one behaviour, not a finding).
    public static let families: [[String]] = [
        ["sleep_duration_min", "time_in_bed_min", "light_sleep_min", "deep_sleep_min", "rem_sleep_min"],
        ["sleep_start", "sleep_end"],
        ["steps", "distance_km", "active_minutes", "calories_burned_kcal", "active_energy_kcal", "floors_climbed"],
        ["calories_in_kcal", "carbs_g", "fat_g", "protein_g"],
        ["hrv_rmssd_ms", "hrv_sdnn_ms"],
    ]

    /// Things the user does (besides sleep); every other vocabulary metric is an outcome. Custom x_ metrics are levers.
    public static let levers: Set<String> = [
        "steps", "distance_km",
        "active_minutes", "sedentary_minutes", "floors_climbed", "calories_burned_kcal", "active_energy_kcal",
        "workout_minutes", "calories_in_kcal", "protein_g", "carbs_g", "fat_g", "fiber_g", "water_ml", "caffeine_mg",
        "alcohol_units", "mindfulness_min",
    ]

    /// Sleep metrics that are both a lever and an outcome.
    public static let both: Set<String> = ["sleep_duration_min", "time_in_bed_min", "sleep_start", "sleep_end"]

    public static func role(_ metric: String) -> MetricRole {
        if both.contains(metric) { return .both }
        return levers.contains(metric) || Metrics.isCustom(metric) ? .lever : .outcome
    }

    /// The family a metric belongs to (its index in `families`), if any.
    public static func family(_ metric: String) -> Int? { familyIndex[metric] }

    private static let familyIndex: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, f) in families.enumerated() { for m in f { d[m] = i } }
        return d
    }()

    private static let higherIsBetter: Set<String> = [
        "sleep_duration_min", "sleep_efficiency_pct", "deep_sleep_min", "rem_sleep_min", "hrv_rmssd_ms", "hrv_sdnn_ms",
        "spo2_pct", "steps", "active_minutes", "distance_km", "floors_climbed", "workout_minutes", "active_energy_kcal",
        "readiness_score", "recovery_score", "sleep_score", "mood", "energy", "mindfulness_min", "water_ml", "fiber_g",
    ]
    private static let lowerIsBetter: Set<String> = [
        "sleep_latency_min", "awake_min", "sleep_interruptions", "resting_hr_bpm", "sedentary_minutes", "stress_score",
        "alcohol_units", "caffeine_mg",
    ]

    /// +1 when more is better for this archetype, −1 when less is, 0 when neither is a goal.
    public static func goal(_ metric: String, for archetype: Archetype) -> Int {
        switch (archetype, metric) {
        case (.transformationSeeker, "weight_kg"), (.transformationSeeker, "body_fat_pct"),
            (.transformationSeeker, "calories_in_kcal"), (.peakPerformer, "body_fat_pct"):
            return -1
        case (.peakPerformer, "protein_g"), (.peakPerformer, "strain"): return 1
        default: break
        }
        if higherIsBetter.contains(metric) { return 1 }
        if lowerIsBetter.contains(metric) { return -1 }
        return 0
    }

    /// Relationships established in sleep and exercise physiology (lever → outcome, same day or next): their
    /// tests get `knownWeight` times the weight of the others in the weighted Benjamini–Hochberg procedure.
    /// WHOOP's journal answers (hos-import whoop) are the same behaviours asked yes or no: they share them.
    public static let known: [String: Set<String>] = [
        "sleep_duration_min": [
            "hrv_rmssd_ms", "resting_hr_bpm", "readiness_score", "recovery_score", "mood", "energy",
            "stress_score",
        ],
        "sleep_start": ["sleep_duration_min", "sleep_efficiency_pct", "sleep_latency_min"],
        "steps": ["sleep_efficiency_pct", "sleep_duration_min", "mood"],
        "workout_minutes": ["sleep_efficiency_pct", "hrv_rmssd_ms", "resting_hr_bpm"],
        "alcohol_units": ["resting_hr_bpm", "hrv_rmssd_ms", "sleep_efficiency_pct", "readiness_score"],
        "caffeine_mg": ["sleep_latency_min", "sleep_efficiency_pct", "sleep_duration_min"],
        "mindfulness_min": ["stress_score", "hrv_rmssd_ms", "mood"],
        "calories_in_kcal": ["weight_kg"],
        "x_journal_alcohol": ["resting_hr_bpm", "hrv_rmssd_ms", "sleep_efficiency_pct", "readiness_score"],
        "x_journal_caffeine": ["sleep_latency_min", "sleep_efficiency_pct", "sleep_duration_min"],
    ]

    /// True when x → y is an established relationship.
    public static func isKnown(_ x: String, _ y: String) -> Bool { known[x]?.contains(y) ?? false }

    /// The metrics each archetype watches most closely: an insight naming one gains priority.
    public static func focus(_ archetype: Archetype) -> Set<String> {
        switch archetype {
        case .peakPerformer:
            ["hrv_rmssd_ms", "readiness_score", "resting_hr_bpm", "recovery_score", "strain", "sleep_duration_min"]
        case .systematicImprover: ["sleep_duration_min", "sleep_efficiency_pct", "steps", "hrv_rmssd_ms"]
        case .transformationSeeker: ["weight_kg", "body_fat_pct", "steps", "calories_in_kcal", "active_minutes"]
        case .foundationBuilder: ["sleep_duration_min", "steps", "mood"]
        case .resilienceRebuilder:
            ["hrv_rmssd_ms", "resting_hr_bpm", "sleep_duration_min", "stress_score", "mood", "energy"]
        case .connectedExplorer: ["steps", "mood", "energy", "active_minutes"]
        }
    }

    private static let labels: [String: String] = [
        "sleep_duration_min": "sleep", "time_in_bed_min": "time in bed", "sleep_efficiency_pct": "sleep efficiency",
        "sleep_start": "bedtime", "sleep_end": "wake time", "sleep_latency_min": "time to fall asleep",
        "awake_min": "time awake at night", "sleep_interruptions": "night awakenings", "deep_sleep_min": "deep sleep",
        "rem_sleep_min": "REM sleep", "light_sleep_min": "light sleep", "hrv_rmssd_ms": "HRV",
        "hrv_sdnn_ms": "HRV (SDNN)",
        "resting_hr_bpm": "resting heart rate", "respiratory_rate_bpm": "breathing rate", "spo2_pct": "blood oxygen",
        "steps": "steps", "active_minutes": "active minutes", "sedentary_minutes": "sedentary time",
        "distance_km": "distance", "floors_climbed": "floors climbed", "calories_burned_kcal": "energy burned",
        "active_energy_kcal": "active energy", "workout_minutes": "workout time", "strain": "strain",
        "skin_temp_dev_c": "skin temperature", "calories_in_kcal": "calories eaten", "protein_g": "protein",
        "carbs_g": "carbohydrate", "fat_g": "fat", "fiber_g": "fibre", "water_ml": "water", "caffeine_mg": "caffeine",
        "alcohol_units": "alcohol", "weight_kg": "weight", "body_fat_pct": "body fat", "readiness_score": "readiness",
        "recovery_score": "recovery score", "sleep_score": "sleep score", "stress_score": "stress", "mood": "mood",
        "energy": "energy", "mindfulness_min": "mindfulness",
    ]

    /// Words for a metric: `sleep`, `HRV`; a custom `x_cold_shower_min` is `cold shower min`.
    public static func label(_ metric: String) -> String {
        if let l = labels[metric] { return l }
        let bare = metric.hasPrefix(Metrics.customPrefix) ? String(metric.dropFirst(2)) : metric
        return String(bare.map { $0 == "_" ? " " : $0 })
    }

    /// A value in the metric's unit, for people: `7 h 12 min`, `8,120 steps`, `58.2 ms`, `23:40`.
    public static func format(_ metric: String, _ v: Double) -> String {
        if metric == "sleep_start" || metric == "sleep_end" {
            return ClockTime(minutes: Int(v.rounded())).description
        }
        switch metric {
        case "sleep_duration_min", "time_in_bed_min", "deep_sleep_min", "rem_sleep_min", "light_sleep_min",
            "sleep_latency_min", "awake_min", "active_minutes", "sedentary_minutes", "workout_minutes",
            "mindfulness_min":
            return duration(v)
        case "steps": return grouped(v) + " steps"
        case "hrv_rmssd_ms", "hrv_sdnn_ms": return fixed(v, 1) + " ms"
        case "resting_hr_bpm": return fixed(v, 1) + " bpm"
        case "respiratory_rate_bpm": return fixed(v, 1) + " breaths/min"
        case "sleep_efficiency_pct", "spo2_pct", "body_fat_pct": return fixed(v, 1) + "%"
        case "weight_kg": return fixed(v, 1) + " kg"
        case "distance_km": return fixed(v, 2) + " km"
        case "calories_burned_kcal", "active_energy_kcal", "calories_in_kcal": return grouped(v) + " kcal"
        case "protein_g", "carbs_g", "fat_g", "fiber_g": return fixed(v, 0) + " g"
        case "water_ml": return grouped(v) + " ml"
        case "caffeine_mg": return fixed(v, 0) + " mg"
        case "alcohol_units": return fixed(v, 1) + " units"
        case "skin_temp_dev_c": return fixed(v, 2) + " °C"
        case "mood", "energy": return fixed(v, 1) + " of 5"
        case "sleep_interruptions", "floors_climbed": return fixed(v, 1)
        default: return fixed(v, abs(v) >= 100 ? 0 : 1)
        }
    }

    /// A change in the metric's unit with its sign: `+24 min`, `−1.5 bpm`.
    public static func formatChange(_ metric: String, _ d: Double) -> String {
        let sign = d < 0 ? "−" : "+"
        if metric == "sleep_start" || metric == "sleep_end" { return sign + duration(abs(d)) }
        return sign + format(metric, abs(d))
    }

    static func duration(_ minutes: Double) -> String {
        guard let m = Self.whole(minutes) else { return huge(minutes) + " min" }
        return m >= 60 ? "\(m / 60) h \(m % 60) min" : "\(m) min"
    }

    /// Fixed decimals without float noise (`JSON.number` rounding, then padding).
    static func fixed(_ v: Double, _ places: Int) -> String {
        let r = JSON.number(v, places: places).doubleValue ?? 0
        // Custom x_ metrics have no range: a magnitude no Int holds is written in scientific notation.
        guard abs(r) < 1e15 else { return huge(r) }
        guard places > 0 else { return String(Int(r.rounded())) }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        guard abs(r) * scale < 1e18 else { return huge(r) }
        let whole = Int((abs(r) * scale).rounded())
        let intPart = whole / Int(scale)
        let frac = whole % Int(scale)
        let fracText = String(frac)
        return (r < 0 ? "-" : "") + "\(intPart)." + String(repeating: "0", count: places - fracText.count) + fracText
    }

    static func grouped(_ v: Double) -> String {
        guard let n = Self.whole(v) else { return huge(v) }
        var digits = Array(String(abs(n)))
        var out: [Character] = []
        while digits.count > 3 {
            out = [","] + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + String(digits + out)
    }

    /// A rounded value as an Int when it is below 1e15 in magnitude (exact in a Double), else nil.
    static func whole(_ v: Double) -> Int? {
        guard v.isFinite, abs(v) < 1e15 else { return nil }
        return Int(v.rounded())
    }

    /// A value no `Int` holds (or not finite), in three significant digits: `1.23e+20`.
    static func huge(_ v: Double) -> String {
        guard v.isFinite else { return v.isNaN ? "nan" : (v < 0 ? "-inf" : "inf") }
        var e = 0
        var m = abs(v)
        while m >= 10 {
            m /= 10
            e += 1
        }
        while m < 1, m > 0 {
            m *= 10
            e -= 1
        }
        return (v < 0 ? "-" : "") + fixed(m, 2) + "e" + (e < 0 ? "-" : "+") + String(abs(e))
    }
}
