// hos-adapt as a stage: buffers each user's plans, feedback and control events; decides at the barrier.

import HOSCore

/// What hos-adapt needs of the memory file; HOSMemory's store provides it (the command joins the two).
public protocol AdaptationMemory {
    /// Stores consumed plans and feedback as hos-memory would (idempotent by event id).
    func record(_ events: [Event]) throws
    /// The user's stored history; `resultEventID` names the adaptation this request would write.
    func history(user: String, resultEventID: String) throws -> AdaptHistory
    /// Every user's stored arms: read once per run for the pooled priors.
    func arms() throws -> [AdaptArmState]
    /// Writes the decision: the adaptation event (as hos-memory stores it), the arms and the decision log.
    func save(_ outcome: AdaptOutcome, event: Event) throws
}

/// Reads plan_feedback, routine_plan and the control events; writes one `adaptation` per user barrier.
public struct AdaptStage<Memory: AdaptationMemory>: Stage {
    public static var agent: String { "hos-adapt" }

    let memory: Memory
    let settings: AdaptSettings
    /// The oracle policy's truth, by user.
    let truth: [String: OracleTruth]
    var users: [String: Window] = [:]
    var pool: AdaptPool?

    struct Window {
        var events: [Event] = []
        var feedback: [AdaptFeedback] = []
        var plans: [WindowPlan] = []
        var controls: [AdaptControl] = []
        var archetype: String?
    }

    public init(memory: Memory, settings: AdaptSettings, truth: [String: OracleTruth] = [:]) {
        self.memory = memory
        self.settings = settings
        self.truth = truth
    }

    public var consumes: Set<String> {
        AdaptEvents.controls.union([EventType.planFeedback, EventType.routinePlan])
    }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        var w = users.removeValue(forKey: event.userID) ?? Window()
        defer { users[event.userID] = w }
        switch event.eventType {
        case EventType.planFeedback:
            let f = try PlanFeedback(payload: event.payload)
            w.feedback.append(AdaptFeedback(f))
            w.events.append(event)
        case EventType.routinePlan:
            w.plans.append(try WindowPlan(payload: event.payload))
            w.events.append(event)
        default:
            if let c = try AdaptControl.parse(event) { w.controls.append(c) }
        }
        if let a = event.archetype { w.archetype = a }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        let w = users.removeValue(forKey: request.userID) ?? Window()
        try memory.record(w.events)
        let resultID = EventID.derive(Self.agent, EventType.adaptation, request.eventID)
        let history = try memory.history(user: request.userID, resultEventID: resultID)
        // An archetype nobody states is the one hos-adapt last decided with, not a switch to the default.
        let archetype = resolveArchetype(
            request: request, seen: w.archetype ?? history.arms.compactMap(\.archetype).first, agent: Self.agent)
        if var stored = history.previousAnswer {
            // This request was answered before: the decision stands, and the answer says it is a replay.
            stored["replayed"] = .bool(true)
            try emit(
                resultEvent(
                    type: EventType.adaptation, agent: Self.agent, request: request, archetype: archetype,
                    payload: stored))
            return
        }
        if settings.policy == .oracle, truth[request.userID] == nil {
            throw HOSError.config("user \(printable(request.userID)) is not in the --truth file")
        }
        // The pool is what the file held when the run's first decision was made, so that no user's
        // decision depends on the order of the others in the input.
        if pool == nil { pool = AdaptPool(rows: try memory.arms()) }
        let input = AdaptInput(
            user: request.userID, archetype: archetype, analysisID: analysisID(of: request),
            requestID: request.eventID, timestamp: request.timestamp, history: history,
            windowFeedback: w.feedback, windowPlans: w.plans, controls: w.controls,
            truth: truth[request.userID])
        let outcome = AdaptEngine(settings: settings).decide(input, pool: pool!)
        let event = resultEvent(
            type: EventType.adaptation, agent: Self.agent, request: request, archetype: archetype,
            payload: outcome.payload.payload)
        try memory.save(outcome, event: event)
        try emit(event)
    }

    public mutating func discard(user: String) { users[user] = nil }
}
