// hos-nutrition as a stage: buffers each user's profile, records, analysis and memory until the barrier,
// then writes nutrition_plan.

import HOSCore

/// Reads `user_profile`, `health_record`, `behavior_analysis` and `memory_context`; writes one `nutrition_plan`
/// per user barrier.
public struct NutritionStage: Stage {
    public static let agent = "hos-nutrition"
    public let explain: Bool

    struct UserState {
        var input = NutritionInput()
        /// The analysis behind `input.behavior`, for the routine day.
        var analysis: BehaviorAnalysisPayload?
        var archetype: String?
    }

    var users: [String: UserState] = [:]

    public init(explain: Bool = false) { self.explain = explain }

    public var consumes: Set<String> {
        [EventType.userProfile, EventType.healthRecord, EventType.behaviorAnalysis, EventType.memoryContext]
    }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        var state = users.removeValue(forKey: event.userID) ?? UserState()
        switch event.eventType {
        case EventType.healthRecord:
            state.input.days.add(try event.healthRecord())
        case EventType.userProfile:
            state.input.profile = try UserProfile(payload: event.payload)
        case EventType.behaviorAnalysis:
            // One that cannot be used is passed over: the plan falls back to the records.
            if let analysis = try? BehaviorAnalysisPayload(payload: event.payload), let view = BehaviorView(analysis) {
                state.input.behavior = view
                state.analysis = analysis
            }
        case EventType.memoryContext:
            let view = MemoryContextView(payload: event.payload)
            if view != MemoryContextView() { state.input.memory = view }
        default:
            break
        }
        if let a = event.archetype { state.archetype = a }
        users[event.userID] = state
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        // The user's state goes with the barrier: memory holds one user's window at a time.
        let state = users.removeValue(forKey: request.userID) ?? UserState()
        let archetype = resolveArchetype(request: request, seen: state.archetype, agent: Self.agent)
        let id = analysisID(of: request)
        let planID = "np-" + StableHash.hex(StableHash.of(request.userID, id))
        // Meals go inside the day hos-routine plans from the same inputs: its wake and lights-out.
        var input = state.input
        let routine = RoutineInput(
            user: request.userID, analysisID: id, archetype: archetype, request: requestPayload(request),
            days: input.days, profile: input.profile, analysis: state.analysis, memory: input.memory,
            requestDay: AnalysisDay.requestDay(request))
        input.routineDay = RoutinePlanner.wakingDay(routine)
        let plan = NutritionPlanner(archetype: archetype).plan(
            input, request: routine.request, planID: planID, day: RoutinePlanner.day(routine).asOf)
        try emit(
            resultEvent(
                type: EventType.nutritionPlan, agent: Self.agent, request: request,
                archetype: archetype, payload: plan.payload(explain: explain)))
    }

    public mutating func discard(user: String) { users[user] = nil }
}
