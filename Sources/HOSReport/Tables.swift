// --format csv|tsv: the results as flat tables, one row per item with user_id and analysis_id, for pandas & co.

import HOSCore

/// The tables hos-report writes; their columns are fixed and documented in hos-report(1).
public enum ReportTable: String, CaseIterable, Sendable {
    case summary, days, metrics, insights, routine, nutrition, arms, adherence

    /// The columns, in order.
    public var columns: [String] {
        switch self {
        case .summary:
            [
                "user_id", "analysis_id", "archetype", "as_of", "window_start", "window_end", "readiness_score",
                "readiness_state", "sleep_debt_hours", "plan_date", "difficulty", "focus", "wake", "bedtime",
                "energy_kcal",
                "insights", "predicted_adherence", "degraded",
            ]
        case .days:
            ["user_id", "analysis_id", "date", "metric", "value", "baseline", "band_low", "band_high", "anomaly"]
        case .metrics:
            [
                "user_id", "analysis_id", "metric", "unit", "n", "completeness", "baseline", "recent", "band_low",
                "band_high", "trend", "slope_per_week", "p_value", "cv", "mad", "anomalies",
            ]
        case .insights:
            [
                "user_id", "analysis_id", "rank", "insight_id", "kind", "title", "detail", "confidence", "priority",
                "statistic", "n", "p_value", "effect", "action",
            ]
        case .routine:
            [
                "user_id", "analysis_id", "plan_id", "date", "item_id", "start", "end", "duration_min", "category",
                "intensity", "variant", "title", "why",
            ]
        case .nutrition:
            ["user_id", "analysis_id", "plan_id", "date", "kind", "name", "time", "value", "unit", "focus"]
        case .arms:
            ["user_id", "analysis_id", "dimension", "arm", "successes", "failures", "p_best", "chosen", "propensity"]
        case .adherence:
            ["user_id", "analysis_id", "date", "adherence", "n"]
        }
    }

    /// One line of documentation per table, for the man page.
    public var summary: String {
        switch self {
        case .summary: "one row per analysis"
        case .days: "one row per recorded value (user, day, metric)"
        case .metrics: "one row per metric of each behaviour analysis"
        case .insights: "one row per insight"
        case .routine: "one row per routine plan item"
        case .nutrition: "one row per nutrition target and per meal"
        case .arms: "one row per arm of each adaptation experiment"
        case .adherence: "one row per day of each adaptation learning curve"
        }
    }
}

/// Writes one table as CSV (RFC 4180 quoting) or TSV.
public struct TableReport {
    public enum Separator: Sendable { case comma, tab }

    public var model: ReportModel
    public var table: ReportTable
    public var separator: Separator

    public init(_ model: ReportModel, table: ReportTable, separator: Separator = .comma) {
        self.model = model
        self.table = table
        self.separator = separator
    }

    /// RFC 4180: a field holding a comma, a quote, CR or LF is quoted, its quotes doubled. TSV has no quoting,
    /// so there tabs and line breaks become spaces.
    func field(_ s: String) -> String {
        switch separator {
        case .comma:
            // Byte by byte: far cheaper than comparing Characters, and the four bytes are ASCII.
            guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
            return "\"" + s.replacingQuotes + "\""
        case .tab:
            guard s.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else { return s }
            return String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
        }
    }

    /// The header and the rows, each line ending in a newline.
    public func render() -> String {
        let sep = separator == .comma ? "," : "\t"
        var out = table.columns.joined(separator: sep) + "\n"
        for row in rows() {
            precondition(row.count == table.columns.count, "a \(table) row has \(row.count) fields")
            out += row.map(field).joined(separator: sep) + "\n"
        }
        return out
    }

    static let n = Format.raw

    /// The rows of the table, in model order.
    public func rows() -> [[String]] {
        var rows: [[String]] = []
        for user in model.users {
            let owners = table == .days ? dayOwners(user) : [:]
            for (k, a) in user.analyses.enumerated() {
                let ids = [user.userID, a.analysisID]
                switch table {
                case .summary: rows.append(ids + summary(a, user))
                case .days:
                    // Days outside every window come first, with no analysis id.
                    if k == 0 { rows += days(user, nil, owned: owners.filter { $0.value == -1 }.keys.sorted()) }
                    rows += days(user, a, owned: owners.filter { $0.value == k }.keys.sorted())
                case .metrics: rows += metrics(a).map { ids + $0 }
                case .insights:
                    for (i, x) in a.insights.enumerated() {
                        rows.append(
                            ids + [
                                String(i + 1), x.insightID, x.kind ?? "", x.title, x.detail ?? "",
                                Self.n(x.confidence), x.priority ?? "", x.statistic ?? "", Self.n(x.n),
                                Self.n(x.pValue), x.effect ?? "", x.action ?? "",
                            ])
                    }
                case .routine:
                    guard let r = a.routine else { continue }
                    for item in r.items {
                        rows.append(
                            ids + [
                                r.planID ?? "", r.date?.description ?? "", item.itemID, item.start.description,
                                item.end.description, Self.n(item.durationMin), item.category,
                                Self.n(item.intensity),
                                item.variant.map { "\($0.dimension)=\($0.arm)" }.joined(separator: ";"),
                                item.title, item.why ?? "",
                            ])
                    }
                case .nutrition:
                    guard let nu = a.nutrition else { continue }
                    let head = ids + [nu.planID ?? "", nu.date?.description ?? ""]
                    for t in nu.targets { rows.append(head + ["target", t.name, "", Self.n(t.value), t.unit, ""]) }
                    for m in nu.meals {
                        rows.append(
                            head + [
                                "meal", m.name, m.time?.description ?? "", Self.n(m.kcal), m.kcal == nil ? "" : "kcal",
                                m.focus ?? "",
                            ])
                    }
                case .arms:
                    for e in a.adaptation?.experiments ?? [] {
                        for arm in e.arms {
                            rows.append(
                                ids + [
                                    e.dimension, arm.arm, Self.n(arm.successes), Self.n(arm.failures),
                                    Self.n(arm.pBest), e.chosen == nil ? "" : (e.chosen == arm.arm ? "true" : "false"),
                                    e.chosen == arm.arm ? Self.n(e.propensity) : "",
                                ])
                        }
                    }
                case .adherence:
                    for p in a.adaptation?.curve ?? [] {
                        rows.append(ids + [p.date.description, Self.n(p.adherence), Self.n(p.n)])
                    }
                }
            }
        }
        return rows
    }

    func summary(_ a: AnalysisReport, _ user: UserReport) -> [String] {
        let w = user.window(for: a)
        let r = a.behavior?.readiness
        return [
            a.archetype ?? user.archetype ?? "", a.asOf?.description ?? "", w?.lowerBound.description ?? "",
            w?.upperBound.description ?? "", Self.n(r?.score), r?.state ?? "", Self.n(r?.sleepDebtHours),
            (a.routine?.date ?? a.nutrition?.date)?.description ?? "", Self.n(a.routine?.difficulty),
            a.routine?.focus ?? "", a.routine?.wake?.description ?? "", a.routine?.bedtime?.description ?? "",
            Self.n(a.nutrition?.energyKcal), String(a.insights.count), Self.n(a.adaptation?.predictedMean),
            a.degraded.joined(separator: ";"),
        ]
    }

    /// Which analysis each recorded day belongs to: the last one (in input order) whose window holds it; −1 for none.
    func dayOwners(_ user: UserReport) -> [LocalDate: Int] {
        var owners: [LocalDate: Int] = [:]
        let windows = user.analyses.map { user.window(for: $0) }
        for day in user.records.keys {
            owners[day] = windows.lastIndex { $0?.contains(day) ?? false } ?? -1
        }
        return owners
    }

    func days(_ user: UserReport, _ a: AnalysisReport?, owned: [LocalDate]) -> [[String]] {
        var out: [[String]] = []
        for day in owned {
            guard let metrics = user.records[day] else { continue }
            for name in metrics.keys.sorted() {
                let m = a?.behavior?.metrics[name]
                let anomaly = m?.anomalies.first { $0.date == day }
                out.append([
                    user.userID, a?.analysisID ?? "", day.description, name, metrics[name]!.description,
                    Self.n(m?.baseline), Self.n(m?.band?.lowerBound.rounded(places: 3)),
                    Self.n(m?.band?.upperBound.rounded(places: 3)), anomaly.map { $0.direction ?? "yes" } ?? "",
                ])
            }
        }
        return out
    }

    func metrics(_ a: AnalysisReport) -> [[String]] {
        guard let b = a.behavior else { return [] }
        return b.metrics.keys.sorted().map { name in
            let m = b.metrics[name]!
            return [
                name, MetricInfo.unit(name), Self.n(m.n.map(Double.init)), Self.n(m.completeness), Self.n(m.baseline),
                Self.n(m.recent),
                Self.n(m.band?.lowerBound.rounded(places: 3)), Self.n(m.band?.upperBound.rounded(places: 3)),
                m.trend?.direction ?? "", Self.n(m.trend?.slopePerWeek), Self.n(m.trend?.pValue),
                Self.n(m.variability?.cv),
                Self.n(m.variability?.mad), String(m.anomalies.count),
            ]
        }
    }
}

extension Double {
    /// Rounded to `places` decimals, so a computed band prints without float noise.
    func rounded(places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}

extension String {
    /// Quotes doubled, as RFC 4180 asks inside a quoted field.
    var replacingQuotes: String {
        var out = ""
        for c in self {
            out.append(c)
            if c == "\"" { out.append("\"") }
        }
        return out
    }
}
