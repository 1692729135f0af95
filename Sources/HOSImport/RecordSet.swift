// What every importer shares: per-user, per-day metrics merged, checked, and written as sorted events.

import HOSCore

/// How `--request` asks for analyses after the imported records.
public struct RequestOptions: Sendable {
    public var archetype: Archetype?
    public var windowDays: Int

    public init(archetype: Archetype?, windowDays: Int) {
        self.archetype = archetype
        self.windowDays = windowDays
    }
}

/// Reports problems in recorded data by the run's error policy; counts them.
public final class ProblemReporter {
    public let tool: String
    public let policy: ErrorPolicy
    let deadLetter: OutputSink?
    public private(set) var rejected = 0
    public private(set) var warnings = 0

    public init(tool: String, policy: ErrorPolicy) throws {
        self.tool = tool
        self.policy = policy
        if case .deadLetter(let path) = policy {
            deadLetter = try OutputSink(appendingTo: path)
        } else {
            deadLetter = nil
        }
    }

    /// A bad record or value: fatal under `fail`, else reported (and dead-lettered) and counted.
    public func reject(_ location: SourceLocation, _ message: String, raw: String? = nil) throws {
        rejected += 1
        if policy == .fail { throw HOSError.badInput(location, message) }
        printError("\(tool): \(location): \(message)")
        if let raw, let deadLetter {
            try deadLetter.writeLine(Array(raw.utf8))
            try deadLetter.flush()
        }
    }

    /// Something worth knowing that loses no data; warnings of one `kind` are summed up at exit
    /// (`Warnings`), with `summary` giving the words from their count and distinct `key`s.
    public func warn(
        _ location: SourceLocation, _ message: String, kind: String, key: String? = nil,
        summary: @escaping (_ count: Int, _ distinct: Int) -> String
    ) {
        warnings += 1
        Warnings.note(
            kind, tool: tool, place: "\(location)", key: key, line: "\(location): \(message)",
            summary: summary)
    }
}

/// Metrics per user per local day, merged from any number of rows and files.
public final class RecordSet {
    public let source: String
    let reporter: ProblemReporter
    var users: [String: [LocalDate: [String: MetricValue]]] = [:]

    public init(source: String, reporter: ProblemReporter) {
        self.source = source
        self.reporter = reporter
    }

    /// Number of user-days held.
    public var dayCount: Int { users.values.reduce(0) { $0 + $1.count } }

    /// Input units read (rows, records, samples), for `--stats`; importers count them.
    public var inputCount = 0

    /// The last day the sources read can describe (`noteLivedUntil`, `noteFileTime`); nil when none said.
    public internal(set) var livedUntil: LocalDate?
    /// The day of the run (UTC), which bounds standard input (it has no file time); nil: no bound.
    public var today: LocalDate?
    /// Write the records of days not lived too (`--keep-future`); they are still never a request's day when
    /// after the export's date.
    public var keepFuture = false
    /// Where each user-day was first given, for warnings about the day.
    var places: [String: [LocalDate: SourceLocation]] = [:]

    func place(user: String, date: LocalDate) -> SourceLocation {
        places[user]?[date] ?? SourceLocation(file: source, line: 0)
    }

    /// Checks a row's values together: all are kept, or the row is rejected whole (and dead-lettered once).
    public func addRow(
        user: String, date: LocalDate, values: [(metric: String, value: JSON)],
        at location: SourceLocation, raw: String? = nil
    ) throws {
        do {
            try UserID.check(user)
        } catch {
            try reporter.reject(location, error.message, raw: raw)
            return
        }
        var checked: [(String, MetricValue)] = []
        for (metric, value) in values {
            do {
                checked.append((metric, try Metrics.validate(name: metric, value: value)))
            } catch {
                try reporter.reject(location, "user \(user) \(date): \(error.message)", raw: raw)
                return
            }
        }
        for (metric, value) in checked { set(user: user, date: date, metric: metric, value: value, at: location) }
    }

    /// Adds one value after checking it against the vocabulary; a bad value is rejected by the policy.
    /// A second, different value for the same user, day and metric replaces the first, with a warning.
    public func add(
        user: String, date: LocalDate, metric: String, value: JSON, at location: SourceLocation,
        raw: String? = nil
    ) throws {
        do {
            try UserID.check(user)
        } catch {
            try reporter.reject(location, error.message, raw: raw)
            return
        }
        let checked: MetricValue
        do {
            checked = try Metrics.validate(name: metric, value: value)
        } catch {
            try reporter.reject(location, "user \(user) \(date): \(error.message)", raw: raw)
            return
        }
        set(user: user, date: date, metric: metric, value: checked, at: location)
    }

    /// Adds a number already converted to the metric's unit.
    public func add(
        user: String, date: LocalDate, metric: String, number: Double, at location: SourceLocation,
        raw: String? = nil
    ) throws {
        try add(user: user, date: date, metric: metric, value: .number(number), at: location, raw: raw)
    }

    func set(user: String, date: LocalDate, metric: String, value: MetricValue, at location: SourceLocation) {
        if let old = users[user]?[date]?[metric], old != value {
            reporter.warn(
                location, "user \(user) \(date): \(metric) given twice; the later value is kept",
                kind: "given-twice", key: "\(user) \(date)"
            ) { n, days in
                "\(n) values on \(days) user-day\(days == 1 ? "" : "s") given twice, the later kept"
            }
        }
        users[user, default: [:]][date, default: [:]][metric] = value
        if places[user]?[date] == nil { places[user, default: [:]][date] = location }
    }

    /// The value held for a user-day's metric.
    public func value(user: String, date: LocalDate, metric: String) -> MetricValue? {
        users[user]?[date]?[metric]
    }

    /// `health_record` events sorted by user then date, each user's request after its records, as of its last
    /// day lived (days not lived are left out, with a warning, unless `keepFuture`).
    /// `archetype` labels the records (and the requests), with or without requests.
    public func events(archetype: Archetype? = nil, request: RequestOptions?) -> [Event] {
        let label = (request?.archetype ?? archetype)?.name
        var out: [Event] = []
        for user in users.keys.sorted() {
            let days = users[user]!
            let (write, asOf) = lived(user: user, days: Array(days.keys))
            for date in write.sorted() {
                let metrics = days[date]!
                guard !metrics.isEmpty else { continue }
                let record = HealthRecord(date: date, metrics: metrics, source: source)
                let payload = record.payload
                // The id hashes the content: the same import twice gives the same ids, a changed day a new one.
                out.append(
                    Event(
                        id: EventID.derive("import", user, JSON.object(payload).text), type: EventType.healthRecord,
                        user: user, timestamp: Timestamp.startOf(date), source: "hos-import",
                        archetype: label, payload: payload))
            }
            if let request, let last = asOf {
                out.append(
                    AnalysisRequest.event(
                        user: user, archetype: request.archetype, asOf: last,
                        windowDays: request.windowDays, source: "hos-import"))
            }
        }
        return out
    }
}
