// The adaptation records: plans, feedback, arms and logged decisions as hos-memory stores them and
// hos-adapt decides from them; one set of types for both, so a new field is one edit.

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

    /// The levels of an item's intensity and of a plan's difficulty.
    public static let levels = 1...5

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

    /// The items of a routine plan as hos-adapt joins feedback to them; throws on a level outside 1–5.
    public static func items(ofPlan plan: RoutinePlanPayload) throws(EventProblem) -> [AdaptPlanItem] {
        if let d = plan.difficulty, !levels.contains(d) {
            throw EventProblem("payload.difficulty must be a whole number from 1 to 5")
        }
        var out: [AdaptPlanItem] = []
        for (i, item) in plan.items.enumerated() {
            guard !item.itemID.isEmpty else { throw EventProblem("payload.items[\(i)].item_id must be a string") }
            guard !item.category.isEmpty else { throw EventProblem("payload.items[\(i)].category must be a string") }
            if let n = item.intensity, !levels.contains(n) {
                throw EventProblem("payload.items[\(i)].intensity must be a whole number from 1 to 5")
            }
            out.append(
                AdaptPlanItem(
                    planID: plan.planID, itemID: item.itemID, date: plan.date, category: item.category,
                    intensity: item.intensity, difficulty: plan.difficulty, variant: item.variant))
        }
        return out
    }

}

/// One plan_feedback as the memory file holds it.
public struct AdaptFeedback: Sendable, Equatable {
    public var planID: String
    public var itemID: String
    public var date: LocalDate
    public var status: PlanFeedback.Status
    /// The user's 1–5 rating, when given.
    public var rating: Int?
    /// Why, in the user's words, when given.
    public var reason: PlanFeedback.Reason?

    public init(
        planID: String, itemID: String, date: LocalDate, status: PlanFeedback.Status, rating: Int? = nil,
        reason: PlanFeedback.Reason? = nil
    ) {
        self.planID = planID
        self.itemID = itemID
        self.date = date
        self.status = status
        self.rating = rating
        self.reason = reason
    }

    /// The feedback as hos-adapt keeps it from a `plan_feedback` payload.
    public init(_ f: PlanFeedback) {
        self.init(
            planID: f.planID, itemID: f.itemID, date: f.date, status: f.status, rating: f.rating, reason: f.reason)
    }

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

/// A change of a user's archetype as the memory file records it (adapt_switch): once, at the decision that saw it.
public struct ArchetypeSwitchRecord: Sendable, Equatable {
    public var from: String
    public var to: String
    /// The request's timestamp (UTC, RFC 3339, as stored).
    public var switchedAt: String
    /// The date of that timestamp where the request was made: plans dated from it on are the new archetype's.
    public var since: LocalDate?
    public var analysisID: String
    /// adaptive, fresh or blend:N: the strategy in effect when the switch was seen, followed until the next one.
    public var strategy: String

    public init(
        from: String, to: String, switchedAt: String, since: LocalDate?, analysisID: String, strategy: String
    ) {
        self.from = from
        self.to = to
        self.switchedAt = switchedAt
        self.since = since
        self.analysisID = analysisID
        self.strategy = strategy
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
    /// The user's latest archetype switch (adapt_switch), if any.
    public var archetypeSwitch: ArchetypeSwitchRecord?
    /// The stored payload of this request's adaptation, when the request was answered before.
    public var previousAnswer: [String: JSON]?
    /// What the user stated about training (user_profile's exercise, kept by hos-memory as preferences).
    public var statedExercise = ExercisePreferences()

    public init() {}
}
