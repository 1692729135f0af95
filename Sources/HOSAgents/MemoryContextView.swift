// The parts of a memory_context that the planning agents read; hos-memory (issue 4) writes the whole.

import HOSCore

/// What the plans take from `memory_context`: long-term preferences and the adaptation state.
///
/// Shape read (every part optional):
///
///     {"long_term": {"preferences": {"wake_time": {"value": "06:30", "confidence": 0.8}, ...}},
///      "adaptation_state": {"difficulty": 3, "variants": {"exercise_time": "evening", "sleep_shift": "gradual"}}}
public struct MemoryContextView: Sendable, Equatable {
    /// Preference name → value (`wake_time`, `exercise_time`, `dietary_pattern`, `exclusions`, `allergies`, ...).
    public var preferences: [String: JSON] = [:]
    /// The difficulty (1–5) that hos-adapt last chose.
    public var difficulty: Int?
    /// Strategy dimension → chosen arm.
    public var variants: [String: String] = [:]

    public init() {}

    public init(payload p: [String: JSON]) {
        if case .object(let prefs)? = p["long_term"]?["preferences"] {
            for (k, v) in prefs { preferences[k] = v["value"] ?? v }
        }
        if let d = p["adaptation_state"]?["difficulty"]?.doubleValue, (1...5).contains(d) { difficulty = Int(d) }
        if case .object(let v)? = p["adaptation_state"]?["variants"] {
            for (k, arm) in v { if let s = arm.stringValue { variants[k] = s } }
        }
    }

    /// A string preference.
    public func string(_ key: String) -> String? { preferences[key]?.stringValue }

    /// A list-of-strings preference (a single string counts as a one-item list).
    public func strings(_ key: String) -> [String] {
        switch preferences[key] {
        case .array(let a)?: a.compactMap(\.stringValue)
        case .string(let s)?: [s]
        default: []
        }
    }
}
