// The `memory_context` payload: hos-memory's four layers for one analysis, read by hos-nutrition, hos-routine,
// hos-insights and hos-report.

/// A `memory_context` payload.
public struct MemoryContextPayload: ContractPayload {
    public static let eventType = EventType.memoryContext
    public static let summary =
        "hos-memory's memory of one user for one analysis: working memory, short-term statistics, long-term "
        + "preferences and strategies, meta, earlier analyses and insights ranked by recency × importance × "
        + "relevance, hos-adapt's state, and how the ranking cut the whole to its budget."

    public var working: [String: JSON] = [:]
    public var shortTerm: ShortTermMemory?
    public var longTerm: LongTermMemory?
    public var meta: [String: JSON] = [:]
    public var history: MemoryHistory?
    public var adaptationState: AdaptationState?
    public var retrieval: RetrievalReport?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value(
            "working", \.working,
            "The request's working memory as stored: analysis_id, as_of, window_days, analysis_type, implicit, "
                + "archetype, created_at, expires_at, and session (events per type, metrics, first_date, "
                + "last_date, new_events, seen_before); empty without one.", default: [:]),
        .object("short_term", \.shortTerm, "Days with records and rolling statistics."),
        .object("long_term", \.longTerm, "Preferences and strategies learnt over time."),
        .value("meta", \.meta, "The user's meta values by key, as stored.", default: [:]),
        .object("history", \.history, "Earlier analyses and insights, and what hos-insights reads of them."),
        .object("adaptation_state", \.adaptationState, "What hos-adapt decided last."),
        .object("retrieval", \.retrieval, "The ranking and the budget."),
    ]
}

/// The short-term layer: days with records and rolling statistics per metric.
public struct ShortTermMemory: ContractObject {
    public var days = 0
    public var rolling: [String: RollingWindows] = [:]
    public var asOf: LocalDate?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("days", \.days, "Days with records.", default: 0),
        .map("rolling", \.rolling, "Per metric, the 7- and 30-day statistics.", keyName: "METRIC"),
        .value("as_of", \.asOf, "The day the statistics end."),
    ]
}

/// A metric's rolling statistics over the last 7 and 30 days.
public struct RollingWindows: ContractObject {
    public var days7: RollingStat?
    public var days30: RollingStat?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .object("7d", \.days7, "The last 7 days."), .object("30d", \.days30, "The last 30 days."),
    ]
}

/// Statistics of a metric over a window.
public struct RollingStat: ContractObject {
    public var n = 0
    public var mean = 0.0
    public var sd: Double?
    public var min = 0.0
    public var max = 0.0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("n", \.n, "Values.", default: 0), .value("mean", \.mean, "Mean.", default: 0),
        .value("sd", \.sd, "Standard deviation, with two values or more."),
        .value("min", \.min, "Lowest.", default: 0), .value("max", \.max, "Highest.", default: 0),
    ]
}

/// The long-term layer.
public struct LongTermMemory: ContractObject {
    public var preferences: [String: PreferenceMemory] = [:]
    public var strategies: [StrategyMemory] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .map(
            "preferences", \.preferences, "At most 32, the most confident first (wake_time, dietary_pattern, …).",
            keyName: "NAME"),
        .objects("strategies", \.strategies, "Ranked strategies (recency × confidence)."),
    ]
}

/// A long-term preference.
public struct PreferenceMemory: ContractObject {
    public var value: JSON?
    public var confidence: Double?
    public var evidenceCount: Int?
    public var source: String?
    public var firstSeen: String?
    public var lastSeen: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("value", \.value, "The value: a string, a number, or a list (allergies)."),
        .value("confidence", \.confidence, "How sure, 0–1."),
        .value("evidence_count", \.evidenceCount, "Observations behind it."),
        .value("source", \.source, "Where it was learnt."),
        .value("first_seen", \.firstSeen, "When first seen."), .value("last_seen", \.lastSeen, "When last seen."),
    ]
}

/// A long-term strategy: an arm's success rate for the user.
public struct StrategyMemory: ContractObject {
    public var dimension = ""
    public var arm = ""
    public var category: String?
    public var successRate: Double?
    public var confidence: Double?
    public var evidenceCount: Int?
    public var score: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("dimension", \.dimension, "The strategy dimension.", default: ""),
        .value("arm", \.arm, "The arm.", default: ""),
        .value("category", \.category, "The plan item category."),
        .value("success_rate", \.successRate, "Its success rate."),
        .value("confidence", \.confidence, "How sure, 0–1."),
        .value("evidence_count", \.evidenceCount, "Feedbacks behind it."),
        .value("score", \.score, "Its ranking score."),
    ]
}

/// Earlier analyses and insights, and the sections hos-insights reads.
public struct MemoryHistory: ContractObject {
    public var analysesTotal: Int?
    public var analyses: [[String: JSON]] = []
    public var insights: [InsightMemoryItem] = []
    public var insightSubjects: [String: InsightSubjectMemory] = [:]
    public var insightFeedback: [String: KindFeedback] = [:]
    public var metrics: [String: MetricHistoryMemory] = [:]
    public var openAlerts: [String: OpenAlertMemory] = [:]

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("analyses_total", \.analysesTotal, "Earlier analyses stored."),
        .value(
            "analyses", \.analyses,
            "Ranked earlier analyses: analysis_id, timestamp, archetype, score, the behaviour summary (as_of, "
                + "readiness_score, readiness_state, engagement_level, days_logged, signature), routine_difficulty, "
                + "routine_items, energy_kcal, insights, adapted_difficulty, analysis_type, adherence, feedback.",
            default: []),
        .objects("insights", \.insights, "Ranked insights seen before."),
        .map(
            "insight_subjects", \.insightSubjects, "The 24 most recently seen insight subjects.", keyName: "SUBJECT"),
        .map("insight_feedback", \.insightFeedback, "Insight feedback per kind.", keyName: "KIND"),
        .map(
            "metrics", \.metrics, "Per metric, earlier behaviour analyses before this analysis' day.",
            keyName: "METRIC"),
        .map(
            "open_alerts", \.openAlerts, "The user's open coach alerts by rule; left out without any.",
            keyName: "RULE", absent: .omitted),
    ]
}

/// A coach alert still open, as hos-insights needs it to close or keep it.
public struct OpenAlertMemory: ContractObject {
    public var alertID = ""
    public var rule = ""
    public var severity: String?
    public var started = LocalDate(daysSinceEpoch: 0)
    public var asOf = LocalDate(daysSinceEpoch: 0)
    public var title: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("alert_id", \.alertID, "The episode's id."),
        .value("rule", \.rule, "The rule.", default: ""),
        .value("severity", \.severity, "warning or critical."),
        .required("started", \.started, "The episode's first day."),
        .required("as_of", \.asOf, "The analysis that last saw it open."),
        .value("title", \.title, "Its title."),
    ]
}

/// An insight seen before, ranked.
public struct InsightMemoryItem: ContractObject {
    public var insightID = ""
    public var lastSeen: String?
    public var seenCount: Double?
    public var kind: String?
    public var title: String?
    public var confidence: Double?
    public var priority: Double?
    public var useful: Bool?
    public var score: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("insight_id", \.insightID, "The insight.", default: ""),
        .value("last_seen", \.lastSeen, "When last shown."), .value("seen_count", \.seenCount, "Times shown."),
        .value("kind", \.kind, "Its kind."), .value("title", \.title, "Its title."),
        .value("confidence", \.confidence, "Its confidence."), .value("priority", \.priority, "Its priority."),
        .value("useful", \.useful, "The user's mark, when given."), .value("score", \.score, "Its ranking score."),
    ]
}

/// An insight subject seen before (`correlation:steps:sleep_efficiency_pct:1`).
public struct InsightSubjectMemory: ContractObject {
    public var insightID = ""
    public var lastSeen: String?
    /// A count; read through `JSON.countValue` (a hand-written one may be huge).
    public var seenCount: Double?
    public var direction: String?
    public var useful: Bool?
    public var best: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .required("insight_id", \.insightID, "The latest insight of the subject."),
        .value("last_seen", \.lastSeen, "The day it was last shown."),
        .value("seen_count", \.seenCount, "Times its insights were shown."),
        .value("direction", \.direction, "Its direction."), .value("useful", \.useful, "The user's mark."),
        .value("best", \.best, "The highest evidence.value its insights carried (milestones)."),
    ]
}

/// Insight feedback of one kind.
public struct KindFeedback: ContractObject {
    public var useful: Double?
    public var notUseful: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("useful", \.useful, "Marked useful."), .value("not_useful", \.notUseful, "Marked not useful."),
    ]
}

/// A metric in earlier behaviour analyses.
public struct MetricHistoryMemory: ContractObject {
    public var analyses: Double?
    public var ref: [JSON]?
    public var max: [JSON]?
    public var min: [JSON]?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("analyses", \.analyses, "How many."),
        .value(
            "ref", \.ref,
            "[as_of, baseline, recent or null, n or null] of the one closest to 28 days before (at least 14)."),
        .value("max", \.max, "[recent, as_of]: the highest 7-day mean on record."),
        .value("min", \.min, "[recent, as_of]: the lowest."),
    ]
}

/// What hos-adapt decided last.
public struct AdaptationState: ContractObject {
    public var difficulty: Int?
    public var previousDifficulty: Int?
    public var reason: String?
    public var predictedAdherence: Double?
    public var variants: [String: String] = [:]
    /// Dimension → the arm of each day of the next plan, when its days differ.
    public var schedules: [String: [String]]?
    /// Category → the highest intensity its items may have.
    public var tolerance: [String: Int]?
    /// Item id → what the next plan does with it (lighter, shorter, another_time, replace).
    public var itemActions: [String: String]?
    public var experiments: [StateExperiment] = []

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("difficulty", \.difficulty, "The difficulty (1–5)."),
        .value("previous_difficulty", \.previousDifficulty, "The one before."),
        .value("reason", \.reason, "Why, in words."),
        .value("predicted_adherence", \.predictedAdherence, "The next plan's expected adherence."),
        .value("variants", \.variants, "Strategy dimension → chosen arm.", default: [:]),
        .value(
            "schedules", \.schedules,
            "Strategy dimension → the arm of each day of the next plan (day 0 first), when hos-adapt's schedule "
                + "gives the days different arms; absent otherwise."),
        .value(
            "tolerance", \.tolerance,
            "Category → the highest intensity (1–5) its items may have, where hos-adapt has lowered it; absent "
                + "without a cap."),
        .value(
            "item_actions", \.itemActions,
            "Item id → lighter, shorter, another_time or replace: hos-adapt's verdict on items not kept as "
                + "they are; absent when every item is kept."),
        .objects("experiments", \.experiments, "Each dimension's arms, when there are any.", absent: .omitted),
    ]
}

/// One dimension's experiment as stored.
public struct StateExperiment: ContractObject {
    public var dimension = ""
    public var arms: [StateArm] = []
    public var chosen: String?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("dimension", \.dimension, "The strategy dimension.", default: ""),
        .objects("arms", \.arms, "Its arms."), .value("chosen", \.chosen, "The chosen arm."),
    ]
}

/// An arm of a stored experiment.
public struct StateArm: ContractObject {
    public var arm = ""
    public var successes = 0.0
    public var failures = 0.0
    public var pBest: Double?

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("arm", \.arm, "The arm.", default: ""), .value("successes", \.successes, "Successes.", default: 0),
        .value("failures", \.failures, "Failures.", default: 0),
        .value("p_best", \.pBest, "The probability that it is the best."),
    ]
}

/// How retrieval ranked and cut the context.
public struct RetrievalReport: ContractObject {
    public var formula = ""
    public var considered = 0
    public var kept = 0
    public var maxItems = 0
    public var maxBytes = 0

    public init() {}

    public static let fields: [PayloadField<Self>] = [
        .value("formula", \.formula, "The ranking formula.", default: ""),
        .value("considered", \.considered, "Items ranked.", default: 0),
        .value("kept", \.kept, "Items kept.", default: 0),
        .value("max_items", \.maxItems, "The item budget.", default: 0),
        .value("max_bytes", \.maxBytes, "The byte budget.", default: 0),
    ]
}
