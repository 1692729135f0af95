// The evaluation populations of `hos-synth respond --preferences`: a preferred exercise window and an intensity
// tolerance per user, drawn by the evaluation (not from the archetype), and how each user answers.

import HOSCore

/// How a simulated user of a `--preferences` file answers its plans.
public enum Responder: String, Sendable, CaseIterable {
    /// Each item's outcome drawn from the window model.
    case normal
    /// No feedback at all.
    case never
    /// Every item completed.
    case always
    /// Each item-day answered with probability 0.5 (drawn from the window model), else nothing.
    case half
}

/// One user's line of a `--preferences` file: the window model's hidden preferences.
public struct WindowPreferences: Sendable, Equatable {
    /// morning, midday or evening.
    public var exerciseTime: String
    /// The highest exercise intensity (1–5) the user tolerates.
    public var tolerance: Int
    public var responder: Responder
    /// From this plan date on, the preferred window is `movedTime` (preferences that move).
    public var movesOn: LocalDate?
    public var movedTime: String?

    public init(
        exerciseTime: String, tolerance: Int, responder: Responder = .normal, movesOn: LocalDate? = nil,
        movedTime: String? = nil
    ) {
        self.exerciseTime = exerciseTime
        self.tolerance = tolerance
        self.responder = responder
        self.movesOn = movesOn
        self.movedTime = movedTime
    }

    /// Completion probability inside the preferred window.
    public static let inside = 0.85
    /// Completion probability outside it.
    public static let outside = 0.25
    /// The factor when an exercise item's intensity exceeds the tolerance.
    public static let tooIntense = 0.4
    /// Completion probability of every other item.
    public static let other = 0.7
    /// The share of item-days a `half` responder answers.
    public static let halfShare = 0.5

    /// The preferred window for a plan of this date.
    public func window(on date: LocalDate) -> String {
        if let m = movesOn, let t = movedTime, date >= m { return t }
        return exerciseTime
    }

    /// The chance of completing an item of a plan dated `date`: an exercise item (one with an exercise_time
    /// variant) 0.85 inside the preferred window and 0.25 outside, × 0.4 when its intensity exceeds the
    /// tolerance; any other item 0.7.
    public func completionProbability(item: PlanItem, planDate date: LocalDate) -> Double {
        guard let arm = item.variant["exercise_time"] else { return Self.other }
        var p = arm == window(on: date) ? Self.inside : Self.outside
        if let i = item.intensity, i > tolerance { p *= Self.tooIntense }
        return p
    }

    /// The reason the user gives for skipping an item of a plan dated `date`: wrong_time for an exercise item
    /// outside the preferred window, else too_hard when its intensity exceeds the tolerance, else no_time.
    public func reason(item: PlanItem, planDate date: LocalDate) -> PlanFeedback.Reason {
        guard let arm = item.variant["exercise_time"] else { return .noTime }
        if arm != window(on: date) { return .wrongTime }
        if let i = item.intensity, i > tolerance { return .tooHard }
        return .noTime
    }

    /// The users of a `--preferences` file (`{"users": [{"user_id", "preferences": {"exercise_time",
    /// "intensity_capacity", "responder"?, "moves_on"?, "moved_exercise_time"?}}]}`, the shape of
    /// `hos-synth --truth`); throws a message naming what is wrong.
    public static func parse(_ file: JSON) throws(EventProblem) -> [String: WindowPreferences] {
        guard case .array(let users)? = file["users"] else { throw EventProblem("no users array") }
        var out: [String: WindowPreferences] = [:]
        for (i, u) in users.enumerated() {
            guard let id = u["user_id"]?.stringValue, let p = u["preferences"] else {
                throw EventProblem("users[\(i)] lacks user_id or preferences")
            }
            let times = ["morning", "midday", "evening"]
            guard let t = p["exercise_time"]?.stringValue, times.contains(t) else {
                throw EventProblem("users[\(i)].preferences.exercise_time must be morning, midday or evening")
            }
            guard let c = p["intensity_capacity"]?.doubleValue, c == c.rounded(), (1...5).contains(c) else {
                throw EventProblem("users[\(i)].preferences.intensity_capacity must be a whole number from 1 to 5")
            }
            var w = WindowPreferences(exerciseTime: t, tolerance: Int(c))
            if let r = p["responder"]?.stringValue {
                guard let responder = Responder(rawValue: r) else {
                    throw EventProblem("users[\(i)].preferences.responder must be normal, never, always or half")
                }
                w.responder = responder
            }
            if let m = p["moves_on"]?.stringValue {
                guard let d = LocalDate(m), let t2 = p["moved_exercise_time"]?.stringValue, times.contains(t2) else {
                    throw EventProblem(
                        "users[\(i)].preferences.moves_on needs a YYYY-MM-DD date and moved_exercise_time")
                }
                (w.movesOn, w.movedTime) = (d, t2)
            }
            out[id] = w
        }
        return out
    }
}
