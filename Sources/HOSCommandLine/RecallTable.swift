// recall --format table: what the memory holds of a user for a person to read; the raw rows stay in JSON lines.

import HOSCore
import HOSMemory
import HOSReport

/// The tables a person reads as a summary rather than row by row: hundreds of day records and their statistics.
let summarisedTables: Set<String> = ["short_term_record", "short_term_stat"]

/// Rows as text: the day records and their statistics as one row per metric (`recallSummary`), every other
/// table as an aligned block of its rows.
func recallTable(_ rows: [TableRow]) -> String {
    recallSummary(rows) + tableText(rows.filter { !summarisedTables.contains($0.table) })
}

/// One row per metric the memory holds records of: days recorded, the 30-day mean as baseline, the 7-day mean
/// as recent (hos-memory's short_term_stat), and the trend of the last behaviour analysis kept; clock metrics
/// as times of day, values rounded as hos-report rounds them. Empty without day records.
func recallSummary(_ rows: [TableRow]) -> String {
    var days: [String: Int] = [:]
    var clock: Set<String> = []
    for r in rows where r.table == "short_term_record" {
        guard case .string(let metric)? = r.row["metric"] else { continue }
        days[metric, default: 0] += 1
        if r.row["kind"] == .string("clock") { clock.insert(metric) }
    }
    guard !days.isEmpty else { return "" }
    var mean: [String: [Int: Double]] = [:]
    var asOf: String?
    for r in rows where r.table == "short_term_stat" {
        guard case .string(let metric)? = r.row["metric"], case .number(let w)? = r.row["window_days"],
            case .number(let m)? = r.row["mean"]
        else { continue }
        mean[metric, default: [:]][Int(w)] = m
        asOf = r.row["as_of"]?.stringValue ?? asOf
    }
    let analysis = latestBehaviorAnalysis(rows)
    func shown(_ metric: String, _ v: Double?) -> String {
        guard let v else { return "–" }
        return clock.contains(metric) ? ClockTime(minutes: Int(v.rounded())).description : Format.value(v)
    }
    let header = ["metric", "days", "baseline", "recent", "trend"]
    let cells: [[String]] = days.keys.sorted().map { metric in
        let trend = Phrases.trend(analysis?.metrics[metric]?.trend)
        return [
            printable(metric), String(days[metric]!), shown(metric, mean[metric]?[30]),
            shown(metric, mean[metric]?[7]), trend.isEmpty ? "–" : trend,
        ]
    }
    var note = "baseline: mean of the last 30 days, recent: of the last 7"
    if let asOf { note += ", to \(printable(asOf))" }
    note +=
        analysis.map { "; trend: the last behaviour analysis" + ($0.asOf.map { " (as of \($0))" } ?? "") }
        ?? "; trend: – (no behaviour analysis among these rows; recall without --layer looks in the history)"
    return "metrics (\(days.count))\n" + aligned([header] + cells, right: [1, 2, 3]) + note + "\n\n"
}

/// The behaviour analysis with the latest as_of among the history rows.
func latestBehaviorAnalysis(_ rows: [TableRow]) -> BehaviorAnalysisPayload? {
    rows.filter { $0.table == "analyses" && $0.row["event_type"] == .string(EventType.behaviorAnalysis) }
        .compactMap { r in r.row["payload"]?.objectValue.flatMap { try? BehaviorAnalysisPayload(payload: $0) } }
        .max { ($0.asOf?.description ?? "") < ($1.asOf?.description ?? "") }
}

/// Lines of cells in columns two spaces apart; `right` lists the columns aligned to the right.
func aligned(_ lines: [[String]], right: Set<Int> = []) -> String {
    var widths: [Int] = []
    for line in lines {
        for (k, c) in line.enumerated() {
            if k == widths.count { widths.append(0) }
            widths[k] = max(widths[k], c.count)
        }
    }
    return lines.map { cs in
        cs.enumerated().map { k, c in
            let pad = String(repeating: " ", count: widths[k] - c.count)
            return right.contains(k) ? pad + c : k == cs.count - 1 ? c : c + pad
        }
        .joined(separator: "  ")
    }
    .joined(separator: "\n") + "\n"
}
