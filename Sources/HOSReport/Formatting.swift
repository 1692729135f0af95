// What every format shares: fixed number formats, metric names for people, sparklines, text widths, phrases.

import HOSCore

/// Number formatting that never depends on the locale, so golden files stay stable.
public enum Format {
    /// `v` with `places` decimals, thousands grouped with commas when `group`; `−` for negatives when `typographic`.
    public static func number(_ v: Double, places: Int, group: Bool = true, typographic: Bool = false) -> String {
        guard v.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(v) * scale).rounded()
        let negative = v < 0 && scaled > 0
        let whole = UInt64(scaled / scale)
        let frac = UInt64(scaled - Double(whole) * scale)
        var digits = String(whole)
        if group, digits.count > 3 {
            var out = ""
            for (i, c) in digits.enumerated() {
                if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
                out.append(c)
            }
            digits = out
        }
        if places > 0 {
            let f = String(frac)
            digits += "." + String(repeating: "0", count: places - f.count) + f
        }
        return negative ? (typographic ? "−" : "-") + digits : digits
    }

    /// A metric value at a precision that suits its size: whole numbers as they are and from 100 up, else one decimal.
    public static func value(_ v: Double) -> String {
        number(v, places: abs(v) >= 100 || v == v.rounded() ? 0 : 1, typographic: true)
    }

    /// A signed value, `+1.2` or `−0.4`.
    public static func signed(_ v: Double, places: Int = 1) -> String {
        let s = number(v, places: places, typographic: true)
        return v > 0 && s != number(0, places: places) ? "+" + s : s
    }

    /// A share 0–1 as a whole percentage.
    public static func percent(_ share: Double) -> String { number(share * 100, places: 0) + "%" }

    /// A plain number for tables: integers without a fraction, others in the shortest form that reads back the same.
    public static func raw(_ v: Double?) -> String {
        guard let v else { return "" }
        return JSON.number(v).text
    }

    /// Millilitres as litres with one decimal (`3.2 l`).
    public static func litres(_ ml: Double) -> String { number(ml / 1000, places: 1) + " l" }
}

/// Names and units of metrics for people, and which way is better.
public enum MetricInfo {
    static let labels: [String: String] = [
        "sleep_duration_min": "sleep", "time_in_bed_min": "time in bed", "sleep_efficiency_pct": "sleep efficiency",
        "sleep_latency_min": "sleep latency", "awake_min": "awake in bed", "deep_sleep_min": "deep sleep",
        "rem_sleep_min": "REM sleep", "light_sleep_min": "light sleep", "hrv_rmssd_ms": "HRV (RMSSD)",
        "hrv_sdnn_ms": "HRV (SDNN)", "resting_hr_bpm": "resting HR", "respiratory_rate_bpm": "breathing rate",
        "spo2_pct": "SpO₂", "active_minutes": "active time", "sedentary_minutes": "sedentary time",
        "calories_burned_kcal": "energy burned", "active_energy_kcal": "active energy",
        "workout_minutes": "workouts", "skin_temp_dev_c": "skin temperature", "calories_in_kcal": "energy eaten",
        "fiber_g": "fibre", "water_ml": "water", "alcohol_units": "alcohol", "weight_kg": "weight",
        "body_fat_pct": "body fat", "readiness_score": "readiness (device)", "recovery_score": "recovery score",
        "stress_score": "stress", "mindfulness_min": "mindfulness", "sleep_interruptions": "awakenings",
        "floors_climbed": "floors", "distance_km": "distance", "caffeine_mg": "caffeine",
    ]

    static let suffixUnits: [(String, String)] = [
        ("_minutes", "min"), ("_min", "min"), ("_pct", "%"), ("_ms", "ms"), ("_bpm", "bpm"), ("_kcal", "kcal"),
        ("_kg", "kg"), ("_km", "km"), ("_mg", "mg"), ("_ml", "ml"), ("_g", "g"), ("_c", "°C"), ("_units", "units"),
    ]

    /// A short name: `sleep`, `HRV (RMSSD)`, `steps`; custom `x_` metrics keep their name.
    public static func label(_ name: String) -> String {
        if let l = labels[name] { return l }
        if Metrics.isCustom(name) { return name }
        var base = name
        for (suffix, _) in suffixUnits where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        return String(base.map { $0 == "_" ? " " : $0 })
    }

    /// The unit as a short symbol (`min`, `%`, `bpm`), empty for counts and scores.
    public static func unit(_ name: String) -> String {
        if name.hasSuffix("_score") || ["mood", "energy", "strain", "steps"].contains(name) { return "" }
        for (suffix, unit) in suffixUnits where name.hasSuffix(suffix) { return unit }
        return ""
    }

    /// +1 when more is better, −1 when less is, 0 when it depends (weight, energy eaten).
    public static func better(_ name: String) -> Int {
        switch name {
        case "sleep_duration_min", "sleep_efficiency_pct", "deep_sleep_min", "rem_sleep_min", "hrv_rmssd_ms",
            "hrv_sdnn_ms", "spo2_pct", "steps", "active_minutes", "distance_km", "floors_climbed",
            "workout_minutes", "active_energy_kcal", "fiber_g", "water_ml", "readiness_score", "recovery_score",
            "sleep_score", "mood", "energy", "mindfulness_min":
            1
        case "resting_hr_bpm", "sleep_latency_min", "awake_min", "sleep_interruptions", "sedentary_minutes",
            "stress_score", "alcohol_units", "caffeine_mg", "body_fat_pct":
            -1
        default: 0
        }
    }

    /// The metrics a summary leads with, in this order, when present.
    public static let key = DailySeries.headline

    /// The metrics to show: the key ones present, then others with a trend or anomalies, at most `limit`.
    public static func shown(_ behavior: BehaviorResult?, recorded: [String], limit: Int) -> [String] {
        Array(DailySeries.worthShowing(present: Set(recorded), analysis: behavior?.metrics).prefix(limit))
    }
}

/// Unicode sparklines and arrows.
public enum Spark {
    static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// One character per value (a missing value is a space), scaled from the series' minimum to its maximum, or
    /// over a fixed `scale` (adherence 0–1); a series longer than `width` is averaged into `width` equal bins.
    public static func line(_ values: [Double?], width: Int, scale: ClosedRange<Double>? = nil) -> String {
        let series = bin(values, width: width)
        let present = series.compactMap { $0 }
        guard let lo = scale?.lowerBound ?? present.min(), let hi = scale?.upperBound ?? present.max() else {
            return String(repeating: " ", count: series.count)
        }
        return String(
            series.map { v -> Character in
                guard let v else { return " " }
                guard hi > lo else { return bars[3] }
                let k = Int(((v - lo) / (hi - lo) * 7).rounded())
                return bars[min(7, max(0, k))]
            })
    }

    /// Averages a series into at most `width` bins; a bin with no value stays missing.
    public static func bin(_ values: [Double?], width: Int) -> [Double?] {
        guard width > 0, values.count > width else { return values }
        return (0..<width).map { b in
            let lo = b * values.count / width
            let hi = (b + 1) * values.count / width
            let vs = values[lo..<hi].compactMap { $0 }
            return vs.isEmpty ? nil : vs.reduce(0, +) / Double(vs.count)
        }
    }

    /// ↗ rising, ↘ falling, → flat, · unknown.
    public static func arrow(_ direction: String?) -> String {
        switch direction {
        case "rising": "↗"
        case "falling": "↘"
        case "flat": "→"
        default: "·"
        }
    }
}

/// Text measured in terminal columns.
public enum Columns {
    /// Columns a string takes: wide East Asian characters and emoji count 2, combining marks 0.
    public static func width(_ s: String) -> Int {
        var w = 0
        for u in s.unicodeScalars {
            let v = u.value
            switch u.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format, .control: continue
            default: break
            }
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v)
            w += wide ? 2 : 1
        }
        return w
    }

    /// Cut to `limit` columns, ending in `…` when cut.
    public static func truncate(_ s: String, _ limit: Int) -> String {
        guard width(s) > limit else { return s }
        guard limit > 0 else { return "" }
        var out = ""
        var w = 0
        for c in s {
            let cw = width(String(c))
            if w + cw > limit - 1 { break }
            out.append(c)
            w += cw
        }
        return out + "…"
    }

    /// Padded with spaces to `n` columns (cut first when longer); right-aligned when `right`.
    public static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let t = truncate(s, n)
        let fill = String(repeating: " ", count: max(0, n - width(t)))
        return right ? fill + t : t + fill
    }

    /// Words wrapped to `limit` columns; lines after the first start with `indent` (counted in the limit).
    public static func wrap(_ text: String, _ limit: Int, indent: String = "") -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            let prefix = lines.isEmpty ? "" : indent
            if width(prefix + candidate) <= limit || line.isEmpty {
                line = candidate
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines.enumerated().map { i, l in truncate((i == 0 ? "" : indent) + l, limit) }
    }

    /// One line of text from input: control characters and line breaks become spaces.
    public static func oneLine(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            switch u.properties.generalCategory {
            case .control, .lineSeparator, .paragraphSeparator: out.append(" ")
            default: out.append(u)
            }
        }
        return String(out)
    }
}

/// The sentences every format shares, so text, Markdown and HTML say the same thing.
public enum Phrases {
    /// `critical · since 2026-02-07 · Readiness at or below 50 for 4 days: Your readiness score has been …`
    public static func alert(_ a: AlertPayload) -> String {
        Columns.oneLine("\(a.severity) · since \(a.started) · \(a.title): \(a.detail)")
    }

    /// `resting HR +9.0 · sleep debt −5.7 · HRV (RMSSD) −2.9`
    public static func drivers(_ r: Readiness) -> String? {
        guard !r.drivers.isEmpty else { return nil }
        return r.drivers.map { d in
            let name = d.metric == "sleep_debt_hours" ? "sleep debt" : MetricInfo.label(Columns.oneLine(d.metric))
            return "\(name) \(Format.signed(d.effect))"
        }.joined(separator: " · ")
    }

    /// `usually 22:34 to 07:18 · regular bedtime · intermediate chronotype · social jet lag 49 min`
    public static func sleep(_ b: BehaviorResult) -> String? {
        var parts: [String] = []
        if let s = b.sleepStart, let e = b.sleepEnd { parts.append("usually \(s) to \(e)") }
        if let r = b.sleepStartRegularity { parts.append("\(Columns.oneLine(r)) bedtime") }
        if let c = b.chronotype { parts.append("\(Columns.oneLine(c)) chronotype") }
        if let j = b.socialJetLagMin, abs(j) >= 1 { parts.append("social jet lag \(Format.number(j, places: 0)) min") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// `consistent sleeper · highly active · engagement high (97% of days logged)`
    public static func signature(_ b: BehaviorResult) -> String? {
        var parts = b.signature.map(Columns.oneLine)
        if let level = b.engagementLevel {
            parts.append(
                "engagement \(Columns.oneLine(level))"
                    + (b.engagementShare.map { " (\(Format.percent($0)) of days logged)" } ?? ""))
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// Why a report of an analysis has no day-by-day lines, and how to get them.
    public static let noDailyRecords =
        "No daily records in the input, so no charts: hos-run's analysis_complete carries them (its daily series), "
        + "as do hos-run --output-mode all and a pipe of the agents."

    /// What hos-behavior could not compute and why, one line per reason, readiness first:
    /// `trend of sleep, resting HR: too few days (3, need 7)`. Statistics of several metrics that
    /// failed for the same reason share a line, so a short window gives a few lines, not one per metric.
    /// `names` caps the metrics named per line (`… and 11 more`); 0 names them all.
    public static func missing(_ b: BehaviorResult, names limit: Int = 0) -> [String] {
        var order: [String] = []
        var groups: [String: (head: String, names: [String], why: String)] = [:]
        for n in b.notComputed {
            let what = Columns.oneLine(n.what)
            let why = Columns.oneLine(n.why)
            // metric.statistic: the statistic names the group, the metrics are listed in it.
            let parts = what.split(separator: ".", maxSplits: 1).map(String.init)
            let (head, name) =
                parts.count == 2
                ? (parts[1] + " of ", MetricInfo.label(parts[0]))
                : ("", missingNames[what] ?? MetricInfo.label(what))
            let key = head + "\u{0}" + why
            if groups[key] == nil {
                order.append(key)
                groups[key] = (head, [], why)
            }
            if !groups[key]!.names.contains(name) { groups[key]!.names.append(name) }
        }
        let lines = order.map { k in
            let g = groups[k]!
            let shown = limit > 0 && g.names.count > limit + 1 ? Array(g.names.prefix(limit)) : g.names
            let more = g.names.count - shown.count
            return g.head + shown.joined(separator: ", ") + (more > 0 ? " and \(more) more" : "") + ": " + g.why
        }
        return lines.filter { $0.hasPrefix("readiness:") } + lines.filter { !$0.hasPrefix("readiness:") }
    }

    /// Names of what hos-behavior computes beside the metrics.
    static let missingNames = [
        "social_jet_lag": "social jet lag", "sleep_start": "bedtime", "sleep_end": "wake time",
        "readiness": "readiness",
    ]

    /// `2 earlier analyses · difficulty 3 · bedtime 22:35 · wake_time 06:55`
    public static func memory(_ m: MemoryResult) -> String? {
        var parts: [String] = []
        if let n = m.analysesTotal {
            parts.append(
                n == 0
                    ? "first analysis"
                    : n == 1 ? "1 earlier analysis" : "\(Format.number(n, places: 0)) earlier analyses")
        }
        if let d = m.difficulty { parts.append("difficulty \(Columns.oneLine(d))") }
        parts += m.preferences.map { "\(Columns.oneLine($0.name)) \(Columns.oneLine($0.value))" }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// A p-value as people read it: `p 0.004`, `p < 0.001`.
    public static func pValue(_ p: Double) -> String {
        p < 0.001 ? "p < 0.001" : "p " + Format.number(p, places: 3, group: false)
    }

    /// `spearman 0.46 · n 28 · p 0.004 · effect 8.1`
    public static func evidence(_ i: InsightResult) -> String? {
        var parts: [String] = []
        if let s = i.statistic { parts.append(Columns.oneLine(s)) }
        if let n = i.n { parts.append("n \(Format.number(n, places: 0))") }
        if let p = i.pValue { parts.append(pValue(p)) }
        if let e = i.effect { parts.append("effect \(Columns.oneLine(e))") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// `correlation · confidence 82%`
    public static func insightMeta(_ i: InsightResult) -> String {
        var parts: [String] = []
        if let k = i.kind { parts.append(Columns.oneLine(k)) }
        if let c = i.confidence { parts.append("confidence \(Format.percent(c))") }
        return parts.joined(separator: " · ")
    }

    /// `protein 162 g · carbs 342 g · fat 74 g · fibre 38 g · water 3.2 l`
    public static func macros(_ n: NutritionResult) -> String? {
        var parts: [String] = []
        if let v = n.proteinG { parts.append("protein \(Format.number(v, places: 0)) g") }
        if let v = n.carbsG { parts.append("carbs \(Format.number(v, places: 0)) g") }
        if let v = n.fatG { parts.append("fat \(Format.number(v, places: 0)) g") }
        if let v = n.fiberG { parts.append("fibre \(Format.number(v, places: 0)) g") }
        if let v = n.hydrationMl { parts.append("water \(Format.litres(v))") }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// `07:50 breakfast 670 kcal`
    public static func meal(_ m: Meal) -> String {
        var s = (m.time.map { "\($0) " } ?? "") + Columns.oneLine(m.name)
        if let k = m.kcal { s += " \(Format.number(k, places: 0)) kcal" }
        return s
    }

    /// `difficulty 3 → 4: two good weeks`
    public static func difficulty(_ a: AdaptationResult) -> String? {
        guard a.difficultyFrom != nil || a.difficultyTo != nil else { return nil }
        var s =
            "difficulty " + (a.difficultyFrom.map(Columns.oneLine) ?? "?") + " → "
            + (a.difficultyTo.map(Columns.oneLine) ?? "?")
        if let r = a.difficultyReason { s += ": " + Columns.oneLine(r) }
        return s
    }

    /// `predicted adherence 72% (60–81%)`
    public static func predicted(_ a: AdaptationResult) -> String? {
        guard let m = a.predictedMean else { return nil }
        var s = "predicted adherence \(Format.percent(m))"
        if let lo = a.predictedLow, let hi = a.predictedHigh { s += " (\(Format.percent(lo))–\(Format.percent(hi)))" }
        return s
    }

    /// `morning 71% (chosen) · evening 20% · midday 9%`: each arm's chance of being the best.
    public static func arms(_ e: Experiment, chosenMark: String = " (chosen)") -> String {
        e.arms.map { a in
            Columns.oneLine(a.arm) + (a.pBest.map { " " + Format.percent($0) } ?? "")
                + (a.arm == e.chosen ? chosenMark : "")
        }.joined(separator: " · ")
    }

    /// `exercise window` for exercise_time, `sleep shift` for sleep_shift, other dimensions with spaces.
    public static func dimension(_ d: String) -> String {
        switch d {
        case "exercise_time": "exercise window"
        default: String(Columns.oneLine(d).map { $0 == "_" ? " " : $0 })
        }
    }

    /// `12` for a whole count, `11.5` for a weighted one.
    static func count(_ v: Double) -> String { Format.number(v, places: abs(v - v.rounded()) < 0.05 ? 0 : 1) }

    /// `exercise window evening: mean 0.72 from 14 feedbacks in 2 plans`; without feedback on the arm,
    /// `exercise window morning: no feedback yet (prior mean 0.50)`.
    public static func learned(_ l: LearnedArm) -> String {
        let head = "\(dimension(l.dimension)) \(Columns.oneLine(l.arm)): "
        if l.evidence <= 0 && l.pulls == 0 {
            return head + "no feedback yet (prior mean \(Format.number(l.mean, places: 2)))"
        }
        return head + "mean \(Format.number(l.mean, places: 2)) from "
            + "\(count(l.evidence)) feedback\(count(l.evidence) == "1" ? "" : "s") in \(l.pulls) plan\(l.pulls == 1 ? "" : "s")"
    }

    /// `Peak Performer → Foundation Builder since 2026-03-30 · fresh: earlier evidence set aside · 1 plan since`
    public static func archetypeSwitch(_ s: ArchetypeSwitchReport) -> String {
        var out = Columns.oneLine(s.from) + " → " + Columns.oneLine(s.to)
        if let d = s.since { out += " since \(d)" }
        let strategy = Columns.oneLine(s.strategy)
        switch strategy {
        case "adaptive": out += " · adaptive: own evidence kept, the new archetype's priors"
        case "fresh": out += " · fresh: earlier evidence set aside"
        default: out += " · \(strategy): new archetype's prior weight \(Format.percent(s.blendWeight))"
        }
        return out + " · \(s.plansSince) plan\(s.plansSince == 1 ? "" : "s") since"
    }

    /// `exercise up to intensity 2 · 9 feedbacks · lowered: skipped when harder`
    public static func tolerance(_ t: ToleranceResult) -> String {
        var parts = [
            Columns.oneLine(t.category) + (t.maxIntensity.map { " up to intensity \($0)" } ?? " no limit learned")
        ]
        if let n = t.evidence { parts.append("\(count(n)) feedback\(count(n) == "1" ? "" : "s")") }
        var last = t.state.map(Columns.oneLine) ?? ""
        if let r = t.reason { last += (last.isEmpty ? "" : ": ") + Columns.oneLine(r) }
        if !last.isEmpty { parts.append(last) }
        return parts.joined(separator: " · ")
    }

    /// The capped categories, then one line for the others: `no cap on 5 other categories`.
    public static func toleranceRows(_ all: [ToleranceResult]) -> [String] {
        let capped = all.filter { $0.maxIntensity != nil || ($0.state ?? "none") != "none" }
        let rest = all.count - capped.count
        guard rest > 0 else { return capped.map(tolerance) }
        let other = capped.isEmpty ? "" : "other "
        return capped.map(tolerance) + ["no cap on \(rest) \(other)categor\(rest == 1 ? "y" : "ies")"]
    }

    /// The items not kept, then one line for the others: `4 other items kept as they are`.
    public static func itemRows(_ all: [ItemVerdict]) -> [String] {
        let changed = all.filter { ($0.verdict ?? "keep") != "keep" }
        let rest = all.count - changed.count
        guard rest > 0 else { return changed.map(item) }
        let other = changed.isEmpty ? "" : "other "
        return changed.map(item) + ["\(rest) \(other)item\(rest == 1 ? " kept as it is" : "s kept as they are")"]
    }

    /// `run (exercise) 45% of 14 → adapt: lighter · completion 40–80%`
    public static func item(_ i: ItemVerdict) -> String {
        var s = Columns.oneLine(i.item) + (i.category.map { " (\(Columns.oneLine($0)))" } ?? "")
        if let c = i.completion { s += " " + Format.percent(c) + (i.n.map { " of \(count($0))" } ?? "") }
        if let v = i.verdict { s += " → " + Columns.oneLine(v) + (i.action.map { ": " + Columns.oneLine($0) } ?? "") }
        if let r = i.reason { s += " · " + Columns.oneLine(r) }
        return s
    }

    /// `adherence 42% → 81% from 2026-02-01 to 2026-02-05 · lift +0.12`
    public static func curve(_ a: AdaptationResult) -> String? {
        guard let first = a.curve.first, let last = a.curve.last else { return nil }
        var s =
            a.curve.count == 1
            ? "adherence \(Format.percent(first.adherence)) on \(first.date)"
            : "adherence \(Format.percent(first.adherence)) → \(Format.percent(last.adherence)) from \(first.date) to \(last.date)"
        if let lift = a.lift { s += " · lift \(Format.signed(lift, places: 2))" }
        return s
    }

    /// A step's result in generic form: compact JSON cut to `limit` columns.
    public static func generic(_ v: JSON, limit: Int) -> String {
        Columns.truncate(Columns.oneLine(v.text), limit)
    }

    /// `2026-02-11 high 103.9`
    public static func anomaly(_ a: Anomaly) -> String {
        "\(a.date)" + (a.direction.map { " " + Columns.oneLine($0) } ?? "")
            + (a.value.map { " " + Format.value($0) } ?? "")
    }

    /// `↗ +1.1/wk`, `→ flat`.
    public static func trend(_ t: Trend?) -> String {
        guard let t else { return "" }
        switch t.direction {
        case "rising", "falling":
            return Spark.arrow(t.direction)
                + (t.slopePerWeek.map {
                    " " + Format.signed($0, places: abs($0) >= 100 ? 0 : abs($0) < 1 ? 2 : 1) + "/wk"
                } ?? "")
        case let d?: return Spark.arrow(d) + " " + Columns.oneLine(d)
        case nil: return ""
        }
    }
}
