// The agents' results as Swift types: each field declared once, with its key, its meaning and how it is
// read and written, so the decoder, the encoder and hos-events(7)'s payload tables cannot disagree.

/// An object of the contract: a payload, or an object inside one, made of declared fields.
public protocol ContractObject: Sendable, Equatable {
    /// An empty value: every field absent (nil, empty, or its default).
    init()
    /// The fields, in the order the documentation lists them.
    static var fields: [PayloadField<Self>] { get }
}

/// A payload type: one event type's payload.
public protocol ContractPayload: ContractObject {
    static var eventType: String { get }
    /// Which agent writes it, and what it says, in a sentence for the documentation.
    static var summary: String { get }
}

extension ContractObject {
    /// The fields' documentation rows.
    public static var documentation: [FieldDoc] { fields.map(\.documentation) }

    /// Reads an object; a field of the wrong type throws naming its path (`payload.metrics.steps.baseline`).
    /// Absent fields stay absent; keys no field declares are ignored (the event still carries them).
    public init(_ object: Fields) throws(EventProblem) {
        self.init()
        for field in Self.fields { try field.read(&self, object) }
    }

    /// The object as JSON.
    public var json: [String: JSON] {
        var out: [String: JSON] = [:]
        for field in Self.fields { field.write(self, &out) }
        return out
    }
}

extension ContractPayload {
    /// Reads an event's payload.
    public init(payload: [String: JSON]) throws(EventProblem) { try self.init(Fields(payload, path: "payload")) }

    /// The payload as JSON.
    public var payload: [String: JSON] { json }
}

/// A documented field: the rows of hos-events(7)'s payload tables.
public struct FieldDoc: Sendable, Equatable {
    public var key: String
    public var type: String
    public var doc: String
    public var children: [FieldDoc]

    /// Each field and its children with dotted paths (`metrics.NAME.trend.p_value`), depth first.
    public static func flattened(_ docs: [FieldDoc], prefix: String = "") -> [(path: String, doc: FieldDoc)] {
        docs.flatMap { d in
            [(prefix + d.key, d)]
                + flattened(d.children, prefix: prefix + d.key + (d.type.hasPrefix("array") ? "[]." : "."))
        }
    }
}

/// A value a field can hold directly: read from one JSON value, written as one.
public protocol FieldValue: Sendable, Equatable {
    /// The type's name in the documentation.
    static var typeName: String { get }
    static func read(_ value: JSON, at path: String) throws(EventProblem) -> Self
    var json: JSON { get }
}

/// One field of a contract object: its key, type and meaning, and how it is read and written.
public struct PayloadField<Root>: Sendable {
    public let key: String
    public let type: String
    public let doc: String
    let children: @Sendable () -> [FieldDoc]
    let read: @Sendable (inout Root, Fields) throws(EventProblem) -> Void
    let write: @Sendable (Root, inout [String: JSON]) -> Void

    /// The field's documentation row with its children.
    public var documentation: FieldDoc { FieldDoc(key: key, type: type, doc: doc, children: children()) }
}

/// A result payload that `--llm` can narrate: the narrator's words, or why they are missing.
public protocol Narrated {
    var narrative: JSON? { get set }
    /// ok or fallback.
    var llm: String? { get set }
    var llmReason: String? { get set }
}

extension Narrated {
    /// The three fields `--llm` adds.
    public static var narrationFields: [PayloadField<Self>] {
        [
            .value("narrative", \.narrative, "With --llm: the narrator's words (text, or a list)."),
            .value("llm", \.llm, "With --llm: ok, or fallback when the words are the offline ones."),
            .value("llm_reason", \.llmReason, "Why the narrator's words were not used."),
        ]
    }
}

/// How an absent value is written: left out, or written as null (fields the contract always shows).
public enum Absent: Sendable { case omitted, null }

extension PayloadField {
    /// An optional value: absent or null reads as nil.
    public static func value<V: FieldValue>(
        _ key: String, _ path: WritableKeyPath<Root, V?> & Sendable, _ doc: String, absent: Absent = .omitted
    ) -> Self {
        Self(
            key: key, type: V.typeName + (absent == .null ? " or null" : ""), doc: doc, children: { [] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                if let v = f.value(key) { root[keyPath: path] = try V.read(v, at: f.at(key)) }
            },
            write: { root, out in
                if let v = root[keyPath: path] { out[key] = v.json } else if absent == .null { out[key] = .null }
            })
    }

    /// A value that is always written; reading one that is absent is an error.
    public static func required<V: FieldValue>(
        _ key: String, _ path: WritableKeyPath<Root, V> & Sendable, _ doc: String
    ) -> Self {
        Self(
            key: key, type: V.typeName, doc: doc + " Required.", children: { [] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                guard let v = f.value(key) else { throw EventProblem("missing \(f.at(key))") }
                root[keyPath: path] = try V.read(v, at: f.at(key))
            },
            write: { root, out in out[key] = root[keyPath: path].json })
    }

    /// A value that is always written; absent reads as the type's empty value.
    public static func value<V: FieldValue>(
        _ key: String, _ path: WritableKeyPath<Root, V> & Sendable, _ doc: String, default empty: V
    ) -> Self {
        Self(
            key: key, type: V.typeName, doc: doc, children: { [] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                root[keyPath: path] =
                    try f.value(key).map { v throws(EventProblem) in try V.read(v, at: f.at(key)) } ?? empty
            },
            write: { root, out in out[key] = root[keyPath: path].json })
    }

    /// An optional number that must lie in `range`.
    public static func value(
        _ key: String, _ path: WritableKeyPath<Root, Double?> & Sendable, _ doc: String, in range: ClosedRange<Double>,
        absent: Absent = .omitted
    ) -> Self {
        Self(
            key: key, type: absent == .null ? "number or null" : "number",
            doc: doc + " Within \(Metrics.rangeText(range)).",
            children: { [] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                root[keyPath: path] = try f.number(key, in: range)
            },
            write: { root, out in
                if let v = root[keyPath: path] { out[key] = .number(v) } else if absent == .null { out[key] = .null }
            })
    }

    /// A number that is always written, must lie in `range`, and must be there.
    public static func required(
        _ key: String, _ path: WritableKeyPath<Root, Double> & Sendable, _ doc: String, in range: ClosedRange<Double>
    ) -> Self {
        Self(
            key: key, type: "number", doc: doc + " Within \(Metrics.rangeText(range)). Required.", children: { [] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                guard let v = try f.number(key, in: range) else { throw EventProblem("missing \(f.at(key))") }
                root[keyPath: path] = v
            },
            write: { root, out in out[key] = .number(root[keyPath: path]) })
    }

    /// A nested object.
    public static func object<T: ContractObject>(
        _ key: String, _ path: WritableKeyPath<Root, T?> & Sendable, _ doc: String, absent: Absent = .omitted
    ) -> Self {
        Self(
            key: key, type: absent == .null ? "object or null" : "object", doc: doc,
            children: { T.fields.map(\.documentation) },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                if let o = try f.object(key) { root[keyPath: path] = try T(o) }
            },
            write: { root, out in
                if let v = root[keyPath: path] {
                    out[key] = .object(v.json)
                } else if absent == .null {
                    out[key] = .null
                }
            })
    }

    /// An array of objects, always written (empty when there are none).
    public static func objects<T: ContractObject>(
        _ key: String, _ path: WritableKeyPath<Root, [T]> & Sendable, _ doc: String, absent: Absent? = nil
    ) -> Self {
        Self(
            key: key, type: "array of objects", doc: doc, children: { T.fields.map(\.documentation) },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                var list: [T] = []
                for o in try f.objects(key) { list.append(try T(o)) }
                root[keyPath: path] = list
            },
            write: { root, out in
                let list = root[keyPath: path]
                if list.isEmpty, absent == .omitted { return }
                out[key] = .array(list.map { .object($0.json) })
            })
    }

    /// An object of objects keyed by name (a metric, a preference), always written.
    public static func map<T: ContractObject>(
        _ key: String, _ path: WritableKeyPath<Root, [String: T]> & Sendable, _ doc: String,
        keyName: String = "NAME", absent: Absent? = nil
    ) -> Self {
        Self(
            key: key, type: "object", doc: doc,
            children: { [FieldDoc(key: keyName, type: "object", doc: "", children: T.fields.map(\.documentation))] },
            read: { (root: inout Root, f: Fields) throws(EventProblem) in
                guard let m = try f.object(key) else { return }
                var out: [String: T] = [:]
                for name in m.o.keys {
                    guard let o = try m.object(name) else { continue }
                    out[name] = try T(o)
                }
                root[keyPath: path] = out
            },
            write: { root, out in
                let m = root[keyPath: path]
                if m.isEmpty, absent == .omitted { return }
                out[key] = .object(m.mapValues { .object($0.json) })
            })
    }
}

// MARK: The values

extension String: FieldValue {
    public static var typeName: String { "string" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> String {
        guard case .string(let s) = value else { throw EventProblem("\(path) must be a string, not \(value.typeName)") }
        return s
    }
    public var json: JSON { .string(self) }
}

extension Double: FieldValue {
    public static var typeName: String { "number" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> Double {
        guard case .number(let n) = value else { throw EventProblem("\(path) must be a number, not \(value.typeName)") }
        return n
    }
    public var json: JSON { .number(self) }
}

extension Int: FieldValue {
    public static var typeName: String { "integer" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> Int {
        guard case .number(let n) = value, let i = Int(exactly: n) else {
            throw EventProblem(
                "\(path) must be a whole number, not \(value.typeName == "number" ? "a fraction" : value.typeName)")
        }
        return i
    }
    public var json: JSON { .number(Double(self)) }
}

extension Bool: FieldValue {
    public static var typeName: String { "boolean" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> Bool {
        guard case .bool(let b) = value else { throw EventProblem("\(path) must be a boolean, not \(value.typeName)") }
        return b
    }
    public var json: JSON { .bool(self) }
}

extension LocalDate: FieldValue {
    public static var typeName: String { "YYYY-MM-DD" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> LocalDate {
        guard case .string(let s) = value, let d = LocalDate(s) else {
            throw EventProblem("\(path) is not a YYYY-MM-DD calendar date")
        }
        return d
    }
    public var json: JSON { .string(description) }
}

extension ClockTime: FieldValue {
    public static var typeName: String { "HH:MM" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> ClockTime {
        guard case .string(let s) = value, let t = ClockTime(s) else {
            throw EventProblem("\(path) is not a valid HH:MM time")
        }
        return t
    }
    public var json: JSON { .string(description) }
}

extension JSON: FieldValue {
    public static var typeName: String { "any" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> JSON { value }
    public var json: JSON { self }
}

extension Array: FieldValue where Element: FieldValue {
    public static var typeName: String { "array of \(Element.typeName)" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> [Element] {
        guard case .array(let a) = value else { throw EventProblem("\(path) must be an array, not \(value.typeName)") }
        var out: [Element] = []
        out.reserveCapacity(a.count)
        for (i, v) in a.enumerated() { out.append(try Element.read(v, at: "\(path)[\(i)]")) }
        return out
    }
    public var json: JSON { .array(map(\.json)) }
}

extension Dictionary: FieldValue where Key == String, Value: FieldValue {
    public static var typeName: String { "object of \(Value.typeName)" }
    public static func read(_ value: JSON, at path: String) throws(EventProblem) -> [String: Value] {
        guard case .object(let o) = value else {
            throw EventProblem("\(path) must be an object, not \(value.typeName)")
        }
        var out: [String: Value] = [:]
        for (k, v) in o { out[k] = try Value.read(v, at: path + "." + printable(k)) }
        return out
    }
    public var json: JSON { .object(mapValues(\.json)) }
}
