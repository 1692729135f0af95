// The event envelope (hos-events(7), ENVELOPE) as a value, decoded from and encoded to one JSON line.

/// The event types of hos-events(7).
public enum EventType {
    public static let healthRecord = "health_record"
    public static let userProfile = "user_profile"
    public static let analysisRequest = "analysis_request"
    public static let behaviorAnalysis = "behavior_analysis"
    public static let memoryContext = "memory_context"
    public static let nutritionPlan = "nutrition_plan"
    public static let routinePlan = "routine_plan"
    public static let insight = "insight"
    public static let alert = "alert"
    public static let planFeedback = "plan_feedback"
    public static let insightFeedback = "insight_feedback"
    public static let adaptation = "adaptation"
    public static let analysisComplete = "analysis_complete"
    public static let agentError = "agent_error"
    public static let progress = "progress"

    /// Every type the contract names, data and control events alike.
    public static let known: Set<String> = [
        healthRecord, userProfile, analysisRequest, behaviorAnalysis, memoryContext, nutritionPlan, routinePlan,
        insight, alert, planFeedback, insightFeedback, adaptation, analysisComplete, agentError, progress,
        "memory_store", "memory_retrieve", "memory_consolidate", "generate_insights", "insight_validation",
        "adapt_difficulty", "test_strategy", "optimize_recommendations",
    ]
}

/// One event: the envelope fields, the payload, and any other top-level fields, kept as they came.
public struct Event: Sendable, Equatable {
    public var eventID: String
    public var eventType: String
    public var userID: String
    /// RFC 3339, as given.
    public var timestamp: String
    public var sourceAgent: String?
    public var targetAgent: String?
    public var archetype: String?
    public var analysisID: String?
    public var payload: [String: JSON] {
        get { storedPayload ?? record?.payload ?? [:] }
        set { storedPayload = newValue }
        _modify {
            if storedPayload == nil { storedPayload = record?.payload ?? [:] }
            yield &storedPayload!
        }
    }
    /// Nil only for a record decoded straight from its line, whose payload is then its `record`'s: most such
    /// events are never asked for theirs, so it is built when one is.
    private var storedPayload: [String: JSON]?
    /// Top-level fields outside the envelope, kept so that re-encoding loses nothing.
    public var extra: [String: JSON]
    /// A `health_record`'s payload as the runtime decoded it for the stage that consumes it; nil when no one
    /// did. Derived from `payload`, so it takes no part in equality.
    public var record: HealthRecord? {
        // A payload that was this record's stays what it was when the record is replaced or dropped.
        willSet { if storedPayload == nil { storedPayload = record?.payload ?? [:] } }
    }

    public static func == (a: Event, b: Event) -> Bool {
        a.eventID == b.eventID && a.eventType == b.eventType && a.userID == b.userID && a.timestamp == b.timestamp
            && a.sourceAgent == b.sourceAgent && a.targetAgent == b.targetAgent && a.archetype == b.archetype
            && a.analysisID == b.analysisID && a.payload == b.payload && a.extra == b.extra
    }

    /// The record of a `health_record`: the one the runtime decoded, else decoded (and checked) now.
    public func healthRecord() throws(EventProblem) -> HealthRecord {
        if let record { return record }
        return try HealthRecord(payload: payload)
    }

    public init(
        id: String, type: String, user: String, timestamp: String, source: String? = nil,
        target: String? = nil, archetype: String? = nil, analysisID: String? = nil,
        payload: [String: JSON] = [:], extra: [String: JSON] = [:]
    ) {
        eventID = id
        eventType = type
        userID = user
        self.timestamp = timestamp
        sourceAgent = source
        targetAgent = target
        self.archetype = archetype
        self.analysisID = analysisID
        storedPayload = payload
        self.extra = extra
    }

    /// A `health_record` whose payload is exactly `record`'s (see `Envelope.plainHealthRecord`).
    init(
        id: String, user: String, timestamp: String, source: String?, target: String?, archetype: String?,
        analysisID: String?, record: HealthRecord
    ) {
        eventID = id
        eventType = EventType.healthRecord
        userID = user
        self.timestamp = timestamp
        sourceAgent = source
        targetAgent = target
        self.archetype = archetype
        self.analysisID = analysisID
        extra = [:]
        self.record = record
    }

    private static let envelopeKeys: Set<String> = [
        "event_id", "event_type", "user_id", "timestamp", "source_agent", "target_agent", "archetype",
        "analysis_id", "payload",
    ]

    /// Decodes a parsed line. `fallbackID` names an event that came without an `event_id`.
    public init(json: JSON, fallbackID: @autoclosure () -> String) throws(EventProblem) {
        guard case .object(let o) = json else { throw EventProblem("an event must be a JSON object") }
        // Envelope keys present, so that an event with nothing else needs no filtering pass for `extra`.
        var seen = 0
        func string(_ key: String, required: Bool) throws(EventProblem) -> String? {
            let value = o[key]
            if value != nil { seen += 1 }
            switch value {
            case nil, .null?:
                if required { throw EventProblem("missing \(key)") }
                return nil
            case .string(let s)?:
                if s.isEmpty { throw EventProblem("empty \(key)") }
                return s
            case let v?: throw EventProblem("\(key) must be a string, not \(v.typeName)")
            }
        }
        eventType = try string("event_type", required: true)!
        userID = try string("user_id", required: true)!
        try UserID.check(userID)
        timestamp = try string("timestamp", required: true)!
        guard Timestamp.parse(timestamp) != nil else { throw EventProblem("timestamp is not an RFC 3339 date-time") }
        let id = try string("event_id", required: false)
        if id == nil, case .null? = o["event_id"] { throw EventProblem("event_id must be a string, not null") }
        eventID = id ?? fallbackID()
        sourceAgent = try string("source_agent", required: false)
        targetAgent = try string("target_agent", required: false)
        archetype = try string("archetype", required: false)
        analysisID = try string("analysis_id", required: false)
        let body = o["payload"]
        if body != nil { seen += 1 }
        switch body {
        case nil, .null?: storedPayload = [:]
        case .object(let p)?: storedPayload = p
        case let v?: throw EventProblem("payload must be an object, not \(v.typeName)")
        }
        extra = seen == o.count ? [:] : o.filter { !Event.envelopeKeys.contains($0.key) }
    }

    /// The event as one JSON object.
    public var json: JSON {
        var o = extra
        o["event_id"] = .string(eventID)
        o["event_type"] = .string(eventType)
        o["user_id"] = .string(userID)
        o["timestamp"] = .string(timestamp)
        if let sourceAgent { o["source_agent"] = .string(sourceAgent) }
        if let targetAgent { o["target_agent"] = .string(targetAgent) }
        if let archetype { o["archetype"] = .string(archetype) }
        if let analysisID { o["analysis_id"] = .string(analysisID) }
        o["payload"] = .object(payload)
        return .object(o)
    }

    /// One compact JSON line without the newline; keys sorted.
    public func encoded() -> [UInt8] { json.encoded() }
}

extension Event {
    /// The analysis an `analysis_request` opens: its payload's id, else its envelope's, else one derived
    /// from its event id. Every agent and hos-run name an analysis by this rule.
    public var requestAnalysisID: String {
        payload["analysis_id"]?.stringValue ?? analysisID ?? "a-" + StableHash.hex(StableHash.of(eventID))
    }
}
