// The parts of a memory_context that the planning agents read; hos-memory (issue 4) writes the whole.

import HOSCore

/// What the plans take from `memory_context`: long-term preferences and the adaptation state.
///
/// Read through `MemoryContextPayload` (every part optional):
///
///     {"long_term": {"preferences": {"wake_time": {"value": "06:30", "confidence": 0.8}, ...}},
///      "adaptation_state": {"difficulty": 3, "variants": {"exercise_time": "evening", "sleep_shift": "gradual"}}}
public struct MemoryContextView: Sendable, Equatable {
    /// Preference name → value (`wake_time`, `exercise_time`, `dietary_pattern`, `exclusions`, `allergies`,
    /// `exercise_preferred_time`, `exercise_max_intensity`, `exercise_available_days`, ...).
    public var preferences: [String: JSON] = [:]
    /// The difficulty (1–5) that hos-adapt last chose.
    public var difficulty: Int?
    /// Strategy dimension → chosen arm.
    public var variants: [String: String] = [:]
    /// Strategy dimension → the arm of each day of the next plan (day 0 first), when the days differ.
    public var schedules: [String: [String]] = [:]
    /// Category → the highest intensity its items may have (hos-adapt's tolerance).
    public var tolerance: [String: Int] = [:]
    /// Item id → lighter, shorter, another_time or replace (hos-adapt's verdict on items not kept).
    public var itemActions: [String: String] = [:]

    public init() {}

    /// The parts of a payload; one that does not decode as a `MemoryContextPayload` is passed over whole.
    public init(payload p: [String: JSON]) {
        self.init((try? MemoryContextPayload(payload: p)) ?? MemoryContextPayload())
    }

    public init(_ c: MemoryContextPayload) {
        for (k, p) in c.longTerm?.preferences ?? [:] { if let v = p.value { preferences[k] = v } }
        if let d = c.adaptationState?.difficulty, (1...5).contains(d) { difficulty = d }
        variants = c.adaptationState?.variants ?? [:]
        schedules = c.adaptationState?.schedules ?? [:]
        tolerance = (c.adaptationState?.tolerance ?? [:]).filter { (1...5).contains($0.value) }
        itemActions = c.adaptationState?.itemActions ?? [:]
    }

    /// What the user stated about training (user_profile's exercise, kept as preferences by hos-memory).
    public var statedExercise: ExercisePreferences { ExercisePreferences(preferences: preferences) }

    /// The user's stated time to exercise (a window, or a clock time whose `window` is its arm).
    public var preferredExerciseTime: ExerciseTime? { statedExercise.preferredTime }

    /// The highest exercise intensity (1–5) the user stated.
    public var maxIntensity: Int? { statedExercise.maxIntensity }

    /// The days the user stated they can train, as `LocalDate.weekday` counts them (1 = Monday … 7 = Sunday).
    public var availableDays: [Int]? { statedExercise.availableDays }

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
