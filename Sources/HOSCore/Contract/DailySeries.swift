// The `daily` object of analysis_complete: the window's day-by-day values of the headline metrics, so that a
// report of hos-run's output alone can draw its charts.

/// Day-by-day values of a few metrics over an analysis window, compact: one array per metric, a day per entry.
public struct DailySeries: ContractObject {
    /// The metrics a summary leads with, in this order, when present.
    public static let headline = [
        "sleep_duration_min", "sleep_efficiency_pct", "hrv_rmssd_ms", "hrv_sdnn_ms", "resting_hr_bpm", "steps",
        "active_minutes", "weight_kg", "stress_score", "mood", "energy", "mindfulness_min",
    ]
    /// The most metrics carried.
    public static let maxMetrics = 12
    /// The most days carried: the last ones of a longer window (a chart of more would not show a day anyway).
    public static let maxDays = 92

    public var start = LocalDate(daysSinceEpoch: 0)
    /// Metric → one value per day from `start`, null for a day without one.
    public var values: [String: [JSON]] = [:]

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("start", \.start, "The first day of the arrays."),
        .value(
            "values", \.values,
            "Metric → one number per day from start (null: no value that day); only metrics with a value.",
            default: [:]),
    ]

    /// The metrics worth showing, in order: the headline ones present, then the others the analysis found a
    /// trend or anomalies in; when none of those, every metric present. hos-report picks its rows by this rule
    /// and hos-run the series it carries, so the charts of hos-run's output are those of the records.
    public static func worthShowing(present: Set<String>, analysis: [String: MetricSummary]?) -> [String] {
        var present = present
        if let analysis { present.formUnion(analysis.keys) }
        var out = headline.filter { present.contains($0) }
        for (name, m) in (analysis ?? [:]).sorted(by: { $0.key < $1.key }) where !out.contains(name) {
            let trending = m.trend?.direction == "rising" || m.trend?.direction == "falling"
            if trending || !m.anomalies.isEmpty { out.append(name) }
        }
        return out.isEmpty ? present.sorted() : out
    }

    /// The series of a user's records over the window ending on `end`, `days` long (at most `maxDays`), of the
    /// metrics worth showing (at most `maxMetrics`); nil when none has a value in the window.
    public static func of(_ records: [HealthRecord], end: LocalDate, days: Int, analysis: [String: MetricSummary]?)
        -> DailySeries?
    {
        let n = max(1, min(days, maxDays))
        let start = end.adding(days: -(n - 1))
        let inWindow = records.filter { $0.date >= start && $0.date <= end }
        var present = Set<String>()
        for r in inWindow { for (name, v) in r.metrics where v.number != nil { present.insert(name) } }
        let names = worthShowing(present: present, analysis: analysis).filter(present.contains).prefix(maxMetrics)
        guard !names.isEmpty else { return nil }
        var values: [String: [JSON]] = [:]
        for name in names { values[name] = Array(repeating: .null, count: n) }
        // Records are in stream order: a later record of the same day wins, as in every agent.
        for r in inWindow {
            for name in names {
                if let v = r.metrics[name]?.number { values[name]![r.date.days(since: start)] = .number(v) }
            }
        }
        var s = DailySeries()
        (s.start, s.values) = (start, values)
        return s
    }

    /// Reads a `daily` object and checks that every entry is a number or null (a chart of anything else would
    /// mislead); the problem names the entry's path.
    public init(checking object: Fields) throws(EventProblem) {
        self = try DailySeries(object)
        for (name, entries) in values {
            for (i, v) in entries.enumerated() {
                switch v {
                case .number, .null: continue
                default: throw EventProblem("\(object.path).values.\(printable(name))[\(i)] must be a number or null")
                }
            }
        }
    }

    /// A metric's days with a number, in order; empty for a metric not carried.
    public func days(_ metric: String) -> [(LocalDate, Double)] {
        (values[metric] ?? []).enumerated().compactMap { i, v in
            if case .number(let x) = v { return (start.adding(days: i), x) }
            return nil
        }
    }
}
