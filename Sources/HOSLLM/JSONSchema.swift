// The subset of JSON Schema that hos's prompts ask for, checked on every structured reply: type,
// properties, required, additionalProperties: false, items, minItems, maxItems, minLength, maxLength, enum.

import HOSCore

/// Checks a JSON value against a schema of the supported subset.
public enum JSONSchema {
    /// The first problem found, as a path and a reason (`$.items[2]: longer than 400`); nil when it passes.
    public static func problem(_ value: JSON, against schema: JSON, path: String = "$") -> String? {
        guard case .object(let s) = schema else { return nil }
        if let type = s["type"]?.stringValue, !matches(value, type) {
            return "\(path): is \(value.typeName), not \(type)"
        }
        if let allowed = s["enum"]?.arrayValue, !allowed.contains(value) {
            return "\(path): not one of the allowed values"
        }
        switch value {
        case .string(let text):
            let n = text.count
            if let min = s["minLength"]?.doubleValue, Double(n) < min { return "\(path): shorter than \(Int(min))" }
            if let max = s["maxLength"]?.doubleValue, Double(n) > max { return "\(path): longer than \(Int(max))" }
        case .array(let items):
            if let min = s["minItems"]?.doubleValue, Double(items.count) < min {
                return "\(path): fewer than \(Int(min)) items"
            }
            if let max = s["maxItems"]?.doubleValue, Double(items.count) > max {
                return "\(path): more than \(Int(max)) items"
            }
            if let itemSchema = s["items"] {
                for (i, item) in items.enumerated() {
                    if let p = problem(item, against: itemSchema, path: "\(path)[\(i)]") { return p }
                }
            }
        case .object(let o):
            let properties = s["properties"]?.objectValue ?? [:]
            for name in (s["required"]?.arrayValue ?? []).compactMap(\.stringValue) where o[name] == nil {
                return "\(path): missing \(name)"
            }
            if s["additionalProperties"] == .bool(false) {
                if let extra = o.keys.sorted().first(where: { properties[$0] == nil }) {
                    return "\(path): unexpected \(extra)"
                }
            }
            for key in o.keys.sorted() {
                if let sub = properties[key], let p = problem(o[key]!, against: sub, path: "\(path).\(key)") {
                    return p
                }
            }
        default: break
        }
        return nil
    }

    static func matches(_ value: JSON, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
            ("number", .number):
            true
        case ("integer", .number(let n)): n == n.rounded()
        default: false
        }
    }
}
