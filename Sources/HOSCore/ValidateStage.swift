// hos-validate's stage: every event checked against the contract, and a summary of what the stream holds.

/// Reads every event in full and tallies types, users, dates and metrics.
public struct ValidateStage: Stage {
    public struct UserSummary: Sendable, Equatable {
        public var events = 0
        public var records = 0
        public var first: LocalDate?
        public var last: LocalDate?
    }

    public private(set) var types: [String: Int] = [:]
    public private(set) var users: [String: UserSummary] = [:]
    public private(set) var metrics: [String: Int] = [:]
    public private(set) var unknownTypes: Set<String> = []

    public init() {}

    public var consumes: Set<String> { [] }
    public var consumesEverything: Bool { true }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        tally(event)
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        tally(request)
    }

    mutating func tally(_ event: Event) {
        types[event.eventType, default: 0] += 1
        if !EventType.known.contains(event.eventType) { unknownTypes.insert(event.eventType) }
        var u = users[event.userID] ?? UserSummary()
        u.events += 1
        // The runner checked the payload already; a record that decodes here is a valid one.
        if event.eventType == EventType.healthRecord, let r = try? HealthRecord(payload: event.payload) {
            u.records += 1
            u.first = min(u.first ?? r.date, r.date)
            u.last = max(u.last ?? r.date, r.date)
            for name in r.metrics.keys { metrics[name, default: 0] += 1 }
        }
        users[event.userID] = u
    }

    /// The summary as aligned text, sorted so that it is stable.
    public func text(stats: RunStats, problems: [(SourceLocation, String)]) -> String {
        var out = ""
        func line(_ label: String, _ value: Any, indent: Int = 0) {
            let pad = String(repeating: " ", count: indent)
            let name = pad + label
            out += name + String(repeating: " ", count: max(1, 28 - name.count)) + "\(value)\n"
        }
        line("events", stats.linesIn)
        line("valid", stats.linesIn - stats.rejected)
        line("rejected", stats.rejected)
        out += "types\n"
        for (t, n) in types.sorted(by: { $0.key < $1.key }) {
            line(t + (EventType.known.contains(t) ? "" : " (unknown)"), n, indent: 2)
        }
        out += "users (\(users.count))\n"
        for (u, s) in users.sorted(by: { $0.key < $1.key }) {
            let range = s.first.map { "\($0)..\(s.last!)" } ?? "-"
            line(u, "\(s.events) events, \(s.records) records, \(range)", indent: 2)
        }
        out += "metrics (\(metrics.count))\n"
        for (m, n) in metrics.sorted(by: { $0.key < $1.key }) { line(m, n, indent: 2) }
        out += "problems (\(stats.rejected))\n"
        for (loc, message) in problems { out += "  \(loc): \(message)\n" }
        if stats.rejected > problems.count { out += "  … and \(stats.rejected - problems.count) more\n" }
        return out
    }

    /// The summary as one JSON object.
    public func json(stats: RunStats, problems: [(SourceLocation, String)]) -> JSON {
        .object([
            "events": .number(Double(stats.linesIn)),
            "rejected": .number(Double(stats.rejected)),
            "types": .object(types.mapValues { .number(Double($0)) }),
            "users": .object(
                users.mapValues { s in
                    var o: [String: JSON] = [
                        "events": .number(Double(s.events)), "records": .number(Double(s.records)),
                    ]
                    if let f = s.first, let l = s.last {
                        o["first_date"] = .string(f.description)
                        o["last_date"] = .string(l.description)
                    }
                    return .object(o)
                }),
            "metrics": .object(metrics.mapValues { .number(Double($0)) }),
            "problems": .array(
                problems.map { loc, message in
                    .object(["file": .string(loc.file), "line": .number(Double(loc.line)), "message": .string(message)])
                }),
        ])
    }
}

/// Forwards every event after the full contract check: a validating filter.
public struct DeepPassStage: Stage {
    public init() {}
    public var consumes: Set<String> { [] }
    public var consumesEverything: Bool { true }
}
