// Regression tests of the analysis agents: each names the defect it guards.

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct AgentRegressionTests {
    func request(_ user: String = "u", at timestamp: String = "2026-01-11T03:00:00Z", asOf: String? = nil) -> Event {
        var p: [String: JSON] = ["analysis_id": "a-1"]
        if let asOf { p["as_of"] = .string(asOf) }
        return Event(id: "q", type: EventType.analysisRequest, user: user, timestamp: timestamp, payload: p)
    }

    /// Finding 1: numbers from another process are checked before use, never trapped on.
    @Test func routineSurvivesAbsurdUpstreamNumbers() throws {
        var stage = RoutineStage()
        let bogus = Event(
            id: "b", type: EventType.behaviorAnalysis, user: "u", timestamp: "2026-01-10T00:00:00Z",
            payload: [
                "metrics": ["sleep_latency_min": ["baseline": 1e20], "sleep_duration_min": ["baseline": -5]],
                "readiness": ["score": 1e20, "sleep_debt_hours": 1e300, "state": "foo"],
            ])
        try stage.process(bogus) { _ in }
        var out: [Event] = []
        try stage.barrier(request()) { out.append($0) }
        let plan = try #require(out.first?.payload)
        #expect(plan["basis"]?["readiness_state"] == "unknown")
        #expect(plan["basis"]?["sleep_latency_min"] == 15)
    }

    /// Finding 2: identical times have a circular SD of 0, not NaN.
    @Test func identicalTimesHaveNoSpread() {
        for m in stride(from: 0.0, to: 1440, by: 1) {
            let sd = CircularStats.standardDeviation(minutes: Array(repeating: m, count: 7))
            #expect(sd != nil && sd! >= 0 && sd! < 0.01, "\(m)")
        }
    }

    /// Finding 3: with no records, as_of is the request's day and both plans are for the day after.
    @Test func plansWithoutRecordsAgreeOnTheirDate() throws {
        let profile = Event(
            id: "p", type: EventType.userProfile, user: "u", timestamp: "2026-01-01T00:00:00Z",
            payload: UserProfile(age: 40, sex: "female", heightCm: 165, weightKg: 60).payload)
        let out = try chain([profile, request()])
        let dates = out.filter { $0.eventType.hasSuffix("_plan") }.map { $0.payload["date"] }
        #expect(dates == ["2026-01-12", "2026-01-12"])
        #expect(out.first { $0.eventType == EventType.behaviorAnalysis }?.payload["as_of"] == "2026-01-11")
    }

    /// Finding 5: a deficit is never deeper than 20%, rounding included.
    @Test func deficitRoundingNeverPassesTheBound() throws {
        for burned in stride(from: 1800.0, through: 2600, by: 7) {
            let days = makeDays(from: "2026-01-01", count: 14) { _, _ in ["calories_burned_kcal": .number(burned)] }
            let input = NutritionInput(
                profile: UserProfile(age: 30, sex: "male", heightCm: 175, weightKg: 70), days: days,
                memory: MemoryContextView(payload: ["adaptation_state": ["difficulty": 5]]))
            let plan = NutritionPlanner(archetype: .transformationSeeker)
                .plan(input, request: AnalysisRequest(analysisID: "a"), planID: "np")
            #expect(
                Double(plan.energyKcal) >= burned * 0.8 - 1e-9 || Double(plan.energyKcal) >= max(plan.bmrKcal, 1200),
                "\(burned)")
        }
    }

    /// Finding 6: the edge of the accepted body ranges gives a positive BMR and a usable factor.
    @Test func tinyBodiesStillGetAPlan() {
        let input = NutritionInput(
            profile: UserProfile(age: 120, sex: "female", heightCm: 50, weightKg: 20),
            days: makeDays(from: "2026-01-01", count: 5) { _, _ in ["calories_burned_kcal": .number(0)] })
        let plan = NutritionPlanner(archetype: .foundationBuilder)
            .plan(input, request: AnalysisRequest(analysisID: "a"), planID: "np")
        #expect(plan.bmrKcal >= 500)
        #expect(plan.energyKcal >= 1200)
        #expect(plan.activityFactor.isFinite && plan.activityFactor >= 1)
    }

    /// Finding 8: a day sleeper's mid-sleep (after noon) is late, not early.
    @Test func daySleepersAreLate() {
        let days = makeDays(from: "2026-01-05", count: 14) { _, _ in
            ["sleep_start": .clock(ClockTime(minutes: 9 * 60)), "sleep_end": .clock(ClockTime(minutes: 17 * 60))]
        }
        #expect(analyze(days)["sleep_timing"]?["chronotype"] == "late")
    }
}

@Suite struct EvenlySpreadTimesTests {
    /// Regression: opposite times have no mean, and the reason says so.
    @Test func opposedTimesSayWhyThereIsNoMean() {
        let days = makeDays(from: "2026-01-05", count: 10) { i, _ in
            ["sleep_end": .clock(ClockTime(minutes: i % 2 == 0 ? 360 : 1080))]
        }
        let notes = analyze(days)["not_computed"]?.arrayValue ?? []
        #expect(notes.contains(["what": "sleep_end", "why": "no mean time: the times spread evenly round the clock"]))
    }
}
