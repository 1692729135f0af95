// Reading a payload with the path of each value, so a wrong value is named (payload.metrics.steps.baseline).

/// An object being read, with its path for messages.
public struct Fields: Sendable {
    public let o: [String: JSON]
    public let path: String

    public init(_ o: [String: JSON], path: String) {
        self.o = o
        self.path = path
    }

    public func at(_ key: String) -> String { path + "." + printable(key) }

    /// A value that is there and not null.
    public func value(_ key: String) -> JSON? {
        if case .null? = o[key] { return nil }
        return o[key]
    }

    public func number(_ key: String) throws(EventProblem) -> Double? {
        switch value(key) {
        case nil: return nil
        case .number(let n)?: return n
        case let v?: throw EventProblem("\(at(key)) must be a number, not \(v.typeName)")
        }
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws(EventProblem) -> Double? {
        guard let n = try number(key) else { return nil }
        guard range.contains(n) else { throw EventProblem("\(at(key)) must be within \(Metrics.rangeText(range))") }
        return n
    }

    public func string(_ key: String) throws(EventProblem) -> String? {
        switch value(key) {
        case nil: return nil
        case .string(let s)?: return s
        case let v?: throw EventProblem("\(at(key)) must be a string, not \(v.typeName)")
        }
    }

    /// A string or a number, as text (fields the contract leaves open, such as a difficulty level).
    public func text(_ key: String) throws(EventProblem) -> String? {
        switch value(key) {
        case nil: return nil
        case .string(let s)?: return s
        case .number(let n)?: return JSON.number(n).text
        case .bool(let b)?: return b ? "true" : "false"
        case let v?: throw EventProblem("\(at(key)) must be a string or a number, not \(v.typeName)")
        }
    }

    public func date(_ key: String) throws(EventProblem) -> LocalDate? {
        guard let s = try string(key) else { return nil }
        guard let d = LocalDate(s) else { throw EventProblem("\(at(key)) is not a YYYY-MM-DD calendar date") }
        return d
    }

    public func clock(_ key: String) throws(EventProblem) -> ClockTime? {
        guard let s = try string(key) else { return nil }
        guard let t = ClockTime(s) else { throw EventProblem("\(at(key)) is not a valid HH:MM time") }
        return t
    }

    public func object(_ key: String) throws(EventProblem) -> Fields? {
        switch value(key) {
        case nil: return nil
        case .object(let o)?: return Fields(o, path: at(key))
        case let v?: throw EventProblem("\(at(key)) must be an object, not \(v.typeName)")
        }
    }

    public func array(_ key: String) throws(EventProblem) -> [JSON] {
        switch value(key) {
        case nil: return []
        case .array(let a)?: return a
        case let v?: throw EventProblem("\(at(key)) must be an array, not \(v.typeName)")
        }
    }

    /// An array of objects, each with its own path (`payload.items[2]`).
    public func objects(_ key: String) throws(EventProblem) -> [Fields] {
        var out: [Fields] = []
        for (i, v) in try array(key).enumerated() {
            guard case .object(let o) = v else {
                throw EventProblem("\(at(key))[\(i)] must be an object, not \(v.typeName)")
            }
            out.append(Fields(o, path: "\(at(key))[\(i)]"))
        }
        return out
    }

    public func strings(_ key: String) throws(EventProblem) -> [String] {
        var out: [String] = []
        for (i, v) in try array(key).enumerated() {
            guard case .string(let s) = v else {
                throw EventProblem("\(at(key))[\(i)] must be a string, not \(v.typeName)")
            }
            out.append(s)
        }
        return out
    }
}
