// The `insight` payload: one finding of hos-insights (or the re-check of an earlier one), read by
// hos-memory, hos-report and hos-insights itself when an earlier run's output is fed back.

/// An `insight` payload.
public struct InsightPayload: ContractPayload, Narrated {
    public static let eventType = EventType.insight
    public static let summary =
        "One finding of hos-insights with its evidence, confidence and action; a re-check of an earlier "
        + "insight (insight_validation) carries validation."

    public var insightID = ""
    public var kind: String?
    public var subject: String?
    public var direction: String?
    public var title: String?
    public var detail: String?
    public var action: String?
    public var evidence: [String: JSON] = [:]
    public var confidence: Double?
    public var confidenceParts: ConfidenceParts?
    /// As written: a number, or a word from another producer.
    public var priority: JSON?
    public var metrics: [String] = []
    public var status: String?
    public var asOf: LocalDate?
    public var rank: Int?
    public var previous: [String: JSON]?
    public var validation: [String: JSON]?
    public var narrative: JSON?
    public var llm: String?
    public var llmReason: String?

    public init() {}

    public static let fields: [PayloadField<Self>] =
        [
            .value("insight_id", \.insightID, "The insight's id: the same finding keeps it.", default: ""),
            .value("kind", \.kind, "correlation, trend, anomaly, risk, best_week, goal, …"),
            .value("subject", \.subject, "What it is about (kind:metrics:lag): the key of dedup and validation."),
            .value("direction", \.direction, "positive, negative, rising, falling, high, low, …"),
            .value("title", \.title, "One line."),
            .value("detail", \.detail, "The numbers, in words."),
            .value("action", \.action, "What to do."),
            .value(
                "evidence", \.evidence, "The statistic, n, p and q values, effect and split behind it.", default: [:]),
            .value("confidence", \.confidence, "0–1.", in: 0...1),
            .object("confidence_parts", \.confidenceParts, "What the confidence is made of."),
            .value("priority", \.priority, "1–100: confidence × effect × the archetype's weight of the kind."),
            .value("metrics", \.metrics, "The metrics it is about.", default: []),
            .value("status", \.status, "new, repeated, confirmed, reversed, …"),
            .value("as_of", \.asOf, "The analysis day."),
            .value("rank", \.rank, "1 for the most important of the analysis."),
            .value("previous", \.previous, "The earlier insight on the same subject, when one was given."),
            .value("validation", \.validation, "Of a re-check: the earlier insight, its status and directions."),
        ] + narrationFields

    /// The few values hos-memory's history keeps of an insight.
    public var historySummary: [String: JSON] {
        var s: [String: JSON] = [:]
        if !insightID.isEmpty { s["insight_id"] = .string(insightID) }
        s["kind"] = kind?.json
        s["title"] = title?.json
        s["confidence"] = confidence?.json
        return s
    }
}

/// What an insight's confidence is made of.
public struct ConfidenceParts: ContractObject {
    public var evidence = 0.0
    public var sample = 0.0
    public var size = 0.0
    public var agreement = 0

    public init() {}

    public init(evidence: Double, sample: Double, size: Double, agreement: Int) {
        self.evidence = evidence
        self.sample = sample
        self.size = size
        self.agreement = agreement
    }

    public static let fields: [PayloadField<Self>] = [
        .value("evidence", \.evidence, "Strength of the statistical evidence, 0–1.", default: 0),
        .value("sample", \.sample, "How much data, 0–1.", default: 0),
        .value("size", \.size, "How large the effect, 0–1.", default: 0),
        .value("agreement", \.agreement, "+1 when memory agrees, −1 when it contradicts, 0 otherwise.", default: 0),
    ]
}
