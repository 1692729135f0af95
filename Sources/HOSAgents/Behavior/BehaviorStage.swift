// hos-behavior as a stage: buffers each user's records until the barrier, then writes behavior_analysis.

import HOSCore

/// Reads `health_record` events and writes one `behavior_analysis` per user barrier.
public struct BehaviorStage: Stage {
    public static let agent = "hos-behavior"
    public let explain: Bool
    /// Words for the analysis (`--llm`): called at the barrier; nil leaves the output as it always was.
    public let narrator: (any Narrator)?
    var users: [String: (days: UserDays, archetype: String?)] = [:]

    public init(explain: Bool = false, narrator: (any Narrator)? = nil) {
        self.explain = explain
        self.narrator = narrator
    }

    public var consumes: Set<String> { [EventType.healthRecord] }

    public mutating func process(_ event: Event, emit: (Event) throws -> Void) throws {
        let record = try event.healthRecord()
        users[event.userID, default: (UserDays(), nil)].days.add(record)
        if let a = event.archetype { users[event.userID]!.archetype = a }
    }

    public mutating func barrier(_ request: Event, emit: (Event) throws -> Void) throws {
        // The user's state goes with the barrier: memory holds one user's window at a time.
        let state = users.removeValue(forKey: request.userID) ?? (UserDays(), nil)
        let archetype = resolveArchetype(request: request, seen: state.archetype, agent: Self.agent)
        let ask = requestPayload(request)
        let analysis = BehaviorAnalyzer(archetype: archetype, explain: explain)
            .analyze(
                state.days, request: ask,
                asOf: AnalysisDay.of(
                    requested: ask.asOf, latestRecord: state.days.latest, requestDay: AnalysisDay.requestDay(request)))
        var payload = analysis.payload
        if let narrator {
            let result = narrator.narrate(
                NarrationRequest(
                    agent: Self.agent, user: request.userID, archetype: archetype.name,
                    facts: NarrationFacts.behavior(analysis)))
            NarrationFacts.markText(result, &payload)
        }
        try emit(
            resultEvent(
                type: EventType.behaviorAnalysis, agent: Self.agent, request: request,
                archetype: archetype, payload: payload))
    }

    public mutating func discard(user: String) { users[user] = nil }
}
