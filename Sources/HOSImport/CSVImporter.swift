// `hos-import csv`: wide (a column per metric) or long (metric,value) tables of daily values.

import HOSCore

/// Reads daily metrics from CSV in either layout, detected from the header.
public struct CSVImporter {
    /// metric (or `user_id`, `date`, `metric`, `value`) → the column that holds it.
    public var map: [String: String] = [:]
    /// Columns to pass over.
    public var ignore: Set<String> = []
    /// The user of a file without a user column.
    public var user: String?
    /// Self-reported wellness on another scale, by metric (`--scale`).
    public var scales: [String: WellnessScale] = [:]

    public init(
        map: [String: String] = [:], ignore: Set<String> = [], user: String? = nil,
        scales: [String: WellnessScale] = [:]
    ) {
        self.map = map
        self.ignore = ignore
        self.user = user
        self.scales = scales
    }

    public enum Layout: String, Sendable { case wide, long }

    /// Reads one file into `records`; returns the layout it found.
    @discardableResult
    public func read(_ file: InputFile, into records: RecordSet, reporter: ProblemReporter) throws -> Layout {
        var columns: Columns?
        records.noteFileTime(file)
        let renamed = Dictionary(map.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        try CSVReader(file: file).forEach(
            { row in
                let location = SourceLocation(file: file.name, line: row.line)
                guard let columns else {
                    columns = try header(row, renamed: renamed, at: location)
                    return
                }
                records.inputCount += 1
                guard row.fields.count == columns.names.count else {
                    try reporter.reject(
                        location, "\(row.fields.count) fields where the header has \(columns.names.count)", raw: row.raw
                    )
                    return
                }
                let who = columns.user.map { row.fields[$0] } ?? user!
                guard !who.isEmpty else {
                    try reporter.reject(location, "empty user_id", raw: row.raw)
                    return
                }
                guard let date = LocalDate(row.fields[columns.date]) else {
                    try reporter.reject(location, "date is not a YYYY-MM-DD calendar date", raw: row.raw)
                    return
                }
                var values = values(row.fields, columns: columns)
                for (i, v) in values.enumerated() {
                    guard let scale = scales[v.metric], case .number(let n) = v.value else { continue }
                    guard let scaled = scale.apply(n) else {
                        try reporter.reject(
                            location,
                            "user \(who) \(date): \(v.metric) outside its --scale \(JSON.number(scale.from).text):\(JSON.number(scale.to).text)",
                            raw: row.raw)
                        return
                    }
                    values[i].value = .number(scaled)
                }
                try records.addRow(user: who, date: date, values: values, at: location, raw: row.raw)
            },
            problem: { location, message, raw in
                // Before the header, a broken record leaves nothing to read the rest by.
                guard columns != nil else { throw HOSError.badInput(location, message) }
                records.inputCount += 1
                try reporter.reject(location, message, raw: raw)
            })
        guard let columns else {
            throw HOSError.badInput(SourceLocation(file: file.name, line: 0), "empty file: no header")
        }
        return columns.layout
    }

    /// What the header says each column holds.
    struct Columns {
        /// The header's names, after --map.
        var names: [String]
        var layout = Layout.wide
        var user: Int?
        var date = 0
        /// The long layout's metric and value columns.
        var metric = 0, value = 0
        /// The wide layout's metric columns.
        var metrics: [(index: Int, metric: String)] = []
    }

    /// The header: each column is a role (user_id, date, metric, value) or a metric name; a long table has
    /// metric and value columns.
    func header(_ row: CSVRow, renamed: [String: String], at location: SourceLocation) throws -> Columns {
        let names = row.fields.map { renamed[$0] ?? $0 }
        var c = Columns(names: names)
        let index = { (name: String) in names.firstIndex(of: name) }
        c.user = index("user_id")
        guard c.user != nil || user != nil else {
            throw HOSError.badInput(location, "no user_id column (name one with --map user_id=COLUMN or give --user)")
        }
        guard let d = index("date") else {
            throw HOSError.badInput(location, "no date column (name one with --map date=COLUMN)")
        }
        c.date = d
        if let m = index("metric"), let v = index("value") {
            c.layout = .long
            c.metric = m
            c.value = v
        }
        for (i, name) in names.enumerated() where ![c.user, c.date].contains(i) && !ignore.contains(row.fields[i]) {
            if c.layout == .long {
                guard i == c.metric || i == c.value else {
                    throw HOSError.badInput(
                        location, "unexpected column \(quoted(row.fields[i])) in a long table (drop it with --ignore)")
                }
                continue
            }
            guard Metrics.metric(named: name) != nil || Metrics.isCustom(name) else {
                throw HOSError.badInput(
                    location,
                    "unknown metric column \(quoted(row.fields[i])) (rename it with --map METRIC=COLUMN, prefix it x_, or drop it with --ignore)"
                )
            }
            c.metrics.append((i, name))
        }
        return c
    }

    /// A row's non-empty values: one per metric column (wide), or the one its metric column names (long).
    func values(_ fields: [String], columns: Columns) -> [(metric: String, value: JSON)] {
        switch columns.layout {
        case .wide:
            return columns.metrics.filter { !fields[$0.index].isEmpty }
                .map { ($0.metric, Self.value(fields[$0.index], metric: $0.metric)) }
        case .long:
            let metric = map.first(where: { $0.value == fields[columns.metric] })?.key ?? fields[columns.metric]
            let text = fields[columns.value]
            return text.isEmpty ? [] : [(metric, Self.value(text, metric: metric))]
        }
    }

    /// A cell as JSON: a number when it parses as one, else the text (clock metrics are text).
    static func value(_ text: String, metric: String) -> JSON {
        if Metrics.metric(named: metric)?.kind == .clock { return .string(text) }
        if let d = Double(text), !text.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) { return .number(d) }
        return .string(text)
    }
}

/// A column name in quotes for messages, made printable and cut short.
func quoted(_ s: String) -> String { "'" + printable(s) + "'" }
