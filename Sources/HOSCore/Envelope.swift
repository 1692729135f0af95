// The fast path: validate a line and find its envelope fields without building any values.

/// Where a top-level string field's content lies in the line.
public struct RawString: Sendable, Equatable {
    public var start: Int
    public var end: Int
    public var escaped: Bool
}

/// A top-level envelope field as found in the line.
public enum RawField: Sendable, Equatable {
    case string(RawString)
    case null
    /// Present with a value that is neither a string nor null (its JSON type name).
    case other(String)
}

/// The envelope of one event line: positions of its fields, found in one validating pass.
public struct Envelope: Sendable {
    public var eventID: RawField?
    public var eventType: RawField?
    public var userID: RawField?
    public var timestamp: RawField?
    public var sourceAgent: RawField?
    public var targetAgent: RawField?
    public var archetype: RawField?
    public var analysisID: RawField?
    /// Offset just after the opening `{`, where a missing `event_id` is inserted.
    public var bodyStart: Int = 0
    /// True when the object has no members at all.
    public var isEmpty = true
    /// Where the (last) `payload` member's value starts.
    public var payload: Int?
    /// True when the object has members besides the envelope fields and `payload`.
    public var hasExtra = false

    public init() {}

    /// Validates `line` as one JSON object (syntax and UTF-8) and records its envelope fields.
    public static func scan(_ line: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> Envelope {
        var parser = JSONParser(line)
        var env = Envelope()
        parser.skipWhitespace()
        guard parser.i < line.count else { throw parser.fail("unexpected end of input") }
        guard line[parser.i] == UInt8(ascii: "{") else {
            // Validate first, so a broken line reports its syntax error rather than its type.
            try parser.skipValue()
            throw parser.fail("an event must be a JSON object", at: 0)
        }
        parser.i += 1
        env.bodyStart = parser.i
        parser.depth = 1
        parser.skipWhitespace()
        if parser.i < line.count, line[parser.i] == UInt8(ascii: "}") {
            parser.i += 1
        } else {
            env.isEmpty = false
            while true {
                guard parser.i < line.count else { throw parser.fail("unexpected end of input") }
                guard line[parser.i] == UInt8(ascii: "\"") else {
                    throw parser.fail("expected a key, found \(parser.describe(line[parser.i]))")
                }
                let key = try parser.scanString()
                try parser.expectColon()
                // An escaped key ("event\u005fid") is still the envelope key it spells.
                let slot =
                    key.escaped
                    ? EnvelopeKey(name: parser.decodeString(key.start, key.end, escaped: true))
                    : EnvelopeKey(line, key.start, key.end)
                if let slot {
                    let field: RawField
                    guard parser.i < line.count else { throw parser.fail("unexpected end of input") }
                    switch line[parser.i] {
                    case UInt8(ascii: "\""):
                        let s = try parser.scanString()
                        field = .string(RawString(start: s.start, end: s.end, escaped: s.escaped))
                    case UInt8(ascii: "n"):
                        try parser.expectLiteral("null")
                        field = .null
                    default:
                        let at = parser.i
                        try parser.skipValue()
                        field = .other(JSONParser.typeName(of: line[at]))
                    }
                    env.set(slot, field)
                } else {
                    if !key.escaped, key.end - key.start == 7, line[key.start] == UInt8(ascii: "p"),
                        line[key.start..<key.end].elementsEqual("payload".utf8)
                    {
                        env.payload = parser.i
                    } else {
                        env.hasExtra = true
                    }
                    try parser.skipValue()
                }
                if try parser.endOfMember(close: UInt8(ascii: "}")) { break }
            }
        }
        parser.skipWhitespace()
        guard parser.i == line.count else { throw parser.fail("unexpected data after the value") }
        return env
    }

    mutating func set(_ key: EnvelopeKey, _ field: RawField) {
        switch key {
        case .eventID: eventID = field
        case .eventType: eventType = field
        case .userID: userID = field
        case .timestamp: timestamp = field
        case .sourceAgent: sourceAgent = field
        case .targetAgent: targetAgent = field
        case .archetype: archetype = field
        case .analysisID: analysisID = field
        }
    }

    /// The decoded content of a string field, or nil when the field is absent, null or not a string.
    public func string(_ field: RawField?, in line: UnsafeBufferPointer<UInt8>) -> String? {
        guard case .string(let r)? = field else { return nil }
        return JSONParser(line).decodeString(r.start, r.end, escaped: r.escaped)
    }

    /// True when a string field holds exactly `value` (compared without decoding when possible).
    public func field(_ field: RawField?, in line: UnsafeBufferPointer<UInt8>, equals value: StaticString) -> Bool {
        guard case .string(let r)? = field else { return false }
        if r.escaped { return string(field, in: line) == value.description }
        let n = value.utf8CodeUnitCount
        guard r.end - r.start == n else { return false }
        let v = value.utf8Start
        for k in 0..<n where line[r.start + k] != v[k] { return false }
        return true
    }

    /// Checks the envelope rules (hos-events(7), ENVELOPE) that need no payload: required fields and their types.
    public func check(in line: UnsafeBufferPointer<UInt8>) throws(EventProblem) {
        try Envelope.require(eventType, "event_type")
        try Envelope.require(userID, "user_id")
        try Envelope.require(timestamp, "timestamp")
        for (field, name) in [
            (eventID, "event_id"), (sourceAgent, "source_agent"), (targetAgent, "target_agent"),
            (archetype, "archetype"), (analysisID, "analysis_id"),
        ] {
            if case .other(let type)? = field { throw EventProblem("\(name) must be a string, not \(type)") }
        }
        if case .string(let r)? = eventID, r.start == r.end { throw EventProblem("empty event_id") }
        if case .string(let u)? = userID {
            try UserID.check(jsonString: line, start: u.start, end: u.end, escaped: u.escaped)
        }
        // An event_id must be a string on output, and a null one cannot be replaced in place.
        if case .null? = eventID { throw EventProblem("event_id must be a string, not null") }
        guard case .string(let t)? = timestamp,
            Timestamp.parse(UnsafeBufferPointer(rebasing: line[t.start..<t.end])) != nil
        else { throw EventProblem("timestamp is not an RFC 3339 date-time") }
    }

    static func require(_ field: RawField?, _ name: String) throws(EventProblem) {
        switch field {
        case nil, .null?: throw EventProblem("missing \(name)")
        case .other(let type)?: throw EventProblem("\(name) must be a string, not \(type)")
        case .string(let r)?: if r.start == r.end { throw EventProblem("empty \(name)") }
        }
    }
}

/// The envelope keys the scanner records.
enum EnvelopeKey {
    case eventID, eventType, userID, timestamp, sourceAgent, targetAgent, archetype, analysisID

    private static let names: [(StaticString, EnvelopeKey)] = [
        ("event_id", .eventID), ("event_type", .eventType), ("user_id", .userID), ("timestamp", .timestamp),
        ("source_agent", .sourceAgent), ("target_agent", .targetAgent), ("archetype", .archetype),
        ("analysis_id", .analysisID),
    ]

    init?(name: String) {
        guard let key = EnvelopeKey.names.first(where: { $0.0.description == name })?.1 else { return nil }
        self = key
    }

    @inline(__always)
    init?(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        let n = end - start
        // Every envelope key is 7–12 bytes and starts with a, e, s, t or u: most other keys fail here.
        guard n >= 7, n <= 12 else { return nil }
        let first = line[start]
        guard
            first == UInt8(ascii: "a") || first == UInt8(ascii: "e") || first == UInt8(ascii: "s")
                || first == UInt8(ascii: "t") || first == UInt8(ascii: "u")
        else { return nil }
        for (name, key) in EnvelopeKey.names where name.utf8CodeUnitCount == n {
            let v = name.utf8Start
            var same = true
            for k in 0..<n where line[start + k] != v[k] {
                same = false
                break
            }
            if same {
                self = key
                return
            }
        }
        return nil
    }
}

extension JSONParser {
    static func typeName(of first: UInt8) -> String {
        switch first {
        case UInt8(ascii: "{"): "object"
        case UInt8(ascii: "["): "array"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): "boolean"
        default: "number"
        }
    }
}

extension Envelope {
    /// The event of a line that `scan` and `check` passed, after the contract check of its payload; a
    /// `health_record` comes with its record decoded.
    public func decodedEvent(in line: UnsafeBufferPointer<UInt8>) throws -> Event {
        if field(eventType, in: line, equals: "health_record"),
            let event = plainHealthRecord(in: line, fallbackID: EventID.forLine(line))
        {
            return event
        }
        return try ContractCheck.decoded(Event(json: JSONParser.parse(line), fallbackID: EventID.forLine(line)))
    }

    /// A `health_record` line decoded straight into its event and record, skipping the JSON tree that
    /// `JSONParser.parse` would build and `HealthRecord(payload:)` would read again. Nil for any line off
    /// the plain shape (other top-level fields, other payload fields, escapes in metric names, a null
    /// source, an `H:MM` clock, any invalid value): the general decoder then takes it, so its result and
    /// its error messages are the only ones there are. Call after `scan` and `check`.
    public func plainHealthRecord(
        in line: UnsafeBufferPointer<UInt8>,
        fallbackID: @autoclosure () -> String
    ) -> Event? {
        plainHealthRecord(in: line, fallbackID: fallbackID(), keep: true)
    }

    /// For a router that reads only envelopes: the event of a plain `health_record` line with its payload
    /// checked as `plainHealthRecord` checks it, but not kept (`payload` is empty, `record` nil).
    public func checkedPlainHealthRecord(
        in line: UnsafeBufferPointer<UInt8>,
        fallbackID: @autoclosure () -> String
    ) -> Event? {
        guard var event = plainHealthRecord(in: line, fallbackID: fallbackID(), keep: false) else { return nil }
        event.payload = [:]
        event.record = nil
        return event
    }

    func plainHealthRecord(
        in line: UnsafeBufferPointer<UInt8>, fallbackID: @autoclosure () -> String,
        keep: Bool
    ) -> Event? {
        guard !hasExtra, let at = payload, line[at] == UInt8(ascii: "{") else { return nil }
        func optional(_ field: RawField?) -> String?? {
            switch field {
            case nil, .null?: return .some(nil)
            case .string(let r)?: return r.start == r.end ? nil : .some(string(field, in: line))
            case .other?: return nil
            }
        }
        guard let source = optional(sourceAgent), let target = optional(targetAgent),
            let archetype = optional(archetype), let analysisID = optional(analysisID),
            let user = string(userID, in: line), let timestamp = string(timestamp, in: line),
            let record = Envelope.plainRecord(line, at: at, keep: keep)
        else { return nil }
        return Event(
            id: string(eventID, in: line) ?? fallbackID(), user: user, timestamp: timestamp,
            source: source, target: target, archetype: archetype, analysisID: analysisID,
            record: record)
    }

    /// The payload object at `at` as a record, or nil when it is off the plain shape.
    /// `keep` false checks the metrics without keeping them (the record's `metrics` is then empty).
    static func plainRecord(_ line: UnsafeBufferPointer<UInt8>, at: Int, keep: Bool) -> HealthRecord? {
        var parser = JSONParser(line)
        parser.i = at + 1
        parser.skipWhitespace()
        var date: LocalDate?
        var metrics: [String: MetricValue]?
        var source: String?
        guard parser.i < line.count, line[parser.i] != UInt8(ascii: "}") else { return nil }
        do {
            while true {
                let key = try parser.scanString()
                try parser.expectColon()
                guard !key.escaped else { return nil }
                let name = UnsafeBufferPointer(rebasing: line[key.start..<key.end])
                if name.elementsEqual("metrics".utf8) {
                    guard line[parser.i] == UInt8(ascii: "{") else { return nil }
                    guard let m = try plainMetrics(&parser, keep: keep) else { return nil }
                    metrics = m
                } else if name.elementsEqual("date".utf8) {
                    guard line[parser.i] == UInt8(ascii: "\"") else { return nil }
                    let s = try parser.scanString()
                    guard let d = LocalDate(utf8: UnsafeBufferPointer(rebasing: line[s.start..<s.end])) else {
                        return nil
                    }
                    date = d
                } else if name.elementsEqual("source".utf8) {
                    guard line[parser.i] == UInt8(ascii: "\"") else { return nil }
                    let s = try parser.scanString()
                    source = parser.decodeString(s.start, s.end, escaped: s.escaped)
                } else {
                    return nil
                }
                if try parser.endOfMember(close: UInt8(ascii: "}")) { break }
            }
        } catch {
            return nil
        }
        guard let date, let metrics else { return nil }
        return HealthRecord(date: date, metrics: metrics, source: source)
    }

    /// The metrics object at the parser's position, each value checked as `Metrics.validate` checks it.
    static func plainMetrics(_ parser: inout JSONParser, keep: Bool) throws(JSONSyntaxError)
        -> [String: MetricValue]?
    {
        let line = parser.p
        parser.i += 1
        parser.skipWhitespace()
        var metrics = [String: MetricValue](minimumCapacity: keep ? 24 : 0)
        guard line[parser.i] != UInt8(ascii: "}") else {
            parser.i += 1
            return metrics
        }
        while true {
            let key = try parser.scanString()
            try parser.expectColon()
            guard !key.escaped else { return nil }
            // A vocabulary name reuses the vocabulary's string: no new string, no hashing to find it.
            let entry = Metrics.metric(utf8: UnsafeBufferPointer(rebasing: line[key.start..<key.end]))
            let name = entry?.name ?? parser.decodeString(key.start, key.end, escaped: false)
            switch line[parser.i] {
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let n = try parser.scanNumber()
                let value = JSON.number(try parser.numberValue(n.start, n.end, integer: n.integer))
                guard let v = try? Metrics.validate(entry, name: name, value: value) else { return nil }
                if keep { metrics[name] = v }
            case UInt8(ascii: "\""):
                // Only a clock metric's canonical HH:MM, whose payload written back is the same text.
                let s = try parser.scanString()
                guard entry?.kind == .clock, s.end - s.start == 5, !s.escaped,
                    let t = ClockTime(utf8: UnsafeBufferPointer(rebasing: line[s.start..<s.end]))
                else { return nil }
                if keep { metrics[name] = .clock(t) }
            default:
                return nil
            }
            if try parser.endOfMember(close: UInt8(ascii: "}")) { return metrics }
        }
    }
}
