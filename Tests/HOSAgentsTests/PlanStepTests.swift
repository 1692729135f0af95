// The named steps of the planners and the rule tables, each on its own, against numbers worked out by hand.

import HOSCore
import Testing

@testable import HOSAgents

private let marchEnd = LocalDate("2026-03-14")!

/// A nutrition input with only what the waking window reads.
private func wakingInput(
    behavior: BehaviorView? = nil, profile: UserProfile? = nil,
    routineDay: (wake: ClockTime, lightsOut: ClockTime)? = nil
) -> NutritionInput {
    var input = NutritionInput(profile: profile, behavior: behavior)
    input.routineDay = routineDay
    return input
}

private func window(_ input: NutritionInput, notes: inout NutritionPlanner.PlanNotes) -> NutritionPlanner.WakingWindow {
    NutritionPlanner.wakingWindow(input, window: (marchEnd.adding(days: -29), marchEnd), notes: &notes)
}

@Suite struct NutritionStepTests {
    @Test(arguments: [
        (0.0, 1.2), (14.9, 1.2), (15, 1.375), (29.9, 1.375), (30, 1.55), (59.9, 1.55), (60, 1.725),
        (89.9, 1.725), (90, 1.9), (600, 1.9),
    ])
    func activityFactorFromActiveMinutes(_ minutes: Double, _ factor: Double) {
        #expect(NutritionRules.activeMinutesActivity.factor(minutes) == factor)
    }

    @Test func activityTablesInWords() {
        #expect(
            NutritionRules.stepsActivity.words()
                == "< 5000 → 1.2, < 7500 → 1.375, < 10000 → 1.55, < 12500 → 1.725, else 1.9")
        #expect(
            NutritionRules.stepsActivity.words(NutritionPlanner.grouped)
                == "< 5,000 → 1.2, < 7,500 → 1.375, < 10,000 → 1.55, < 12,500 → 1.725, else 1.9")
        #expect(
            NutritionRules.activeMinutesActivity.words()
                == "< 15 → 1.2, < 30 → 1.375, < 60 → 1.55, < 90 → 1.725, else 1.9")
    }

    @Test func proteinPerKgByGoal() {
        #expect(NutritionRules.proteinPerKg(goal: "deficit", activityFactor: 1.2) == 1.6)
        #expect(NutritionRules.proteinPerKg(goal: "maintenance", activityFactor: 1.7249) == 1.2)
        #expect(abs(NutritionRules.proteinPerKg(goal: "performance", activityFactor: 1.725) - 2.0) < 1e-12)
        // A goal the table does not name takes maintenance's.
        #expect(NutritionRules.proteinPerKg(goal: "bulk", activityFactor: 1.2) == 1.2)
        #expect(NutritionRules.proteinWords == "maintenance 1.2, deficit 1.6, performance 1.8")
    }

    @Test func wakingWindowFromBehaviorAnalysis() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        let w = window(
            wakingInput(behavior: BehaviorView(wake: ClockTime("06:30"), bedtime: ClockTime("22:30"))),
            notes: &notes)
        #expect(
            w
                == NutritionPlanner.WakingWindow(
                    wake: ClockTime("06:30")!, bedtime: ClockTime("22:30")!, awake: 960,
                    source: "behavior_analysis"))
        #expect(notes.rationale.isEmpty)
        #expect(
            notes.explain == [
                "wake 06:30 (behavior_analysis sleep_timing.sleep_end.mean), bedtime 22:30 "
                    + "(behavior_analysis sleep_timing.sleep_start.mean)"
            ])
    }

    @Test func wakingWindowAcrossMidnight() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        let w = window(
            wakingInput(behavior: BehaviorView(wake: ClockTime("08:00"), bedtime: ClockTime("00:30"))),
            notes: &notes)
        // From 08:00 to 00:30 the next day: 16 h 30 min.
        #expect(w.awake == 990)
        #expect(w.bedtime == ClockTime("00:30"))
    }

    @Test func aWakingDayUnder8HoursBecomes16() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        let w = window(
            wakingInput(behavior: BehaviorView(wake: ClockTime("07:00"), bedtime: ClockTime("12:00"))),
            notes: &notes)
        #expect(
            w
                == NutritionPlanner.WakingWindow(
                    wake: ClockTime("07:00")!, bedtime: ClockTime("23:00")!, awake: 960,
                    source: "wake: behavior_analysis, bedtime: wake + 16 h"))
        #expect(notes.rationale.contains { $0.contains("under 8 waking hours") })
    }

    @Test func wakingWindowFromTheProfileOrTheDefault() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        let p = window(wakingInput(profile: UserProfile(wakePreference: ClockTime("06:00"))), notes: &notes)
        #expect(
            p
                == NutritionPlanner.WakingWindow(
                    wake: ClockTime("06:00")!, bedtime: ClockTime("22:00")!, awake: 960,
                    source: "wake: profile, bedtime: wake + 16 h"))
        #expect(
            notes.rationale == [
                "No sleep timing recorded: meals assume waking at 06:00 (the profile's "
                    + "wake_preference) and bedtime at 22:00."
            ])
        var none = NutritionPlanner.PlanNotes(rationale: [])
        let d = window(wakingInput(), notes: &none)
        #expect(
            d
                == NutritionPlanner.WakingWindow(
                    wake: ClockTime("07:00")!, bedtime: ClockTime("23:00")!, awake: 960,
                    source: "wake: default, bedtime: wake + 16 h"))
    }

    @Test func routinesDayWinsOverBehaviorAnalysis() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        let w = window(
            wakingInput(
                behavior: BehaviorView(wake: ClockTime("06:30"), bedtime: ClockTime("22:30")),
                routineDay: (ClockTime("05:45")!, ClockTime("21:30")!)), notes: &notes)
        // 05:45 to 21:30: 15 h 45 min.
        #expect(
            w
                == NutritionPlanner.WakingWindow(
                    wake: ClockTime("05:45")!, bedtime: ClockTime("21:30")!, awake: 945,
                    source: "routine"))
    }

    /// The first meal on the nearest 5-minute mark within 30–60 min of waking; the last rounded down.
    @Test func mealSpanOnFiveMinuteMarks() {
        func span(_ a: Archetype, wake: String) -> (Int, Int) {
            let w = NutritionPlanner.WakingWindow(
                wake: ClockTime(wake)!, bedtime: ClockTime(wake)!, awake: 960, source: "")
            let s = NutritionPlanner.mealSpan(MealStyle.of(a, goal: "maintenance"), waking: w)
            return (s.first, s.last)
        }
        // 07:00 + 45 = 07:45; bedtime 23:00 − 3 h = 20:00, 780 min after waking.
        #expect(span(.foundationBuilder, wake: "07:00") == (45, 780))
        // 07:03 + 45 = 07:48 → 07:50 (47 min); 23:03 − 3 h = 20:03 → 20:00 (777 min).
        #expect(span(.foundationBuilder, wake: "07:03") == (47, 777))
        // 07:03 + 60 = 08:03 → 08:05 is 62 min, over 60: 08:00 (57 min).
        #expect(span(.resilienceRebuilder, wake: "07:03") == (57, 777))
        // 07:02 + 30 = 07:32 → 07:30 is 28 min, under 30: 07:35 (33 min); 23:02 − 3 h → 20:00 (778 min).
        #expect(span(.systematicImprover, wake: "07:02") == (33, 778))
    }

    @Test func macrosByHand() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        // Protein 1.2 × 70 = 84 g; fat 25% × 2000 / 9 = 55.6 → 56 g; carbs (2000 − 336 − 504) / 4 = 290 g; fibre 28 g.
        #expect(
            NutritionPlanner.macros(energy: 2000, weight: 70, goal: "maintenance", factor: 1.2, notes: &notes)
                == NutritionPlanner.Macros(protein: 84, fat: 56, carbs: 290, fibre: 28))
        // 2.0 g/kg × 150 kg = 300 g leaves nothing for carbs even at 20% fat (27 g): protein is capped at
        // ⌊(1200 − 243) / 4⌋ = 239 g and carbs are (1200 − 956 − 243) / 4 = 0.25 → 0.
        var capped = NutritionPlanner.PlanNotes(rationale: [])
        #expect(
            NutritionPlanner.macros(energy: 1200, weight: 150, goal: "performance", factor: 1.9, notes: &capped)
                == NutritionPlanner.Macros(protein: 239, fat: 27, carbs: 0, fibre: 17))
        #expect(capped.rationale.first == "Protein is capped at 239 g so that fat keeps 20% of the energy.")
    }

    @Test func hydrationByHand() {
        var notes = NutritionPlanner.PlanNotes(rationale: [])
        #expect(NutritionPlanner.hydration(weight: 70, factor: 1.2, notes: &notes) == 2450)
        #expect(NutritionPlanner.hydration(weight: 70, factor: 1.549, notes: &notes) == 2450)
        #expect(NutritionPlanner.hydration(weight: 70, factor: 1.55, notes: &notes) == 2950)
        // 35 × 71.3 = 2495.5 → 2500.
        #expect(NutritionPlanner.hydration(weight: 71.3, factor: 1.2, notes: &notes) == 2500)
    }
}

/// A routine input with a hand-made analysis payload.
private func routineInput(
    _ a: Archetype = .foundationBuilder, analysis: [String: JSON] = [:],
    memory: MemoryContextView? = nil
) -> RoutineInput {
    RoutineInput(
        user: "u-step", analysisID: "a-step", archetype: a,
        request: AnalysisRequest(analysisID: "a-step", archetype: a, asOf: marchEnd),
        // As hos-routine reads it: one that does not decode is passed over.
        analysis: try? BehaviorAnalysisPayload(payload: analysis),
        memory: memory)
}

@Suite struct RoutineStepTests {
    /// Lights out for a 07:00 wake, 480 min of sleep need and 15 min latency: target 22:45 (1365 on the timeline).
    func night(_ a: Archetype = .foundationBuilder, usual: String?, arm: String? = nil) -> RoutinePlanner.Night {
        var analysis: [String: JSON] = [:]
        if let usual { analysis["sleep_timing"] = ["sleep_start": ["mean": .string(usual)]] }
        var memory = MemoryContextView()
        if let arm { memory.variants = ["sleep_shift": arm] }
        let input = routineInput(a, analysis: analysis, memory: memory)
        var notes: [String] = []
        var basis: [String: JSON] = [:]
        return RoutinePlanner.lightsOut(
            input, day: RoutinePlanner.day(input), wake: 420, need: 480,
            latency: (15, "default"), notes: &notes, basis: &basis)
    }

    @Test func lightsOutTarget() {
        #expect(night(usual: nil).target == 1365)
        #expect(night(usual: nil).bedtime == 1365)
        #expect(night(usual: nil).shiftText == "no usual bedtime recorded")
    }

    @Test func aLateUsualBedtimeMovesByTheSleepShiftArm() {
        // 23:45 is 60 min late: gradual moves 15 min earlier than it, 23:30; direct goes to the target.
        #expect(night(usual: "23:45", arm: "gradual").bedtime == 1410)
        #expect(night(usual: "23:45", arm: "direct").bedtime == 1365)
        // 03:00 is 255 min late: gradual is held to 3 h after the target, 01:45.
        #expect(night(usual: "03:00", arm: "gradual").bedtime == 1545)
    }

    @Test func anEarlyUsualBedtimeStaysUpTo2Hours() {
        // 22:30 is within 30 min of the target.
        #expect(night(usual: "22:30").bedtime == 1365)
        // 20:00 is 165 min early: kept, but at most 120 min before the target, 20:45.
        #expect(night(usual: "20:00").bedtime == 1245)
        // 21:00 is 105 min early: kept.
        #expect(night(usual: "21:00").bedtime == 1260)
    }

    @Test func readinessAndSleepDebt() {
        var basis: [String: JSON] = [:]
        func readiness(_ r: JSON, sleepBaseline: Double? = nil) -> RoutinePlanner.Readiness {
            var analysis: [String: JSON] = ["readiness": r]
            if let sleepBaseline { analysis["metrics"] = ["sleep_duration_min": ["baseline": .number(sleepBaseline)]] }
            let input = routineInput(analysis: analysis)
            return RoutinePlanner.readiness(input, day: RoutinePlanner.day(input), need: 480, basis: &basis)
        }
        let strained = readiness(["score": .number(40), "state": "strained", "sleep_debt_hours": .number(6)])
        #expect(strained.text == "readiness 40 (strained)")
        #expect(strained.strained && strained.sleepFirst)
        // 4.9 h of debt and 430 min of sleep (not under 480 − 60) are no reason to put sleep first; 410 is.
        #expect(!readiness(["state": "balanced", "sleep_debt_hours": .number(4.9)], sleepBaseline: 430).sleepFirst)
        #expect(readiness(["state": "balanced"], sleepBaseline: 410).sleepFirst)
        // An out-of-range score (an analysis that does not decode) and an unknown state are not used.
        let odd = readiness(["score": .number(150), "state": "tired"])
        #expect(odd.text == "readiness unknown" && odd.state == "unknown")
    }

    @Test func focusOfTheDay() {
        func focus(_ a: Archetype, _ state: String, debt: [String] = []) -> String {
            RoutinePlanner.focus(a, readiness: RoutinePlanner.Readiness(state: state, text: "", debtReasons: debt))
        }
        #expect(focus(.peakPerformer, "recovered", debt: ["sleep debt 6 h"]) == "sleep-first")
        #expect(focus(.peakPerformer, "strained") == "recovery")
        #expect(focus(.peakPerformer, "recovered") == "performance")
        #expect(focus(.foundationBuilder, "recovered") == "balanced")
        #expect(focus(.systematicImprover, "balanced") == "balanced")
    }

    @Test func restReplacesFocusOrTheLastItem() {
        func roles(_ a: Archetype, _ state: String) -> [RoutineRole] {
            var notes: [String] = []
            return RoutinePlanner.otherRoles(
                a, readiness: RoutinePlanner.Readiness(state: state, text: "", debtReasons: []),
                notes: &notes)
        }
        #expect(roles(.peakPerformer, "balanced") == [.focus, .recovery, .nutrition, .mindfulness])
        #expect(roles(.peakPerformer, "strained") == [.rest, .recovery, .nutrition, .mindfulness])
        // Daily load 2: one other item. Without focus, rest takes the last place, unless recovery is there.
        #expect(roles(.foundationBuilder, "strained") == [.rest])
        #expect(roles(.resilienceRebuilder, "strained") == [.recovery])
    }

    @Test func placementMovesShortensOrLeavesOut() {
        func item(_ role: RoutineRole, _ start: Int, _ minutes: Int) -> RoutineItem {
            RoutineItem(role: role, start: start, durationMin: minutes, intensity: 1, variant: [:], title: "", why: "")
        }
        var day = RoutineDay(wake: 420)
        day.place(item(.exercise, 480, 60), latestEnd: 1300, fallback: 1300)
        // Focus anchored at 08:30 would overlap the exercise (08:00–09:00): it starts when that ends.
        day.place(item(.focus, 510, 30), latestEnd: 1300, fallback: 1300)
        #expect(day.items.map(\.start) == [480, 540])
        #expect(day.moves == ["focus 08:30 → 09:00"])

        // A 90-minute item in a 60-minute day is cut in 5-minute steps until it fits.
        var short = RoutineDay(wake: 420)
        short.place(item(.recovery, 420, 90), latestEnd: 480, fallback: 480)
        #expect(short.items.map(\.durationMin) == [60])
        #expect(short.moves == ["recovery shortened to 60 min"])
        var none = RoutineDay(wake: 420)
        none.place(item(.exercise, 420, 90), latestEnd: 480, fallback: 480, shortest: 65)
        #expect(none.items.isEmpty)
        #expect(none.moves == ["exercise left out: no free time"])
    }
}

@Suite struct RuleTableTests {
    @Test func archetypeValuesInWords() {
        let base = { (a: Archetype) in "\(ArchetypePolicy.of(a).baseDifficulty)" }
        #expect(
            ArchetypePolicy.words(ArchetypePolicy.byDifficulty, base) == "Peak Performer 4, Systematic Improver 3, "
                + "Transformation Seeker 3, Foundation Builder 2, Connected Explorer 2, Resilience Rebuilder 1")
        #expect(
            ArchetypePolicy.words(ArchetypePolicy.byDifficulty, grouped: true, base) == "Peak Performer 4, "
                + "Systematic Improver and Transformation Seeker 3, Foundation Builder and Connected Explorer 2, "
                + "Resilience Rebuilder 1")
        #expect(
            ArchetypePolicy.exceptions(unit: "min") { Int(ArchetypePolicy.of($0).sleepNeedMin) }
                == "480 min for Peak Performer and Resilience Rebuilder, 450")
    }

    @Test func mealStylesInWords() {
        #expect(MealStyle.of(.foundationBuilder, goal: "maintenance").words == "45 min / 3 h / 30-40-30")
        #expect(MealStyle.of(.peakPerformer, goal: "performance").words == "30 min / 2.5 h / 25-35-10-30")
    }

    @Test(arguments: [
        (0.5, "strong"), (-0.62, "strong"), (0.49, "moderate"), (0.3, "moderate"), (-0.29, "weak"),
        (0, "weak"),
    ])
    func correlationStrengthInWords(_ rho: Double, _ word: String) {
        #expect(InsightRules.strength(rho) == word)
    }

    @Test(arguments: [(3, "3+"), (4, "3+"), (5, "5+"), (6, "5+"), (7, "7+"), (13, "7+"), (14, "14+"), (40, "14+")])
    func runSizeClasses(_ days: Int, _ size: String) {
        #expect(InsightRules.runClass(days) == size)
    }
}
