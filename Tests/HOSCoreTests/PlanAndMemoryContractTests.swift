// The nutrition_plan and memory_context contract types: writing and reading round-trip, null and absent are
// written as the producers write them, and a wrong value is named by its path.

import Testing

@testable import HOSCore

@Suite struct PlanAndMemoryContractTests {
    @Test func aNutritionPlanRoundTripsWithItsNullDate() throws {
        var p = NutritionPlanPayload()
        (p.planID, p.goal, p.difficulty, p.energyKcal) = ("np-1", "performance", 3, 2400)
        var meal = NutritionMeal()
        (meal.name, meal.time, meal.kcal, meal.foods) = ("breakfast", ClockTime("07:00"), 600, ["oats"])
        p.meals = [meal]
        var gap = NutritionIntake()
        (gap.logged, gap.target, gap.gap, gap.days) = (2100, 2400, -300, 5)
        p.intake = ["calories_in_kcal": gap]
        #expect(try NutritionPlanPayload(payload: p.payload) == p)
        // The date is always shown, as null when there is no day; explain only with --explain.
        #expect(p.payload["date"] == .null)
        #expect(p.payload["explain"] == nil)
        #expect(p.payload["meals"]?.arrayValue?.first?["protein_g"] == nil)
        #expect(p.historySummary == ["plan_id": "np-1", "energy_kcal": 2400, "difficulty": 3])
    }

    @Test func aNutritionPlanNamesItsWrongValue() {
        #expect(throws: EventProblem("payload.meals[1].time is not a valid HH:MM time")) {
            try NutritionPlanPayload(payload: ["meals": [["name": "lunch"], ["time": "25:99"]]])
        }
        #expect(throws: EventProblem("payload.intake.calories_in_kcal.days must be a whole number, not a fraction")) {
            try NutritionPlanPayload(payload: ["intake": ["calories_in_kcal": ["days": 2.5]]])
        }
    }

    @Test func aMemoryContextRoundTrips() throws {
        var c = MemoryContextPayload()
        c.working = ["analysis_id": "a-1"]
        var stat = RollingStat()
        (stat.n, stat.mean, stat.min, stat.max) = (7, 8000.5, 6000, 10000)
        var windows = RollingWindows()
        windows.days7 = stat
        var short = ShortTermMemory()
        (short.days, short.rolling, short.asOf) = (12, ["steps": windows], LocalDate("2026-03-01"))
        c.shortTerm = short
        var pref = PreferenceMemory()
        (pref.value, pref.confidence) = (.array(["nuts"]), 0.9)
        var long = LongTermMemory()
        long.preferences = ["allergies": pref]
        c.longTerm = long
        var h = MemoryHistory()
        h.analysesTotal = 2
        var m = MetricHistoryMemory()
        (m.analyses, m.ref) = (3, ["2026-02-01", 8000, .null, 20])
        h.metrics = ["steps": m]
        c.history = h
        var state = AdaptationState()
        (state.difficulty, state.variants) = (3, ["exercise_time": "evening"])
        c.adaptationState = state
        #expect(try MemoryContextPayload(payload: c.payload) == c)
        let json = JSON.object(c.payload)
        // Empty sections are written as the producer writes them; experiments only when there are some.
        #expect(json["long_term"]?["strategies"] == [])
        #expect(json["history"]?["insight_subjects"] == [:])
        #expect(json["adaptation_state"]?["experiments"] == nil)
        #expect(json["short_term"]?["rolling"]?["steps"]?["30d"] == nil)
    }

    @Test func aMemoryContextNamesItsWrongValue() {
        #expect(throws: EventProblem("payload.adaptation_state.difficulty must be a whole number, not string")) {
            try MemoryContextPayload(payload: ["adaptation_state": ["difficulty": "hard"]])
        }
        #expect(throws: EventProblem("payload.short_term.rolling.steps.7d.mean must be a number, not string")) {
            try MemoryContextPayload(payload: ["short_term": ["rolling": ["steps": ["7d": ["mean": "high"]]]]])
        }
        #expect(throws: EventProblem("missing payload.history.insight_subjects.trend:steps.insight_id")) {
            try MemoryContextPayload(payload: ["history": ["insight_subjects": ["trend:steps": ["seen_count": 1]]]])
        }
    }
}
