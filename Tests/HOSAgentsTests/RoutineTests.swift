// hos-routine's planner and stage: the promises of hos-routine(1), on synthetic and hand-made users.

import HOSCore
import HOSImport
import Testing

@testable import HOSAgents

/// One synthetic user's events (profile, records, request).
private func syntheticEvents(index: Int, seed: UInt64 = 42, days: Int = 30) -> [Event] {
    let options = SynthOptions(
        users: index + 1, days: days, archetype: nil, start: LocalDate("2026-01-05")!,
        seed: seed, request: true)
    return SyntheticUsers(options: options).events(forUser: index)
}

/// The planner's input for a user's events, analysed by hos-behavior's analyzer under `archetype`.
private func routineInput(_ events: [Event], archetype: Archetype? = nil, memory: MemoryContextView? = nil)
    -> RoutineInput
{
    var days = UserDays()
    var profile: UserProfile?
    var request: Event?
    for e in events {
        switch e.eventType {
        case EventType.healthRecord: days.add(try! HealthRecord(payload: e.payload))
        case EventType.userProfile: profile = try! UserProfile(payload: e.payload)
        case EventType.analysisRequest: request = e
        default: break
        }
    }
    let r = request!
    var payload = requestPayload(r)
    let a = archetype ?? resolveArchetype(request: r, seen: nil, agent: "hos-routine")
    payload.archetype = a
    let analysis = BehaviorAnalyzer(archetype: a, explain: false)
        .analyze(
            days, request: payload,
            asOf: AnalysisDay.of(requested: payload.asOf, latestRecord: days.latest, requestDay: nil))
    return RoutineInput(
        user: r.userID, analysisID: analysisID(of: r), archetype: a, request: payload, days: days,
        profile: profile, analysis: analysis, memory: memory)
}

/// A hand-made user: `n` days of identical sleep, ending 2026-03-14.
private func handMadeInput(
    archetype: Archetype, sleepStart: String, sleepEnd: String, sleepMin: Double,
    n: Int = 14, readiness: JSON? = nil, memory: MemoryContextView? = nil
) -> RoutineInput {
    var days = UserDays()
    let end = LocalDate("2026-03-14")!
    for i in 0..<n {
        days.add(
            HealthRecord(
                date: end.adding(days: -i),
                metrics: [
                    "sleep_start": .clock(ClockTime(sleepStart)!), "sleep_end": .clock(ClockTime(sleepEnd)!),
                    "sleep_duration_min": .number(sleepMin),
                ]))
    }
    let request = AnalysisRequest(analysisID: "a-hand", archetype: archetype, asOf: end)
    var analysis = BehaviorAnalyzer(archetype: archetype, explain: false).analyze(days, request: request, asOf: end)
    if let readiness { analysis.readiness = readinessOf(readiness) }
    return RoutineInput(
        user: "u-hand", analysisID: "a-hand", archetype: archetype, request: request, days: days,
        analysis: analysis, memory: memory)
}

private func memory(difficulty: Int? = nil, variants: [String: String] = [:], preferences: [String: JSON] = [:])
    -> MemoryContextView
{
    var m = MemoryContextView()
    m.difficulty = difficulty
    m.variants = variants
    m.preferences = preferences
    return m
}

private func item(_ plan: RoutinePlan, _ id: String) -> RoutineItem? { plan.items.first { $0.role.rawValue == id } }

/// The invariants every plan keeps, checked on the plan and on its JSON.
private func checkInvariants(_ plan: RoutinePlan, _ archetype: Archetype, _ context: String) {
    #expect(plan.items.count == archetype.dailyLoad + 1, "item count: \(context)")
    #expect(plan.items.filter { $0.role == .sleep }.count == 1, "one sleep item: \(context)")
    #expect(Set(plan.items.map(\.role)).count == plan.items.count, "unique item ids: \(context)")
    #expect((1...5).contains(plan.difficulty), "\(context)")
    for (i, it) in plan.items.enumerated() {
        #expect(it.start >= plan.wake, "after wake: \(it.role) \(context)")
        #expect(it.end <= plan.bedtime, "before bedtime: \(it.role) \(context)")
        #expect(it.durationMin > 0 && (1...5).contains(it.intensity), "\(context)")
        #expect(it.start % 5 == 0 && it.durationMin % 5 == 0, "5-minute grid: \(context)")
        if i > 0 { #expect(plan.items[i - 1].end <= it.start, "sorted, no overlap: \(context)") }
    }
    #expect(item(plan, "sleep")?.end == plan.bedtime, "the wind-down ends at lights out: \(context)")
    #expect(plan.bedtime - plan.wake < 1440, "\(context)")
    let payload = plan.payload(explain: false)
    let items = payload["items"]!.arrayValue!
    let categories: Set<String> = ["sleep", "exercise", "mindfulness", "nutrition", "recovery", "focus"]
    for (j, it) in items.enumerated() {
        #expect(categories.contains(it["category"]!.stringValue!), "\(context)")
        #expect(it["start"]!.stringValue == ClockTime(minutes: plan.items[j].start).description, "\(context)")
        #expect(it["title"]!.stringValue!.isEmpty == false && it["why"]!.stringValue!.isEmpty == false, "\(context)")
    }
    #expect(payload["explain"] == nil)
}

@Suite struct RoutineTests {
    @Test func invariantsForEveryArchetypeOverSyntheticUsers() {
        for seed: UInt64 in [1, 2, 3] {
            for index in 0..<12 {
                let events = syntheticEvents(index: index, seed: seed)
                for a in Archetype.allCases {
                    let plan = RoutinePlanner().plan(routineInput(events, archetype: a))
                    checkInvariants(plan, a, "seed \(seed) user \(index) as \(a.name)")
                }
            }
        }
    }

    @Test func invariantsOverWakeTimesArmsAndStates() {
        // Every half hour of wake from 04:00 to 14:00, each arm, each readiness state, with and without sleep debt.
        for wake in stride(from: 240, through: 840, by: 30) {
            let end = ClockTime(minutes: wake).description
            let start = ClockTime(minutes: wake - 500).description
            for a in Archetype.allCases {
                for arm in RoutineRules.exerciseArms {
                    for state in ["recovered", "balanced", "strained"] {
                        for debt in [0.0, 8.0] {
                            let input = handMadeInput(
                                archetype: a, sleepStart: start, sleepEnd: end, sleepMin: 470, n: 3,
                                readiness: ["score": 50, "state": .string(state), "sleep_debt_hours": .number(debt)],
                                memory: memory(difficulty: 5, variants: ["exercise_time": arm]))
                            let plan = RoutinePlanner().plan(input)
                            checkInvariants(plan, a, "wake \(end) \(a.name) \(arm) \(state) debt \(debt)")
                            if debt > 0, let ex = item(plan, "exercise") {
                                #expect(ex.end <= plan.bedtime - 180, "sleep-first gap: wake \(end) \(a.name) \(arm)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func collidingSlotsAreMovedApart() {
        // Wake 10:00: the midday run (12:30) takes the focus block's slot (wake + 150 min), so focus moves after it.
        let input = handMadeInput(
            archetype: .peakPerformer, sleepStart: "01:45", sleepEnd: "10:00", sleepMin: 480,
            readiness: ["score": 60, "state": "balanced"],
            memory: memory(variants: ["exercise_time": "midday"]))
        let plan = RoutinePlanner(explain: true).plan(input)
        #expect(ClockTime(minutes: item(plan, "exercise")!.start).description == "12:30")
        #expect(ClockTime(minutes: item(plan, "focus")!.start).description == "13:30")
        #expect(plan.explain.last!.contains("focus 12:30 → 13:30"))
        checkInvariants(plan, .peakPerformer, "collision")
    }

    @Test func deterministicWithStableItemIDs() {
        let input = routineInput(syntheticEvents(index: 3))
        let a = RoutinePlanner(explain: true).payload(input)
        let b = RoutinePlanner(explain: true).payload(input)
        #expect(JSON.object(a).text == JSON.object(b).text)
        #expect(a["plan_id"]!.stringValue == "rp-" + StableHash.hex(StableHash.of(input.user, input.analysisID)))
        #expect(a["date"]!.stringValue == input.request.asOf!.adding(days: 1).description)
        // Item ids name the role, so the same role keeps its id from plan to plan, whatever the data.
        for seed: UInt64 in [5, 6, 7] {
            var input = routineInput(syntheticEvents(index: 0, seed: seed), archetype: .systematicImprover)
            input.analysis!.readiness = readinessOf(["score": 60, "state": "balanced", "sleep_debt_hours": 1])
            input.analysis!.metrics = [:]
            let ids = RoutinePlanner().plan(input).payload(explain: false)["items"]!.arrayValue!.map {
                $0["item_id"]!.stringValue!
            }
            #expect(Set(ids) == ["sleep", "exercise", "focus", "nutrition", "recovery"])
        }
    }

    @Test func sixArchetypesGiveDifferentPlansOnTheSameData() {
        let events = syntheticEvents(index: 1) // a Systematic Improver's data, planned under each archetype
        var plans: [Archetype: RoutinePlan] = [:]
        for a in Archetype.allCases { plans[a] = RoutinePlanner().plan(routineInput(events, archetype: a)) }
        for (a, plan) in plans {
            let strained = plan.basis["readiness_state"]?.stringValue == "strained"
            #expect(plan.difficulty == max(1, ArchetypePolicy.of(a).baseDifficulty - (strained ? 1 : 0)), "\(a.name)")
            #expect(plan.items.count == a.dailyLoad + 1)
            let exercise = plan.items.first { $0.variant["exercise_time"] != nil }!
            #expect(exercise.variant["exercise_time"] == RoutineRules.defaultExerciseTime(a))
            #expect(item(plan, "sleep")!.variant["sleep_shift"] == RoutineRules.defaultSleepShift(a))
        }
        #expect(Set(plans.values.map(\.difficulty)).count >= 3)
        #expect(Set(plans.values.map(\.items.count)) == [3, 4, 5, 6])
        // Titles are in each archetype's own tone: no title is shared between two archetypes.
        let titleSets = Archetype.allCases.map { Set(plans[$0]!.items.map(\.title)) }
        for i in 0..<6 { for j in (i + 1)..<6 { #expect(titleSets[i].isDisjoint(with: titleSets[j])) } }
        let exerciseStarts = Set(plans.values.map { p in p.items.first { $0.variant["exercise_time"] != nil }!.start })
        #expect(exerciseStarts.count >= 3)
        #expect(
            item(plans[.peakPerformer]!, "exercise")!.durationMin
                > item(plans[.foundationBuilder]!, "exercise")!.durationMin)
    }

    @Test func memoryVariantsChooseExerciseTime() {
        let events = syntheticEvents(index: 1)
        let base = RoutinePlanner().plan(routineInput(events))
        #expect(item(base, "exercise")!.variant["exercise_time"] == "morning") // Systematic Improver default
        #expect(item(base, "exercise")!.start == base.wake + 60)
        for (arm, clock) in [("midday", "12:30"), ("evening", "18:00")] {
            let plan = RoutinePlanner().plan(routineInput(events, memory: memory(variants: ["exercise_time": arm])))
            let ex = item(plan, "exercise")!
            #expect(ex.variant["exercise_time"] == arm)
            #expect(ClockTime(minutes: ex.start).description == clock)
        }
        // A stored preference counts when no variant is chosen; the variant wins over it.
        let pref = RoutinePlanner().plan(routineInput(events, memory: memory(preferences: ["exercise_time": "17:30"])))
        #expect(item(pref, "exercise")!.variant["exercise_time"] == "evening")
        let both = RoutinePlanner().plan(
            routineInput(
                events,
                memory: memory(
                    variants: ["exercise_time": "midday"],
                    preferences: ["exercise_time": "evening"])))
        #expect(item(both, "exercise")!.variant["exercise_time"] == "midday")
        // An unknown arm is ignored.
        let bad = RoutinePlanner().plan(routineInput(events, memory: memory(variants: ["exercise_time": "midnight"])))
        #expect(item(bad, "exercise")!.variant["exercise_time"] == "morning")
    }

    @Test func memoryVariantsChooseSleepShift() {
        // Usual bedtime 00:30; Foundation Builder target: 07:00 − 450 − 15 min = 23:15, 75 min earlier.
        func plan(_ arm: String?) -> RoutinePlan {
            RoutinePlanner().plan(
                handMadeInput(
                    archetype: .foundationBuilder, sleepStart: "00:30", sleepEnd: "07:00",
                    sleepMin: 420, memory: memory(variants: arm.map { ["sleep_shift": $0] } ?? [:])))
        }
        let gradual = plan("gradual")
        let direct = plan("direct")
        let none = plan(nil)
        #expect(ClockTime(minutes: gradual.targetBedtime).description == "23:15")
        #expect(ClockTime(minutes: gradual.bedtime).description == "00:15")
        #expect(ClockTime(minutes: direct.bedtime).description == "23:15")
        #expect(item(gradual, "sleep")!.variant == ["sleep_shift": "gradual"])
        #expect(item(direct, "sleep")!.variant == ["sleep_shift": "direct"])
        #expect(none.bedtime == gradual.bedtime) // Foundation Builder's default is gradual
        checkInvariants(gradual, .foundationBuilder, "gradual")
        checkInvariants(direct, .foundationBuilder, "direct")
        // An earlier usual bedtime is kept, whatever the arm: never a later night than the user keeps (at most 2 h).
        for (start, expected) in [("22:00", "22:00"), ("20:00", "21:15"), ("23:00", "23:15")] {
            let early = RoutinePlanner().plan(
                handMadeInput(
                    archetype: .foundationBuilder, sleepStart: start, sleepEnd: "07:00",
                    sleepMin: 430, memory: memory(variants: ["sleep_shift": "direct"])))
            #expect(ClockTime(minutes: early.bedtime).description == expected, "usual bedtime \(start)")
            #expect(ClockTime(minutes: early.targetBedtime).description == "23:15")
            checkInvariants(early, .foundationBuilder, "early \(start)")
        }
    }

    @Test func memoryDifficultyChangesIntensity() {
        let events = syntheticEvents(index: 1)
        let balanced: JSON = ["score": 60, "state": "balanced", "sleep_debt_hours": 1]
        func plan(_ d: Int?) -> RoutinePlan {
            var input = routineInput(events, memory: d.map { memory(difficulty: $0) })
            input.analysis!.readiness = readinessOf(balanced)
            return RoutinePlanner().plan(input)
        }
        let low = plan(1)
        let high = plan(5)
        let none = plan(nil)
        #expect(low.difficulty == 1 && high.difficulty == 5 && none.difficulty == 3)
        #expect(item(low, "exercise")!.intensity == 1)
        #expect(item(high, "exercise")!.intensity == 5)
        #expect(item(none, "exercise")!.intensity == 3)
        #expect(item(low, "exercise")!.durationMin < item(none, "exercise")!.durationMin)
        #expect(item(high, "exercise")!.durationMin > item(none, "exercise")!.durationMin)
        #expect(high.basis["difficulty_source"] == "memory_context")
    }

    @Test func exerciseSizeTable() {
        #expect(
            RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 4, state: "balanced", sleepFirst: false).intensity
                == 4)
        #expect(
            RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 4, state: "balanced", sleepFirst: false).duration
                == 60)
        #expect(
            RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 5, state: "recovered", sleepFirst: false).intensity
                == 5)
        #expect(
            RoutinePlanner.exerciseSize(.systematicImprover, difficulty: 3, state: "recovered", sleepFirst: false)
                .intensity == 4)
        let strained = RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 3, state: "strained", sleepFirst: false)
        #expect(strained.intensity == 2 && strained.duration == 30) // 60 min × 0.85 (one step below base) × 0.6 = 30.6
        #expect(
            RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 5, state: "recovered", sleepFirst: true).intensity
                == 3)
        #expect(
            RoutinePlanner.exerciseSize(.resilienceRebuilder, difficulty: 1, state: "strained", sleepFirst: false)
                .duration == 10)
    }

    @Test func strainedReadinessGivesALighterDay() {
        let events = syntheticEvents(index: 0) // Peak Performer
        func plan(_ state: String, score: Double, archetype: Archetype = .peakPerformer) -> RoutinePlan {
            var input = routineInput(events, archetype: archetype)
            input.analysis!.readiness = readinessOf([
                "score": .number(score), "state": .string(state), "sleep_debt_hours": 1,
            ])
            input.analysis!.metrics = [:]
            return RoutinePlanner().plan(input)
        }
        let normal = plan("balanced", score: 60)
        let strained = plan("strained", score: 35)
        #expect(strained.focus == "recovery" && normal.focus == "balanced")
        #expect(strained.difficulty == normal.difficulty - 1)
        let (e0, e1) = (item(normal, "exercise")!, item(strained, "exercise")!)
        #expect(e1.intensity <= 2 && e1.intensity < e0.intensity)
        #expect(e1.durationMin < e0.durationMin)
        #expect(item(strained, "rest") != nil && item(strained, "focus") == nil)
        #expect(item(normal, "focus") != nil && item(normal, "rest") == nil)
        checkInvariants(strained, .peakPerformer, "strained")
        // A strained Resilience Rebuilder walks instead of training.
        let rr = plan("strained", score: 30, archetype: .resilienceRebuilder)
        #expect(item(rr, "exercise") == nil)
        let walk = item(rr, "walk")!
        #expect(walk.role.category == "recovery" && walk.intensity == 1 && walk.variant["exercise_time"] != nil)
        checkInvariants(rr, .resilienceRebuilder, "strained RR")
        #expect(plan("recovered", score: 80).focus == "performance")
    }

    @Test func sleepDebtGivesASleepFirstPlan() {
        let events = syntheticEvents(index: 0)
        func plan(debt: Double, arm: String = "evening") -> RoutinePlan {
            var input = routineInput(
                events, archetype: .peakPerformer, memory: memory(variants: ["exercise_time": arm]))
            input.analysis!.readiness = readinessOf([
                "score": 55, "state": "balanced", "sleep_debt_hours": .number(debt),
            ])
            input.analysis!.metrics = [:]
            return RoutinePlanner().plan(input)
        }
        let normal = plan(debt: 2)
        let debt = plan(debt: 6.5)
        #expect(debt.focus == "sleep-first" && normal.focus == "balanced")
        #expect(item(debt, "sleep")!.durationMin == item(normal, "sleep")!.durationMin + 15)
        #expect(item(debt, "sleep")!.start < item(normal, "sleep")!.start || debt.bedtime != normal.bedtime)
        #expect(item(debt, "rest") != nil && item(debt, "focus") == nil)
        #expect(item(debt, "rest")!.role.category == "recovery")
        let ex = item(debt, "exercise")!
        #expect(ex.end <= 19 * 60 && ex.end <= debt.bedtime - 180)
        #expect(item(debt, "sleep")!.why.contains("sleep debt 6.5 h"))
        checkInvariants(debt, .peakPerformer, "sleep debt")
        // Short median sleep alone makes a sleep-first plan: 330 min against a need of 450.
        let short = RoutinePlanner().plan(
            handMadeInput(
                archetype: .foundationBuilder, sleepStart: "23:00", sleepEnd: "06:45",
                sleepMin: 330, readiness: ["score": 55, "state": "balanced"]))
        #expect(short.focus == "sleep-first")
        #expect(item(short, "rest") != nil)
        checkInvariants(short, .foundationBuilder, "short sleep")
    }

    @Test func lateChronotypeWrapsAroundMidnight() {
        // Wakes 10:30, sleeps from 02:00: Peak Performer target 10:30 − 480 − 15 min = 02:15 the next night.
        for arm in RoutineRules.exerciseArms {
            let input = handMadeInput(
                archetype: .peakPerformer, sleepStart: "02:00", sleepEnd: "10:30", sleepMin: 500,
                readiness: ["score": 60, "state": "balanced"],
                memory: memory(variants: ["exercise_time": arm]))
            let plan = RoutinePlanner(explain: true).plan(input)
            let payload = plan.payload(explain: true)
            #expect(payload["wake"] == "10:30")
            #expect(payload["bedtime"] == "02:15")
            checkInvariants(plan, .peakPerformer, "late chronotype, \(arm)")
            #expect(plan.items.last!.role == .sleep)
            #expect(payload["items"]!.arrayValue!.last!["start"] == "01:45")
            #expect(plan.bedtime > 1440)
            let ex = item(plan, "exercise")!
            #expect(ex.start >= plan.wake && ex.end <= plan.bedtime - 120)
            if arm == "morning" { #expect(ClockTime(minutes: ex.start).description == "11:30") }
            if arm == "evening" { #expect(ClockTime(minutes: ex.start).description == "18:00") }
        }
        // Later still: usual bedtime 03:30, 45 min after the 02:45 target of a Foundation Builder waking 10:30.
        let fb = RoutinePlanner().plan(
            handMadeInput(
                archetype: .foundationBuilder, sleepStart: "03:30", sleepEnd: "10:30",
                sleepMin: 400, readiness: ["score": 60, "state": "balanced"]))
        #expect(ClockTime(minutes: fb.targetBedtime).description == "02:45")
        #expect(ClockTime(minutes: fb.bedtime).description == "03:15") // gradual: 15 min earlier than 03:30
        checkInvariants(fb, .foundationBuilder, "late FB")
    }

    @Test func wakeFallbacks() {
        let request = AnalysisRequest(analysisID: "a-1", asOf: LocalDate("2026-04-01")!)
        func plan(memory m: MemoryContextView? = nil, profile: UserProfile? = nil) -> RoutinePlan {
            RoutinePlanner().plan(
                RoutineInput(
                    user: "u-1", analysisID: "a-1", archetype: .connectedExplorer,
                    request: request, profile: profile, memory: m))
        }
        #expect(ClockTime(minutes: plan().wake).description == "07:00")
        let withProfile = plan(profile: UserProfile(wakePreference: ClockTime("08:10")))
        #expect(ClockTime(minutes: withProfile.wake).description == "08:10")
        let withMemory = plan(
            memory: memory(preferences: ["wake_time": "06:30"]),
            profile: UserProfile(wakePreference: ClockTime("08:10")))
        #expect(ClockTime(minutes: withMemory.wake).description == "06:30")
        #expect(withMemory.date.description == "2026-04-02")
        for p in [plan(), withProfile, withMemory] { checkInvariants(p, .connectedExplorer, "no data") }
        // Records without an analysis: the circular median of sleep_end (05:50, 06:10, 06:20 → 06:10).
        var days = UserDays()
        for (i, end) in ["05:50", "06:10", "06:20"].enumerated() {
            days.add(
                HealthRecord(
                    date: LocalDate("2026-03-30")!.adding(days: i),
                    metrics: [
                        "sleep_end": .clock(ClockTime(end)!),
                        "sleep_latency_min": .number(25),
                    ]))
        }
        let fromRecords = RoutinePlanner().plan(
            RoutineInput(
                user: "u-1", analysisID: "a-1", archetype: .foundationBuilder,
                request: AnalysisRequest(analysisID: "a-1"), days: days))
        #expect(ClockTime(minutes: fromRecords.wake).description == "06:10")
        #expect(fromRecords.basis["sleep_latency_min"] == 25)
        #expect(ClockTime(minutes: fromRecords.targetBedtime).description == "22:15") // 06:10 − 450 − 25
        #expect(fromRecords.date.description == "2026-04-02") // after the latest record
        #expect(RoutineFormat.circularMedian([1430, 10, 20]) == 10)
    }

    @Test func stageWritesOnePlanPerBarrierAndDropsTheUser() throws {
        var behavior = BehaviorStage()
        var routine = RoutineStage(explain: true)
        var out: [Event] = []
        let memoryEvent = Event(
            id: "m1", type: EventType.memoryContext, user: "u-0002", timestamp: "2026-02-04T00:00:00Z",
            payload: ["adaptation_state": ["difficulty": 5, "variants": ["exercise_time": "evening"]]])
        for index in 0..<2 {
            var events = syntheticEvents(index: index)
            if index == 1 { events.insert(memoryEvent, at: events.count - 1) }
            for e in events {
                var produced: [Event] = []
                if e.eventType == EventType.analysisRequest {
                    try behavior.barrier(e) { produced.append($0) }
                } else if behavior.consumes.contains(e.eventType) {
                    try behavior.process(e) { produced.append($0) }
                }
                for p in produced + [e] {
                    if p.eventType == EventType.analysisRequest {
                        try routine.barrier(p) { out.append($0) }
                    } else if routine.consumes.contains(p.eventType) {
                        try routine.process(p) { out.append($0) }
                    }
                }
            }
        }
        #expect(out.count == 2)
        #expect(out.allSatisfy { $0.eventType == EventType.routinePlan && $0.sourceAgent == "hos-routine" })
        #expect(routine.users.isEmpty)
        let second = out[1]
        #expect(second.userID == "u-0002" && second.archetype == "Systematic Improver")
        #expect(second.payload["difficulty"] == 5)
        let ex = second.payload["items"]!.arrayValue!.first { $0["item_id"] == "exercise" }!
        #expect(ex["variant"]?["exercise_time"] == "evening")
        #expect(ex["start"] == "18:00")
        #expect(second.payload["explain"]?.arrayValue?.isEmpty == false)
        #expect(out[0].payload["plan_id"] != out[1].payload["plan_id"])
    }
}

/// A readiness object written as JSON, decoded as hos-routine decodes it.
private func readinessOf(_ json: JSON) -> Readiness? {
    guard case .object(let o) = json else { return nil }
    return try! Readiness(Fields(o, path: "payload.readiness"))
}

@Suite struct RoutineScheduleTests {
    @Test func aScheduleGivesOneExerciseBlockPerArmWithItsDays() throws {
        let events = syntheticEvents(index: 1)
        var m = memory(variants: ["exercise_time": "evening"])
        m.schedules = ["exercise_time": ["evening", "morning", "evening", "midday", "morning", "evening", "evening"]]
        let plan = RoutinePlanner().plan(routineInput(events, memory: m))
        let payload = try RoutinePlanPayload(payload: plan.payload(explain: false))
        let exercise = payload.items.filter { $0.variant["exercise_time"] != nil }
        // The arm with the most days keeps the id `exercise`; the others are named after their arm.
        #expect(exercise.map(\.itemID) == ["exercise-morning", "exercise-midday", "exercise"])
        let d = plan.date
        let byID = Dictionary(uniqueKeysWithValues: exercise.map { ($0.itemID, $0) })
        #expect(byID["exercise"]?.days == [0, 2, 5, 6].map { d.adding(days: $0) })
        #expect(byID["exercise-morning"]?.days == [1, 4].map { d.adding(days: $0) })
        #expect(byID["exercise-midday"]?.days == [3].map { d.adding(days: $0) })
        // Every day of the week has exactly one exercise block.
        for k in 0..<7 { #expect(exercise.filter { $0.isFor(d.adding(days: k)) }.count == 1) }
        #expect(byID["exercise"]?.variant["exercise_time"] == "evening")
        // Each sits in its own arm's slot, without overlaps.
        #expect(byID["exercise-morning"]!.start!.minutes == plan.wake + RoutineRules.morningAfterWakeMin)
        for (i, it) in plan.items.enumerated() where i > 0 { #expect(plan.items[i - 1].end <= it.start) }
        // A schedule of one arm, or one naming an unknown arm, is no schedule.
        for s in [
            Array(repeating: "midday", count: 7),
            ["evening", "noon", "evening", "evening", "evening", "evening", "evening"],
        ] {
            m.schedules = ["exercise_time": s]
            let one = RoutinePlanner().plan(routineInput(events, memory: m)).payload(explain: false)
            let items = one["items"]!.arrayValue!.filter { $0["variant"]?["exercise_time"] != nil }
            #expect(items.count == 1 && items[0]["days"] == nil)
        }
    }
}

@Suite struct RoutineLearnedTests {
    @Test func exerciseOnlyOnTheStatedAvailableDays() throws {
        let events = syntheticEvents(index: 1)
        var m = memory(variants: ["exercise_time": "evening"])
        m.preferences = ExercisePreferences(availableDays: [1, 3, 5]).preferences // Mon, Wed, Fri
        let plan = try RoutinePlanPayload(
            payload: RoutinePlanner().plan(routineInput(events, memory: m)).payload(explain: false))
        let ex = plan.items.filter { $0.variant["exercise_time"] != nil }
        #expect(ex.count == 1)
        #expect(ex[0].days?.map(\.weekday).sorted() == [1, 3, 5])
        // With a schedule, each arm keeps only its available days; an arm left without any is dropped.
        m.schedules = [
            "exercise_time": (0..<7).map { k in plan.date!.adding(days: k).weekday == 3 ? "morning" : "evening" }
        ]
        let both = try RoutinePlanPayload(
            payload: RoutinePlanner().plan(routineInput(events, memory: m)).payload(explain: false))
        let items = both.items.filter { $0.variant["exercise_time"] != nil }
        #expect(
            items.map(\.itemID) == ["exercise-morning", "exercise"]
                || items.map(\.itemID) == ["exercise", "exercise-morning"])
        #expect(items.flatMap { $0.days ?? [] }.map(\.weekday).sorted() == [1, 3, 5])
        // Every day available, or none of the plan's: every day.
        m.schedules = [:]
        m.preferences = ExercisePreferences(availableDays: [1, 2, 3, 4, 5, 6, 7]).preferences
        let all = RoutinePlanner().plan(routineInput(events, memory: m)).payload(explain: false)
        #expect(all["items"]!.arrayValue!.allSatisfy { $0["days"] == nil })
    }

    @Test func theViewReadsWhatHosAdaptLearned() throws {
        let text = """
            {"adaptation_state": {"variants": {"exercise_time": "evening"},
             "schedules": {"exercise_time": ["evening", "morning", "evening", "evening", "evening", "evening", "evening"]},
             "tolerance": {"exercise": 2, "focus": 9}, "item_actions": {"exercise": "lighter"}}}
            """
        let view = MemoryContextView(payload: try JSONParser.parse(text).objectValue!)
        #expect(view.schedules["exercise_time"]?[1] == "morning")
        // A cap outside 1–5 is passed over.
        #expect(view.tolerance == ["exercise": 2])
        #expect(view.itemActions == ["exercise": "lighter"])
    }

    @Test func toleranceCapsIntensityAndVerdictsShapeItems() {
        let events = syntheticEvents(index: 1)
        let base = RoutinePlanner().plan(routineInput(events, memory: memory(difficulty: 4)))
        let ex = item(base, "exercise")!
        #expect(ex.intensity >= 3)
        var m = memory(difficulty: 4)
        m.tolerance = ["exercise": 2]
        let capped = RoutinePlanner(explain: true).plan(routineInput(events, memory: m))
        #expect(item(capped, "exercise")!.intensity == 2)
        #expect(item(capped, "exercise")!.durationMin == ex.durationMin)
        #expect(capped.explain.contains { $0.contains("learned") })
        m.itemActions = ["exercise": "shorter"]
        let shorter = RoutinePlanner().plan(routineInput(events, memory: m))
        #expect(item(shorter, "exercise")!.durationMin < ex.durationMin)
        m.itemActions = ["exercise": "replace"]
        let replaced = RoutinePlanner().plan(routineInput(events, memory: m))
        #expect(item(replaced, "exercise")!.intensity == 1)
        #expect(item(replaced, "exercise")!.durationMin == RoutineRules.exerciseDurationRange.lowerBound)
        // An unknown action changes nothing.
        m = memory(difficulty: 4)
        m.itemActions = ["exercise": "juggle"]
        #expect(item(RoutinePlanner().plan(routineInput(events, memory: m)), "exercise") == ex)
    }
}
