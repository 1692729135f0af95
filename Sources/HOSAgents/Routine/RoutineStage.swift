// hos-routine as a stage: buffers each user's inputs until the barrier, then writes routine_plan.

import HOSCore

/// Reads records, profiles, behaviour analyses and memory contexts; writes one `routine_plan` per user barrier.
public struct RoutineStage: Stage {
    public static let agent = "hos-routine"
    public let explain: Bool
    /// Explanations of the plan's items (`--llm`): called at the barrier; nil leaves the output as it always was.
    public let narrator: (any Narrator)?
    var users: [String: UserState] = [:]

    /// What the stage holds of one user between barriers.
    struct UserState {
        var days = UserDays()
        var profile: UserProfile?
        var analysis: BehaviorAnalysisPayload?
        var memory: MemoryContextView?
        var archetype: String?
    }

    public init(explain: Bool = false, narrator: (any Narrator)? = nil) {
        self.explain = explain
        self.narrator = narrator
    }

    public var consumes: Set<String> {
        [EventType.healthRecord, EventType.userProfile, EventType.behaviorAnalysis, EventType.memoryContext]
    }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        var state = users.removeValue(forKey: event.userID) ?? UserState()
        switch event.eventType {
        case EventType.healthRecord: state.days.add(try event.healthRecord())
        case EventType.userProfile: state.profile = try UserProfile(payload: event.payload)
        // One that cannot be read is passed over, as hos-nutrition does: the plan falls back to the records.
        case EventType.behaviorAnalysis:
            if let a = try? BehaviorAnalysisPayload(payload: event.payload) { state.analysis = a }
        case EventType.memoryContext: state.memory = MemoryContextView(payload: event.payload)
        default: break
        }
        if let a = event.archetype { state.archetype = a }
        users[event.userID] = state
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        // The user's state goes with the barrier: memory holds one user's inputs at a time.
        let state = users.removeValue(forKey: request.userID) ?? UserState()
        let archetype = resolveArchetype(request: request, seen: state.archetype, agent: Self.agent)
        let input = RoutineInput(
            user: request.userID, analysisID: analysisID(of: request), archetype: archetype,
            request: requestPayload(request), days: state.days, profile: state.profile, analysis: state.analysis,
            memory: state.memory, requestDay: AnalysisDay.requestDay(request))
        let plan = RoutinePlanner(explain: explain).plan(input).contract(explain: explain)
        var payload = plan.payload
        if let narrator, !plan.items.isEmpty {
            let items = plan.items
            let result = narrator.narrate(
                NarrationRequest(
                    agent: Self.agent, user: request.userID, archetype: archetype.name,
                    facts: NarrationFacts.routine(plan), items: items.count))
            // One explanation per item, keyed by item_id, beside the planner's own `why`.
            NarrationMark.apply(result, to: &payload) { r in
                guard case .items(let list) = r, list.count == items.count else { return nil }
                var words: [String: JSON] = [:]
                for (item, text) in zip(items, list) { words[item.itemID] = .string(text) }
                return .object(words)
            }
        }
        try emit(
            resultEvent(
                type: EventType.routinePlan, agent: Self.agent, request: request,
                archetype: archetype, payload: payload))
    }

    public mutating func discard(user: String) { users[user] = nil }
}
