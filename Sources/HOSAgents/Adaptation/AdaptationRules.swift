// hos-adapt's documented numbers and the values it reads and writes: one place that the man page cites.

import HOSCore

/// The rules of hos-adapt(1); tests and the help text read the same values.
public enum AdaptationRules {
    /// The A/B tests and their arms: the strategy variants hos-routine places items by.
    public static let dimensions: [(name: String, arms: [String])] = [
        ("exercise_time", RoutineRules.exerciseArms), ("sleep_shift", RoutineRules.sleepShiftArms),
    ]

    /// Dimensions whose arm may differ from day to day within a plan (a schedule): where to exercise in the
    /// day can; how to shift sleep is a strategy for the whole week and cannot.
    public static let perDay: Set<String> = ["exercise_time"]
    /// The days a plan is followed (hos-synth respond's week), and so the length of a schedule.
    public static let scheduleDays = 7

    /// The arms of a dimension; nil for an unknown dimension.
    public static func arms(of dimension: String) -> [String]? { dimensions.first { $0.name == dimension }?.arms }

    /// The score of a feedback: completed 1, partial 0.5, skipped 0 (as hos-memory's views score it).
    public static func score(_ status: PlanFeedback.Status) -> Double {
        switch status {
        case .completed: 1
        case .partial: 0.5
        case .skipped: 0
        }
    }

    // MARK: Difficulty

    public static let difficultyRange = AdaptPlanItem.levels
    /// Plans with feedback, all at the current difficulty, that a step needs ("sustained").
    public static let sustainedPlans = 2
    /// A plan counts when it has at least this many feedbacks on its load items.
    public static let minLoadFeedback = 3
    /// Items whose intensity is at least this carry the load that the difficulty sets (exercise, focus).
    public static let loadIntensity = 2
    /// Up one step when every sustained plan's load-item adherence is at least this.
    public static let upThreshold = 0.80
    /// Down one step when every sustained plan's load-item adherence is at most this.
    public static let downThreshold = 0.50
    /// A step up holds when the plans at the new level keep load-item adherence at least this; when the
    /// sustained plans after an up-step are all below it, the step is taken back.
    public static let holdThreshold = 0.65
    /// A level taken back is not tried again until this many counted plans have passed.
    public static let retryAfterPlans = 6

    // MARK: Items and tolerance (ItemEvolution)

    /// An item is kept when its completion is at least this, replaced below `replaceBelow`, adapted between.
    public static let keepAt = 0.80
    public static let replaceBelow = 0.40
    /// A verdict changes only when the completion passes a threshold by this much (hysteresis).
    public static let verdictMargin = 0.05
    /// Feedbacks an item needs on a plan for its verdict to count.
    public static let minItemFeedback = 3
    /// An arm is a dimension's settled best once its p_best is at least this; only items at the settled best
    /// arm (or without an arm) are evidence of a category's intensity tolerance.
    public static let settledPBest = 0.80
    /// Feedbacks of the user's own on every arm after which the best one counts as settled too: every time
    /// has been tried, and if even the best fails, the intensity is the suspect. Two, so that people who
    /// answer once a week per item get there within weeks.
    public static let exploredFeedback = 2.0
    /// Feedbacks at an intensity that a step down of the cap needs, and how sure it must be that completion
    /// there is below `keepAt` (P(p < 0.8) under Beta(1 + s, 1 + n − s)).
    public static let minToleranceFeedback = 5
    public static let lowerConfidence = 0.975
    /// Plans at a cap after which one level up is tried again, unless that level has failed this many times.
    public static let probeAfterPlans = 6
    public static let maxLevelFailures = 2
    /// too_hard (or too_easy) feedbacks on one plan's items at an intensity that move the cap at once.
    public static let saidIntensity = 2

    // MARK: Priors

    /// Pseudo-feedbacks that pull an archetype's rate toward the population's (shrinkage strength m).
    public static let shrinkage = 20.0
    /// The most pseudo-feedbacks a pooled prior adds to the uniform Beta(1, 1) (weight W), reached where
    /// other users agree on the arm.
    public static let priorWeight = 20.0
    /// Other users with feedback on an arm that a dispersion estimate needs: the archetype's when it has
    /// this many, else the population's; with fewer, the prior is Beta(1, 1).
    public static let minDispersionUsers = 3

    // MARK: Preferences that move (ChangeDetection)

    /// Feedbacks of a plan's arm that the change test needs at that plan (n₁) and before it (n₀).
    public static let changeMinRecent = 5.0
    public static let changeMinEarlier = 7.0
    /// How many of an arm's latest plans (two months of weekly plans) the change test tries as the start of a change.
    public static let changeScanPlans = 8
    /// The one-sided z a drop must reach: the normal quantile of 0.975 (2.58, of 0.995, found the week-5 moves
    /// of the eval's moving family too late; see docs/learning).
    public static let changeZ = 1.959963984540054
    /// The weight evidence from before a detected change keeps (per change).
    public static let forgetOnChange = 0.1

    // MARK: What people say (FeedbackEvidence)

    /// The dimensions whose arms place an item in the day: a `wrong_time` reason is their arm's fault.
    public static let timeDimensions: Set<String> = ["exercise_time", "sleep_shift"]
    /// A `wrong_time` feedback counts as this many failures of the item's arm on a time dimension.
    public static let wrongTimeWeight = 3.0
    /// The weight on a time dimension's arm of a feedback whose reason is not the time (`no_time`, `too_hard`,
    /// `too_easy`): the user says it was not the arm's fault.
    public static let otherReasonWeight = 0.5
    /// How far a rating moves an arm's score: 1–2 lowers it, 4–5 raises it, within 0–1; so a completed item
    /// rated 1–2 scores 0.75, a skipped one rated 4–5 scores 0.25, and a rating that agrees changes nothing.
    public static let ratingShift = 0.25
    /// A stated preferred time (user_profile exercise.preferred_time) is the user's own prior on exercise_time:
    /// this many pseudo-successes on the stated arm, and `statedFailures` pseudo-failures on each other arm.
    public static let statedSuccesses = 6.0
    public static let statedFailures = 3.0

    // MARK: Exploration and prediction

    /// Every arm keeps at least this probability of being chosen (--explore); at most 1 / arms.
    public static let defaultExplore = 0.02
    /// Logged propensities are at least this, so an inverse-propensity weight stays finite.
    public static let minPropensity = 1e-9
    /// The prediction interval's two-sided coverage and its normal quantile.
    public static let intervalLevel = 0.9
    public static let intervalZ = 1.6448536269514722
    /// Entries of effectiveness.adherence (the most recent plans) and of feedback.unknown.ids at most.
    public static let maxSeries = 52
    public static let maxUnknownIDs = 20
}

extension AdaptFeedback {
    /// The feedback's score: completed 1, partial 0.5, skipped 0.
    public var score: Double { AdaptationRules.score(status) }
}

/// A user's hidden preferences, as `hos-synth --truth` writes them: the oracle policy reads them.
public struct OracleTruth: Sendable, Equatable {
    /// Dimension → preferred arm.
    public var arms: [String: String]
    public var intensityCapacity: Int

    public init(arms: [String: String], intensityCapacity: Int) {
        self.arms = arms
        self.intensityCapacity = intensityCapacity
    }

    /// Users of a `hos-synth --truth` file; throws a message naming what is wrong.
    public static func parse(_ truth: JSON) throws(EventProblem) -> [String: OracleTruth] {
        guard case .array(let users)? = truth["users"] else { throw EventProblem("no users array") }
        var out: [String: OracleTruth] = [:]
        for (i, u) in users.enumerated() {
            guard let id = u["user_id"]?.stringValue, let p = u["preferences"] else {
                throw EventProblem("users[\(i)] lacks user_id or preferences")
            }
            var arms: [String: String] = [:]
            for (name, options) in AdaptationRules.dimensions {
                guard let a = p[name]?.stringValue, options.contains(a) else {
                    throw EventProblem(
                        "users[\(i)].preferences.\(name) must be one of \(options.joined(separator: ", "))")
                }
                arms[name] = a
            }
            guard let c = p["intensity_capacity"]?.doubleValue, c == c.rounded(), (1...5).contains(c) else {
                throw EventProblem("users[\(i)].preferences.intensity_capacity must be a whole number from 1 to 5")
            }
            out[id] = OracleTruth(arms: arms, intensityCapacity: Int(c))
        }
        return out
    }
}
