// hos-adapt's documented numbers and the values it reads and writes: one place that the man page cites.

import HOSCore

/// The rules of hos-adapt(1); tests and the help text read the same values.
public enum AdaptationRules {
    /// The A/B tests and their arms: the strategy variants hos-routine places items by.
    public static let dimensions: [(name: String, arms: [String])] = [
        ("exercise_time", RoutineRules.exerciseArms), ("sleep_shift", RoutineRules.sleepShiftArms),
    ]

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

    public static let difficultyRange = 1...5
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

    // MARK: Priors

    /// Pseudo-feedbacks that pull an archetype's rate toward the population's (shrinkage strength m).
    public static let shrinkage = 20.0
    /// The most pseudo-feedbacks a pooled prior adds to the uniform Beta(1, 1) (weight W).
    public static let priorWeight = 4.0

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

/// A plan item as the memory file holds it: what feedback is joined to.
public struct AdaptPlanItem: Sendable, Equatable {
    public var planID: String
    public var itemID: String
    /// The plan's date (the day it was made for).
    public var date: LocalDate?
    public var category: String
    public var intensity: Int?
    /// The plan's difficulty.
    public var difficulty: Int?
    /// Strategy dimension → arm.
    public var variant: [String: String]

    public init(
        planID: String, itemID: String, date: LocalDate?, category: String, intensity: Int?,
        difficulty: Int?, variant: [String: String]
    ) {
        self.planID = planID
        self.itemID = itemID
        self.date = date
        self.category = category
        self.intensity = intensity
        self.difficulty = difficulty
        self.variant = variant
    }

    /// The items of a `routine_plan` payload; throws on an item the contract does not allow.
    public static func items(ofPlan p: [String: JSON]) throws(EventProblem) -> [AdaptPlanItem] {
        guard let planID = p["plan_id"]?.stringValue else { throw EventProblem("missing payload.plan_id") }
        var date: LocalDate?
        switch p["date"] {
        case nil, .null?: date = nil
        case .string(let s)?:
            guard let d = LocalDate(s) else { throw EventProblem("payload.date is not a YYYY-MM-DD calendar date") }
            date = d
        case _?: throw EventProblem("payload.date is not a YYYY-MM-DD calendar date")
        }
        let difficulty = try level(p["difficulty"], "payload.difficulty")
        guard case .array(let items)? = p["items"] else { throw EventProblem("payload.items must be an array") }
        var out: [AdaptPlanItem] = []
        for (i, item) in items.enumerated() {
            let at = "payload.items[\(i)]"
            guard case .object(let o) = item else { throw EventProblem("\(at) must be an object") }
            guard let id = o["item_id"]?.stringValue, !id.isEmpty else {
                throw EventProblem("\(at).item_id must be a string")
            }
            guard let category = o["category"]?.stringValue else {
                throw EventProblem("\(at).category must be a string")
            }
            var variant: [String: String] = [:]
            switch o["variant"] {
            case nil, .null?: break
            case .object(let v)?:
                for (k, arm) in v {
                    guard let a = arm.stringValue else { throw EventProblem("\(at).variant values must be strings") }
                    variant[k] = a
                }
            case _?: throw EventProblem("\(at).variant must be an object")
            }
            out.append(
                AdaptPlanItem(
                    planID: planID, itemID: id, date: date, category: category,
                    intensity: try level(o["intensity"], "\(at).intensity"), difficulty: difficulty,
                    variant: variant))
        }
        return out
    }

    static func level(_ v: JSON?, _ name: String) throws(EventProblem) -> Int? {
        switch v {
        case nil, .null?: return nil
        case .number(let n)? where n == n.rounded() && (1...5).contains(n): return Int(n)
        case _?: throw EventProblem("\(name) must be a whole number from 1 to 5")
        }
    }
}

/// One plan_feedback as the memory file holds it.
public struct AdaptFeedback: Sendable, Equatable {
    public var planID: String
    public var itemID: String
    public var date: LocalDate
    public var status: PlanFeedback.Status

    public init(planID: String, itemID: String, date: LocalDate, status: PlanFeedback.Status) {
        self.planID = planID
        self.itemID = itemID
        self.date = date
        self.status = status
    }

    public var score: Double { AdaptationRules.score(status) }
}

/// One arm as a decision saw it: the Beta posterior and the probability the policy gave it.
public struct ArmSnapshot: Sendable, Equatable {
    public var arm: String
    public var alpha: Double
    public var beta: Double
    public var pBest: Double
    public var probability: Double

    public init(arm: String, alpha: Double, beta: Double, pBest: Double, probability: Double) {
        self.arm = arm
        self.alpha = alpha
        self.beta = beta
        self.pBest = pBest
        self.probability = probability
    }

    public var json: JSON {
        [
            "arm": .string(arm), "alpha": .number(alpha, places: 4), "beta": .number(beta, places: 4),
            "p_best": .number(pBest, places: 6), "probability": .number(probability, places: 6),
        ]
    }

    public init?(json j: JSON) {
        guard let arm = j["arm"]?.stringValue, let a = j["alpha"]?.doubleValue, let b = j["beta"]?.doubleValue,
            let p = j["p_best"]?.doubleValue, let q = j["probability"]?.doubleValue
        else { return nil }
        self.init(arm: arm, alpha: a, beta: b, pBest: p, probability: q)
    }
}

/// One logged decision on one dimension: its context, the arms, the chosen arm and its propensity; later the
/// plan it shaped and the reward that plan earned.
public struct AdaptDecisionLog: Sendable, Equatable {
    public var decisionID: String
    public var dimension: String
    public var analysisID: String
    /// The request's timestamp (UTC, RFC 3339).
    public var decidedAt: String
    public var policy: String
    public var chosen: String
    public var propensity: Double
    public var arms: [ArmSnapshot]
    public var context: [String: JSON]
    /// The plan that followed the decision, once seen; `applied` when its item carried the chosen arm.
    public var planID: String?
    public var applied: Bool?
    /// Mean feedback score on the plan's items of this dimension, and how many feedbacks it averages.
    public var reward: Double?
    public var rewardN: Int

    public init(
        decisionID: String, dimension: String, analysisID: String, decidedAt: String, policy: String,
        chosen: String, propensity: Double, arms: [ArmSnapshot], context: [String: JSON],
        planID: String? = nil, applied: Bool? = nil, reward: Double? = nil, rewardN: Int = 0
    ) {
        self.decisionID = decisionID
        self.dimension = dimension
        self.analysisID = analysisID
        self.decidedAt = decidedAt
        self.policy = policy
        self.chosen = chosen
        self.propensity = propensity
        self.arms = arms
        self.context = context
        self.planID = planID
        self.applied = applied
        self.reward = reward
        self.rewardN = rewardN
    }
}

/// One user's arm as stored (adapt_arm): the other users' rows make the pooled priors.
public struct AdaptArmState: Sendable, Equatable {
    public var user: String
    public var archetype: String?
    public var dimension: String
    public var arm: String
    public var priorAlpha: Double
    public var priorBeta: Double
    public var successes: Double
    public var failures: Double
    public var pulls: Int
    public var pBest: Double?
    public var chosen: Bool

    public init(
        user: String, archetype: String?, dimension: String, arm: String, priorAlpha: Double,
        priorBeta: Double, successes: Double, failures: Double, pulls: Int, pBest: Double?, chosen: Bool
    ) {
        self.user = user
        self.archetype = archetype
        self.dimension = dimension
        self.arm = arm
        self.priorAlpha = priorAlpha
        self.priorBeta = priorBeta
        self.successes = successes
        self.failures = failures
        self.pulls = pulls
        self.pBest = pBest
        self.chosen = chosen
    }
}

/// What the memory file holds of one user for hos-adapt.
public struct AdaptHistory: Sendable, Equatable {
    public var items: [AdaptPlanItem] = []
    public var feedback: [AdaptFeedback] = []
    /// Logged decisions, oldest first.
    public var decisions: [AdaptDecisionLog] = []
    /// The user's stored arms.
    public var arms: [AdaptArmState] = []
    /// adaptation_state.difficulty.
    public var difficulty: Int?
    /// The stored payload of this request's adaptation, when the request was answered before.
    public var previousAnswer: [String: JSON]?

    public init() {}
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
