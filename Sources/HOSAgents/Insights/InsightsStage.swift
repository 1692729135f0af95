// hos-insights as a stage: buffers each user's inputs until the barrier (or a generate_insights event), then
// writes insight events; answers insight_validation by re-checking an earlier insight against the data.

import HOSCore

/// Reads records, behaviour analyses, memory contexts, routine plans, insights and insight feedback; writes
/// `insight` events at each user barrier and on the control events `generate_insights` and `insight_validation`.
public struct InsightsStage: Stage {
    public static let agent = "hos-insights"
    public static let generate = "generate_insights"
    public static let validation = "insight_validation"

    public let options: InsightOptions
    /// Rewording of each barrier's insights in one call (`--llm`); nil leaves the output as it always was.
    public var narrator: (any Narrator)?
    /// Called with every analysis' correlation tests (user, analysis id, tests), for `--tests`.
    public var onTests: ((String, String, [CorrelationTest]) throws -> Void)?
    var users: [String: UserState] = [:]

    struct UserState {
        var days = UserDays()
        var analysis: BehaviorAnalysisPayload?
        var memory: InsightMemory?
        var routine: RoutinePlanPayload?
        var feedback: [String: Bool] = [:]
        /// Insights in the stream (an earlier run's output fed back, or this run's generate_insights).
        var seen: [String: (subject: String, direction: String)] = [:]
        var given: Set<String> = []
        var archetype: String?
        /// Coach alerts in the stream (an earlier run's output fed back): open ones by rule.
        var alerts: [String: OpenAlert?] = [:]
    }

    private static let consumed: Set<String> = [
        EventType.healthRecord, EventType.behaviorAnalysis, EventType.memoryContext, EventType.routinePlan,
        EventType.insight, EventType.insightFeedback, EventType.alert, generate, validation,
    ]

    public init(options: InsightOptions = InsightOptions()) { self.options = options }

    public var consumes: Set<String> { Self.consumed }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        var state = users.removeValue(forKey: event.userID) ?? UserState()
        defer { users[event.userID] = state }
        if let a = event.archetype, event.eventType != EventType.insight { state.archetype = a }
        switch event.eventType {
        case EventType.healthRecord: state.days.add(try event.healthRecord())
        case EventType.behaviorAnalysis:
            // One that cannot be read is passed over: the insights come from the records.
            if let a = try? BehaviorAnalysisPayload(payload: event.payload) { state.analysis = a }
        case EventType.memoryContext: state.memory = InsightMemory(payload: event.payload)
        case EventType.routinePlan:
            // One that cannot be read is passed over: actions then name no plan time.
            if let r = try? RoutinePlanPayload(payload: event.payload) { state.routine = r }
        case EventType.insightFeedback:
            if let id = event.payload["insight_id"]?.stringValue, let useful = event.payload["useful"]?.boolValue {
                state.feedback[id] = useful
            }
        case EventType.insight:
            // An earlier run's insight fed back: one that cannot be read names nothing.
            if let i = try? InsightPayload(payload: event.payload), !i.insightID.isEmpty {
                state.given.insert(i.insightID)
                if let s = i.subject { state.seen[i.insightID] = (s, i.direction ?? "") }
            }
        case EventType.alert:
            // Checked by the runtime on the way in; a closed one ends the rule's open alert.
            if let a = try? AlertPayload(payload: event.payload) { state.alerts[a.rule] = .some(OpenAlert(a)) }
        case Self.generate:
            let control = try ControlPayload(event.payload, needsIDs: false)
            var options = self.options
            if let m = control.max { options.maxInsights = m }
            let input = self.input(for: event, state: state, request: control.request)
            let result = InsightEngine(options: options).run(input, kinds: control.kinds)
            try report(result, trigger: event, input: input)
            for i in result.insights {
                let id = i.id(user: event.userID)
                state.given.insert(id)
                state.seen[id] = (i.subject, i.direction)
                try emit(insightEvent(i, trigger: event, input: input, rank: nil))
            }
        case Self.validation:
            let control = try ControlPayload(event.payload, needsIDs: true)
            let input = self.input(for: event, state: state, request: control.request)
            for id in control.ids {
                let known =
                    control.subject.map { ($0, control.direction ?? "") } ?? state.seen[id]
                    ?? state.memory?.subjectOfID[id].map { s in (s, state.memory?.subjects[s]?.direction ?? "") }
                guard let (subject, direction) = known else {
                    try emit(unknownInsight(id, trigger: event))
                    continue
                }
                let v = InsightEngine(options: options).validate(input, subject: subject, direction: direction)
                try emit(
                    validationEvent(v, of: id, subject: subject, direction: direction, trigger: event, input: input))
            }
        default: break
        }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        // The user's state goes with the barrier: memory holds one user's inputs at a time.
        let state = users.removeValue(forKey: request.userID) ?? UserState()
        let input = self.input(for: request, state: state, request: requestPayload(request))
        for a in alerts(input, state: state) { try emit(alertEvent(a, trigger: request, input: input)) }
        guard !options.alertsOnly else { return }
        let result = InsightEngine(options: options).run(input)
        try report(result, trigger: request, input: input)
        var events = result.insights.enumerated().map { rank, i in
            insightEvent(i, trigger: request, input: input, rank: rank + 1)
        }
        if let narrator, !events.isEmpty {
            let words = narrator.narrate(
                NarrationRequest(
                    agent: Self.agent, user: request.userID, archetype: input.archetype.name,
                    facts: NarrationFacts.insights(events.map(\.payload)),
                    items: events.count))
            for k in events.indices {
                NarrationFacts.markItem(words, index: k, count: events.count, &events[k].payload)
            }
        }
        for e in events { try emit(e) }
    }

    public mutating func discard(user: String) { users[user] = nil }

    func report(_ result: InsightResult, trigger: Event, input: InsightInput) throws {
        try onTests?(input.user, analysisID(of: trigger), result.tests)
    }

    /// The engine's input, as_of by `AnalysisDay`'s rule.
    func input(for event: Event, state: UserState, request: AnalysisRequest) -> InsightInput {
        let archetype = resolveArchetype(request: event, seen: state.archetype, agent: Self.agent)
        let asOf = AnalysisDay.of(
            requested: request.asOf, latestRecord: state.days.latest, analysis: state.analysis?.asOf,
            requestDay: AnalysisDay.requestDay(event))
        return InsightInput(
            user: event.userID, archetype: archetype, asOf: asOf, windowDays: request.windowDays,
            days: state.days, analysis: state.analysis, memory: state.memory ?? InsightMemory(),
            routine: state.routine, streamFeedback: state.feedback, streamSubjects: state.seen,
            given: state.given)
    }

    func insightEvent(_ i: Insight, trigger: Event, input: InsightInput, rank: Int?) -> Event {
        let id = i.id(user: input.user)
        func r(_ v: Double, _ places: Int) -> Double { JSON.rounded(v, places: places) }
        var p = InsightPayload()
        (p.insightID, p.kind, p.subject, p.direction) = (id, i.kind, i.subject, i.direction)
        (p.title, p.detail, p.action, p.evidence) = (i.title, i.detail, i.action, i.evidence)
        p.confidence = r(i.confidence, 2)
        p.confidenceParts = ConfidenceParts(
            evidence: r(i.strength, 3), sample: r(i.sample, 3), size: r(i.size, 3), agreement: i.agreement)
        (p.priority, p.metrics, p.status) = (.number(Double(i.priority)), i.metrics, i.status)
        (p.asOf, p.rank, p.previous) = (input.asOf, rank, i.previous)
        return Event(
            id: EventID.derive(Self.agent, EventType.insight, trigger.eventID, id), type: EventType.insight,
            user: input.user, timestamp: trigger.timestamp, source: Self.agent, archetype: input.archetype.name,
            analysisID: analysisID(of: trigger), payload: p.payload)
    }

    /// The coach alerts at the barrier, against the open alerts of memory and then of the stream.
    func alerts(_ input: InsightInput, state: UserState) -> [AlertPayload] {
        var open = input.memory.openAlerts
        for (rule, a) in state.alerts { open[rule] = a }
        return AlertEngine(options: options.alerts).alerts(input, open: open)
    }

    func alertEvent(_ a: AlertPayload, trigger: Event, input: InsightInput) -> Event {
        Event(
            id: EventID.derive(Self.agent, EventType.alert, trigger.eventID, a.alertID, a.status),
            type: EventType.alert, user: input.user, timestamp: trigger.timestamp, source: Self.agent,
            archetype: input.archetype.name, analysisID: analysisID(of: trigger), payload: a.payload)
    }

    func validationEvent(
        _ v: InsightValidation, of original: String, subject: String, direction: String,
        trigger: Event, input: InsightInput
    ) -> Event {
        let kind = String(subject.prefix { $0 != ":" })
        let id =
            "ins-" + StableHash.hex(StableHash.of("validation", input.user, original, v.status, input.asOf.description))
        var validation: [String: JSON] = [
            "insight_id": .string(original), "status": .string(v.status),
            "subject": .string(subject), "as_of": .string(input.asOf.description),
        ]
        if !direction.isEmpty { validation["direction_before"] = .string(direction) }
        if let now = v.insight?.direction { validation["direction_now"] = .string(now) }
        let statusWords =
            [
                "confirmed": "Still holds", "reversed": "Reversed", "not_confirmed": "No longer supported",
                "insufficient_data": "Cannot be checked yet",
            ][v.status] ?? v.status
        var p = InsightPayload()
        (p.insightID, p.kind) = (id, InsightRules.kinds.contains(kind) ? kind : "correlation")
        (p.validation, p.evidence) = (validation, v.insight?.evidence ?? v.evidence)
        (p.metrics, p.asOf) = (v.insight?.metrics ?? [], input.asOf)
        if let i = v.insight {
            (p.title, p.detail, p.action) = ("\(statusWords): \(i.title)", i.detail, i.action)
            (p.confidence, p.priority) = (JSON.rounded(i.confidence, places: 2), .number(Double(i.priority)))
        } else {
            (p.title, p.detail) = ("\(statusWords): earlier insight \(original)", v.reason)
            p.action = "No action: keep logging, and it will be checked again."
            (p.confidence, p.priority) = (0, .number(1))
        }
        return Event(
            id: EventID.derive(Self.agent, EventType.insight, trigger.eventID, id), type: EventType.insight,
            user: input.user, timestamp: trigger.timestamp, source: Self.agent, archetype: input.archetype.name,
            analysisID: analysisID(of: trigger), payload: p.payload)
    }

    func unknownInsight(_ id: String, trigger: Event) -> Event {
        Event(
            id: EventID.derive(Self.agent, EventType.agentError, trigger.eventID, id), type: EventType.agentError,
            user: trigger.userID, timestamp: trigger.timestamp, source: Self.agent, analysisID: analysisID(of: trigger),
            payload: [
                "agent": .string(Self.agent), "code": "unknown_insight", "event_id": .string(trigger.eventID),
                "message": .string(
                    "insight_validation: insight \(printable(id)) is not known for this user "
                        + "(not in its memory_context or earlier in the stream, and the event names no subject)"),
            ])
    }
}

/// The payload of a control event: which insights, kinds, window and as_of.
struct ControlPayload {
    var ids: [String] = []
    var subject: String?
    var direction: String?
    var kinds: Set<String>?
    var max: Int?
    var request: AnalysisRequest

    init(_ p: [String: JSON], needsIDs: Bool) throws(EventProblem) {
        // window_days and as_of as an analysis_request has them, checked the same way.
        var r: [String: JSON] = [:]
        for key in ["window_days", "as_of", "analysis_id"] { r[key] = p[key] }
        request = try AnalysisRequest(payload: r)
        switch p["insight_ids"] {
        case nil, .null?: break
        case .array(let a)?:
            for v in a {
                guard let s = v.stringValue, !s.isEmpty else {
                    throw EventProblem("payload.insight_ids must hold strings")
                }
                ids.append(s)
            }
        case _?: throw EventProblem("payload.insight_ids must be an array of strings")
        }
        switch p["insight_id"] {
        case nil, .null?: break
        case .string(let s)? where !s.isEmpty: ids.insert(s, at: 0)
        case _?: throw EventProblem("payload.insight_id must be a non-empty string")
        }
        if needsIDs, ids.isEmpty { throw EventProblem("missing payload.insight_id") }
        subject = p["subject"]?.stringValue
        direction = p["direction"]?.stringValue
        switch p["kinds"] {
        case nil, .null?: kinds = nil
        case .array(let a)?:
            var k: Set<String> = []
            for v in a {
                guard let s = v.stringValue, InsightRules.kinds.contains(s) else {
                    throw EventProblem(
                        "payload.kinds must hold kinds of insight: \(InsightRules.kinds.joined(separator: ", "))")
                }
                k.insert(s)
            }
            kinds = k
        case _?: throw EventProblem("payload.kinds must be an array")
        }
        switch p["max"] {
        case nil, .null?: max = nil
        case .number(let n)? where n == n.rounded() && n >= 0 && n <= 1000: max = Int(n)
        case _?: throw EventProblem("payload.max must be a whole number from 0 to 1000")
        }
    }
}
