// The `adaptation` payload: hos-adapt's difficulty, experiments, prediction and what its decisions achieved.

/// An `adaptation` payload.
public struct AdaptationPayload: ContractPayload {
    public static let eventType = EventType.adaptation
    public static let summary =
        "hos-adapt's decision at a barrier: the next difficulty, one A/B experiment per strategy dimension, "
        + "the predicted adherence of the next plan, and how adherence went."

    public var difficulty: DifficultyDecision?
    public var experiments: [ExperimentReport] = []
    public var predictedAdherence: PredictedAdherence?
    public var effectiveness: Effectiveness?
    public var success: SuccessReport?
    public var feedback: FeedbackReport?
    public var policy: String?
    public var explore: Double?
    public var controls: [String]?
    public var archetypeSwitch: ArchetypeSwitchReport?
    public var replayed: Bool?
    public var tolerance: [ToleranceReport] = []
    public var items: [ItemVerdictReport] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .object("difficulty", \.difficulty, "The difficulty (1–5) of the next plans and the rule that set it."),
        .objects("experiments", \.experiments, "One A/B test per strategy dimension, in the dimensions' order."),
        .object(
            "predicted_adherence", \.predictedAdherence, "The next plan's expected adherence with an interval."),
        .object("effectiveness", \.effectiveness, "Adherence per plan and the lift of the chosen arms."),
        .object("success", \.success, "Adherence overall and by category, weekday, intensity and variant."),
        .object("feedback", \.feedback, "This window's plan_feedback: matched to stored plan items or not."),
        .value("policy", \.policy, "The arm-choosing policy (thompson, greedy, uniform, oracle)."),
        .value("explore", \.explore, "The least probability every arm keeps."),
        .value("controls", \.controls, "The control events that limited this decision, when there were any."),
        .object(
            "archetype_switch", \.archetypeSwitch,
            "The user's latest archetype switch, while it shapes the decision (hos-adapt(1), ARCHETYPE SWITCH)."),
        .value("replayed", \.replayed, "True when the request was answered before and this is that answer again."),
        .objects(
            "tolerance", \.tolerance,
            "The user's intensity tolerance per category with feedback (hos-adapt(1), ITEMS AND TOLERANCE).",
            absent: .omitted),
        .objects(
            "items", \.items, "Each plan item's verdict from its own history: keep, adapt or replace.",
            absent: .omitted),
    ]
}

/// A category's intensity tolerance: the highest intensity its items keep, as learned from completions.
public struct ToleranceReport: ContractObject {
    public var category = ""
    /// Nil: no cap (no intensity has clearly failed).
    public var maxIntensity: Int?
    /// Feedbacks on the category's items that counted.
    public var evidence = 0
    /// none, lowered, held, raised.
    public var state = ""
    public var reason = ""

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("category", \.category, "exercise, sleep, nutrition, mindfulness, focus, recovery.", default: ""),
        .value(
            "max_intensity", \.maxIntensity, "The highest intensity (1–5) the next plans give it; null: no cap.",
            absent: .null),
        .value("evidence", \.evidence, "Feedbacks on the category's items that counted.", default: 0),
        .value(
            "state", \.state, "none (never capped), lowered, held or raised (a probe one level up).", default: ""),
        .value("reason", \.reason, "Why, in words.", default: ""),
    ]
}

/// One plan item's verdict: its completion on the latest plan that had it, and what the next plan does.
public struct ItemVerdictReport: ContractObject {
    /// The item id without a schedule's arm suffix (`exercise-evening` counts as `exercise`).
    public var item = ""
    public var category = ""
    public var completion = 0.0
    public var n = 0
    /// keep, adapt, replace.
    public var verdict = ""
    /// none, lighter, shorter, another_time, replace.
    public var action = ""
    public var reason = ""

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("item", \.item, "The item id (a schedule's `exercise-evening` counts as `exercise`).", default: ""),
        .value("category", \.category, "Its category.", default: ""),
        .value("completion", \.completion, "Mean feedback score on the latest plan that had it.", default: 0),
        .value("n", \.n, "Feedbacks on that plan.", default: 0),
        .value(
            "verdict", \.verdict, "keep (above 80%), adapt (40–80%) or replace (below 40%), with hysteresis.",
            default: ""),
        .value(
            "action", \.action,
            "What the next plan does: none, lighter (the category's tolerance caps it), shorter, another_time (the "
                + "experiment moves it) or replace (its simplest form).", default: ""),
        .value("reason", \.reason, "Why, in words.", default: ""),
    ]
}

/// A difficulty decision: from, to, which rule, and the reason in words.
public struct DifficultyDecision: ContractObject {
    public var from = 0
    public var to = 0
    /// initial, hold, up, down, requested, not_requested, oracle.
    public var rule = ""
    public var reason = ""

    public init() {}

    public init(from: Int, to: Int, rule: String, reason: String) {
        self.from = from
        self.to = to
        self.rule = rule
        self.reason = reason
    }

    public static let fields: [PayloadField<Self>] = [
        .value("from", \.from, "The difficulty before.", default: 0),
        .value("to", \.to, "The difficulty of the next plans.", default: 0),
        .value("rule", \.rule, "initial, hold, up, down, requested, not_requested or oracle.", default: ""),
        .value("reason", \.reason, "The rule's reason in words.", default: ""),
    ]
}

/// A change of the user's archetype as hos-adapt handles it: the person's evidence stays (or, fresh, is set
/// aside), the archetype-level priors change, at once or blended over some plans.
public struct ArchetypeSwitchReport: ContractObject {
    public var from = ""
    public var to = ""
    public var since: LocalDate?
    public var analysisID: String?
    public var strategy = ""
    public var plansSince = 0
    public var blendWeight = 0.0
    public var ownWeight = 0.0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("from", \.from, "The archetype hos-adapt last decided with.", default: ""),
        .value("to", \.to, "The archetype of this request.", default: ""),
        .value(
            "since", \.since,
            "The date of the request that brought the switch; plans dated from it on are the new archetype's."),
        .value("analysis_id", \.analysisID, "The analysis that brought the switch."),
        .value("strategy", \.strategy, "adaptive, fresh or blend:N, as recorded at the switch.", default: ""),
        .value("plans_since", \.plansSince, "Decisions made since the switch, before this one.", default: 0),
        .value(
            "blend_weight", \.blendWeight,
            "The new archetype's share of each prior (the old one's is 1 − it): 1 but under blend:N, where it is "
                + "min(1, (plans_since + 1) / N).", default: 0),
        .value(
            "own_weight", \.ownWeight,
            "The weight of the user's own evidence from before the switch: 1, or 0 under fresh.", default: 0),
    ]
}

/// One strategy dimension's experiment at a decision.
public struct ExperimentReport: ContractObject {
    public var dimension = ""
    public var arms: [ArmReport] = []
    public var chosen: String?
    public var propensity: Double?
    public var policy: String?
    /// thompson, greedy, uniform, explore or oracle: how the arm was drawn.
    public var mode: String?
    public var decisionID: String?
    public var testedArms: [String]?
    public var held: Bool?
    public var prior: [String: PriorSource] = [:]
    public var changes: [String]?
    /// The arm of each day of the next plan, day 0 first, when the days do not all take `chosen`.
    public var schedule: [String]?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("dimension", \.dimension, "The strategy dimension (exercise_time, sleep_shift)."),
        .objects("arms", \.arms, "Each arm's Beta posterior."),
        .value("chosen", \.chosen, "The arm the next plan uses."),
        .value("propensity", \.propensity, "The probability the policy gave the chosen arm."),
        .value("policy", \.policy, "The policy that chose."),
        .value("mode", \.mode, "How the arm was drawn."),
        .value("decision_id", \.decisionID, "The logged decision's id."),
        .value("tested_arms", \.testedArms, "The arms a test_strategy control allowed."),
        .value("held", \.held, "True when this dimension did not run and the previous arm holds."),
        .map("prior", \.prior, "Where each arm's pooled prior came from.", keyName: "ARM"),
        .value(
            "changes", \.changes,
            "Plans (oldest first) at which the change test found the user's preference began to move; evidence from "
                + "before each counts a tenth. Absent when none."),
        .value(
            "schedule", \.schedule,
            "The arm of each day of the next plan (day 0, the plan's date, first; 7 days): day 0's is the logged "
                + "draw (`chosen`), each other day an independent Thompson draw, so that a plan tries several arms "
                + "while they are uncertain. Absent when every day takes `chosen`."),
    ]
}

/// One arm's Beta posterior in an experiment.
public struct ArmReport: ContractObject {
    public var arm = ""
    public var successes = 0.0
    public var failures = 0.0
    public var pBest = 0.0
    public var alpha = 0.0
    public var beta = 0.0
    public var mean = 0.0
    public var priorAlpha = 0.0
    public var priorBeta = 0.0
    public var pulls = 0
    public var probability: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("arm", \.arm, "The arm."),
        .value(
            "successes", \.successes,
            "Sum of the user's feedback scores on items with this arm (a tenth for those before a change).",
            default: 0),
        .value("failures", \.failures, "Sum of 1 − score on them, weighted alike.", default: 0),
        .value("p_best", \.pBest, "The probability that this arm is the best.", default: 0),
        .value("alpha", \.alpha, "The posterior's alpha: prior_alpha + successes.", default: 0),
        .value("beta", \.beta, "The posterior's beta: prior_beta + failures.", default: 0),
        .value("mean", \.mean, "alpha / (alpha + beta).", default: 0),
        .value("prior_alpha", \.priorAlpha, "The pooled prior's alpha.", default: 0),
        .value("prior_beta", \.priorBeta, "The pooled prior's beta.", default: 0),
        .value("pulls", \.pulls, "Plans whose items carried this arm.", default: 0),
        .value("probability", \.probability, "The chance the policy gave it now, when the dimension ran."),
    ]
}

/// Where a pooled prior came from: other users' feedback on the arm.
public struct PriorSource: ContractObject {
    public var archetypeUsers = 0
    public var archetypeN = 0.0
    public var populationUsers = 0
    public var populationN = 0.0
    public var rate = 0.0
    public var weight = 0.0
    public var dispersion: Double?
    public var dispersionOf: Int?
    public var stated: String?
    public var statedSuccesses: Double?
    public var statedFailures: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("archetype_users", \.archetypeUsers, "Other users of the archetype with feedback.", default: 0),
        .value("archetype_n", \.archetypeN, "Their feedback count.", default: 0),
        .value("population_users", \.populationUsers, "Other users with feedback.", default: 0),
        .value("population_n", \.populationN, "Their feedback count.", default: 0),
        .value("rate", \.rate, "The archetype's rate shrunk toward the population's.", default: 0),
        .value("weight", \.weight, "Pseudo-feedbacks the prior adds: min(20, (1 − ρ) / ρ).", default: 0),
        .value(
            "dispersion", \.dispersion,
            "ρ, the between-user dispersion (intra-class correlation) of a beta-binomial fitted to other users' "
                + "counts on the arm by the method of moments; absent without enough users."),
        .value("dispersion_users", \.dispersionOf, "The users that fit counted."),
        .value(
            "stated", \.stated,
            "The user's stated preferred time (user_profile exercise.preferred_time) on exercise_time; absent when none."
        ),
        .value("stated_successes", \.statedSuccesses, "Pseudo-successes the stated time adds to this arm's prior."),
        .value("stated_failures", \.statedFailures, "Pseudo-failures the stated time adds to this arm's prior."),
    ]
}

/// The next plan's predicted adherence.
public struct PredictedAdherence: ContractObject {
    public var mean = 0.0
    public var low = 0.0
    public var high = 0.0
    public var level = 0.0
    public var items = 0
    public var days = 0

    public init() {}

    public init(mean: Double, low: Double, high: Double, level: Double, items: Int, days: Int) {
        self.mean = mean
        self.low = low
        self.high = high
        self.level = level
        self.items = items
        self.days = days
    }

    public static let fields: [PayloadField<Self>] = [
        .required("mean", \.mean, "Expected adherence, 0–1."),
        .value("low", \.low, "The interval's lower end.", default: 0),
        .value("high", \.high, "The interval's upper end.", default: 0),
        .value("level", \.level, "The interval's two-sided coverage.", default: 0),
        .value("items", \.items, "Items of the plan predicted.", default: 0),
        .value("days", \.days, "Days of feedback per item assumed.", default: 0),
    ]
}

/// Adherence as a mean score (completed 1, partial 0.5, skipped 0), the share completed, and the count.
public struct AdherenceSummary: ContractObject {
    public var adherence: Double?
    public var completed: Double?
    public var n = 0

    public init() {}

    public init(adherence: Double?, completed: Double?, n: Int) {
        self.adherence = adherence
        self.completed = completed
        self.n = n
    }

    public static let fields: [PayloadField<Self>] = [
        .value("adherence", \.adherence, "Mean feedback score; null without feedback.", absent: .null),
        .value("completed", \.completed, "Share completed; null without feedback.", absent: .null),
        .value("n", \.n, "Feedbacks counted.", default: 0),
    ]
}

/// One plan's adherence, a point of the learning curve.
public struct PlanAdherence: ContractObject {
    public var planID = ""
    public var date: LocalDate?
    public var difficulty: Int?
    public var adherence: Double?
    public var n = 0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("plan_id", \.planID, "The plan.", default: ""),
        .value("date", \.date, "The day it was made for."),
        .value("difficulty", \.difficulty, "Its difficulty."),
        .value("adherence", \.adherence, "Its mean feedback score."),
        .value("n", \.n, "Feedbacks on it.", default: 0),
    ]
}

/// What adaptation achieved: adherence per plan, before and after it began, and the chosen arms' lift.
public struct Effectiveness: ContractObject {
    public var adherence: [PlanAdherence] = []
    public var lift: Double?
    public var chosenArms: AdherenceSummary?
    public var otherArms: AdherenceSummary?
    public var decisions = 0
    public var rewarded = 0
    public var since: LocalDate?
    public var before: AdherenceSummary?
    public var after: AdherenceSummary?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .objects("adherence", \.adherence, "The most recent plans with feedback, oldest first (at most 52)."),
        .value(
            "lift", \.lift, "Adherence on the chosen arms minus on the others; null when either has none.",
            absent: .null),
        .object("chosen_arms", \.chosenArms, "Adherence on items with the arms chosen now."),
        .object("other_arms", \.otherArms, "Adherence on items with the other arms of the same dimensions."),
        .value("decisions", \.decisions, "Logged decisions.", default: 0),
        .value("rewarded", \.rewarded, "Logged decisions with a reward.", default: 0),
        .value("since", \.since, "The first plan that followed a decision."),
        .object("before", \.before, "Adherence before that plan."),
        .object("after", \.after, "Adherence since."),
    ]
}

/// Adherence overall and by category, weekday (mon–sun), intensity and variant (`dimension=arm`).
public struct SuccessReport: ContractObject {
    public var overall: AdherenceSummary?
    public var byCategory: [String: AdherenceSummary] = [:]
    public var byWeekday: [String: AdherenceSummary] = [:]
    public var byIntensity: [String: AdherenceSummary] = [:]
    public var byVariant: [String: AdherenceSummary] = [:]

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .object("overall", \.overall, "Every matched feedback."),
        .map("by_category", \.byCategory, "By the item's category.", keyName: "CATEGORY"),
        .map("by_weekday", \.byWeekday, "By the feedback's weekday.", keyName: "DAY"),
        .map("by_intensity", \.byIntensity, "By the item's intensity.", keyName: "LEVEL"),
        .map("by_variant", \.byVariant, "By the item's strategy variant.", keyName: "DIMENSION=ARM"),
    ]
}

/// This window's plan_feedback, matched to stored plan items or not.
public struct FeedbackReport: ContractObject {
    public var received = 0
    public var matched = 0
    public var unknown: UnknownFeedback?
    public var storedUnmatched = 0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("received", \.received, "Feedback events in the window.", default: 0),
        .value("matched", \.matched, "Those naming a stored plan item.", default: 0),
        .object("unknown", \.unknown, "Those naming none: reported, never guessed."),
        .value("stored_unmatched", \.storedUnmatched, "Stored feedback of the user that names no item.", default: 0),
    ]
}

/// Feedback naming no stored plan item.
public struct UnknownFeedback: ContractObject {
    public var count = 0
    public var ids: [String] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("count", \.count, "How many.", default: 0),
        .value("ids", \.ids, "Their plan_id/item_id, sorted (at most 20).", default: []),
    ]
}
