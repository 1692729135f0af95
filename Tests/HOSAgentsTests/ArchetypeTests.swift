// One user's data under all six archetypes, through behaviour, nutrition and routine in turn:
// the differences that the docs (hos-events(7), ARCHETYPES; the agents' man pages) promise.

import HOSCore
import HOSImport
import Testing

@testable import HOSAgents

/// Runs the three stages in order, as a pipe would, over the events; returns every event written.
func chain(_ events: [Event]) throws -> [Event] {
    func run<S: Stage>(_ stage: S, _ input: [Event]) throws -> [Event] {
        var stage = stage
        var out: [Event] = []
        for e in input {
            if e.eventType == EventType.analysisRequest {
                try stage.barrier(e) { out.append($0) }
            } else if stage.consumes.contains(e.eventType) {
                try stage.process(e) { out.append($0) }
            }
            out.append(e)
        }
        return out
    }
    return try run(RoutineStage(), run(NutritionStage(), run(BehaviorStage(), events)))
}

@Suite struct ArchetypeTests {
    /// The same Foundation Builder persona's 45 days, analysed as each archetype in turn.
    func results(as archetype: Archetype) throws -> (behavior: Event, nutrition: Event, routine: Event) {
        let synth = SyntheticUsers(
            options: SynthOptions(
                users: 4, days: 45, archetype: .foundationBuilder,
                start: LocalDate("2026-03-02")!, seed: 21))
        var events = synth.events(forUser: 3).map { e -> Event in
            var e = e
            e.archetype = nil
            return e
        }
        events.append(
            AnalysisRequest.event(
                user: synth.userID(3), archetype: archetype, asOf: LocalDate("2026-04-15")!,
                windowDays: 30, source: "test"))
        let out = try chain(events)
        func one(_ type: String) throws -> Event { try #require(out.first { $0.eventType == type }) }
        return try (one(EventType.behaviorAnalysis), one(EventType.nutritionPlan), one(EventType.routinePlan))
    }

    @Test func theSameDataGivesVisiblyDifferentResults() throws {
        var energy: [Archetype: Double] = [:]
        var goals: [Archetype: String] = [:]
        var stepsTargets: [Archetype: Double] = [:]
        var itemCounts: [Archetype: Int] = [:]
        var difficulties: [Archetype: Int] = [:]
        var titles: [Archetype: [String]] = [:]
        var meals: [Archetype: Int] = [:]
        for a in Archetype.allCases {
            let r = try results(as: a)
            #expect(r.behavior.archetype == a.name && r.nutrition.archetype == a.name && r.routine.archetype == a.name)
            stepsTargets[a] = r.behavior.payload["consistency"]?["steps"]?["target"]?.doubleValue
            energy[a] = r.nutrition.payload["energy_kcal"]?.doubleValue
            goals[a] = r.nutrition.payload["goal"]?.stringValue
            meals[a] = r.nutrition.payload["meals"]?.arrayValue?.count
            let items = r.routine.payload["items"]?.arrayValue ?? []
            itemCounts[a] = items.count
            difficulties[a] = r.routine.payload["difficulty"]?.doubleValue.map { Int($0) }
            titles[a] = items.compactMap { $0["title"]?.stringValue }
        }
        // Behaviour: each archetype's own step target (ArchetypePolicy).
        #expect(Set(stepsTargets.values).count == 6)
        // Nutrition: the goal of the archetype sets the energy: deficit < maintenance < performance.
        #expect(goals[.transformationSeeker] == "deficit" && goals[.peakPerformer] == "performance")
        #expect(goals[.foundationBuilder] == "maintenance")
        #expect(energy[.transformationSeeker]! < energy[.foundationBuilder]!)
        #expect(energy[.foundationBuilder]! < energy[.peakPerformer]!)
        #expect(meals[.peakPerformer]! > meals[.foundationBuilder]!, "a fourth eating occasion for performance")
        // Routine: daily load (hos-events(7), ARCHETYPES) plus the sleep item, and the archetype's starting difficulty.
        for a in Archetype.allCases {
            #expect(itemCounts[a] == a.dailyLoad + 1, "\(a.name)")
            #expect(difficulties[a]! <= ArchetypePolicy.of(a).baseDifficulty, "\(a.name)")
        }
        #expect(difficulties[.peakPerformer]! > difficulties[.resilienceRebuilder]!)
        // Tone: no two archetypes share their plan's wording.
        #expect(Set(titles.values.map { $0.joined(separator: "|") }).count == 6)
    }

    @Test func memoryContextChangesThePlans() throws {
        let synth = SyntheticUsers(
            options: SynthOptions(
                users: 1, days: 30, archetype: .systematicImprover,
                start: LocalDate("2026-03-02")!, seed: 4))
        let user = synth.userID(0)
        let request = AnalysisRequest.event(
            user: user, archetype: nil, asOf: LocalDate("2026-03-31")!, windowDays: 30, source: "t")
        let plain = try chain(synth.events(forUser: 0) + [request])
        let memory = Event(
            id: "m", type: EventType.memoryContext, user: user, timestamp: "2026-03-31T12:00:00Z",
            payload: [
                "long_term": ["preferences": ["dietary_pattern": ["value": "vegan"]]],
                "adaptation_state": ["difficulty": 5, "variants": ["exercise_time": "evening"]],
            ])
        let remembered = try chain(synth.events(forUser: 0) + [memory, request])
        func routine(_ events: [Event]) -> [String: JSON] {
            events.first { $0.eventType == EventType.routinePlan }!.payload
        }
        func nutrition(_ events: [Event]) -> [String: JSON] {
            events.first { $0.eventType == EventType.nutritionPlan }!.payload
        }
        #expect(routine(plain)["difficulty"] != routine(remembered)["difficulty"])
        #expect(routine(remembered)["difficulty"] == 5)
        let exercise = routine(remembered)["items"]?.arrayValue?.first { $0["category"] == "exercise" }
        #expect(exercise?["variant"]?["exercise_time"] == "evening")
        #expect(nutrition(remembered)["dietary"]?["pattern"] == "vegan")
        #expect(nutrition(plain)["dietary"]?["pattern"] != "vegan" || nutrition(plain) != nutrition(remembered))
    }
}

@Suite struct PlanAgreementTests {
    /// Regression: nutrition places meals inside the day that hos-routine plans.
    @Test func nutritionAndRoutineAgreeOnTheDay() throws {
        let synth = SyntheticUsers(
            options: SynthOptions(
                users: 60, days: 30, archetype: nil,
                start: LocalDate("2026-01-05")!, seed: 17, request: true))
        for i in 0..<60 {
            let out = try chain(synth.events(forUser: i))
            let n = try #require(out.first { $0.eventType == EventType.nutritionPlan }?.payload)
            let r = try #require(out.first { $0.eventType == EventType.routinePlan }?.payload)
            #expect(n["waking_window"]?["wake"] == r["wake"], "\(synth.userID(i))")
            #expect(n["waking_window"]?["bedtime"] == r["bedtime"], "\(synth.userID(i))")
            #expect(n["difficulty"] == r["difficulty"], "\(synth.userID(i)): one difficulty rule (finding 12)")
            let wake = ClockTime(r["wake"]!.stringValue!)!.minutes
            let lightsOut = ClockTime(r["bedtime"]!.stringValue!)!.minutes
            let day = (lightsOut - wake + 1440) % 1440
            let last = ClockTime((n["meals"]?.arrayValue?.last?["time"]?.stringValue)!)!.minutes
            #expect(day - (last - wake + 1440) % 1440 >= 150, "\(synth.userID(i)): the last meal keeps 2.5 h at least")
        }
    }
}
