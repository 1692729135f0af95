// What people say, in hos-adapt: the weight and score of a feedback with a reason or a rating, a stated
// preferred time as the user's own prior, and a stated maximum intensity in hos-routine.

import HOSCore
import Testing

@testable import HOSAgents

@Suite struct FeedbackEvidenceTests {
    let start = LocalDate("2026-03-02")!

    /// One week of morning exercise: the first `done` days completed, the rest skipped, `said` applied to day 6.
    func week(done: Int = 3, said: (inout AdaptFeedback) -> Void = { _ in }) -> AdaptHistory {
        var h = AdaptHistory()
        h.items = [
            AdaptPlanItem(
                planID: "rp-1", itemID: "exercise", date: start, category: "exercise", intensity: 3, difficulty: 3,
                variant: ["exercise_time": "morning"])
        ]
        h.feedback = (0..<7).map { d in
            AdaptFeedback(
                planID: "rp-1", itemID: "exercise", date: start.adding(days: d),
                status: d < done ? .completed : .skipped)
        }
        said(&h.feedback[6])
        return h
    }

    func morning(_ h: AdaptHistory) -> (s: Double, f: Double) {
        let c = ArmPosterior.counts(FeedbackJoin(items: h.items, feedback: h.feedback), dimension: "exercise_time")
        return (c["morning"]!.s, c["morning"]!.f)
    }

    func decide(_ h: AdaptHistory) -> AdaptOutcome {
        AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1)).decide(
            AdaptInput(
                user: "u-1", archetype: .systematicImprover, analysisID: "a-1", requestID: "req-1",
                timestamp: "2026-06-01T00:00:00Z", history: h),
            pool: AdaptPool(rows: []))
    }

    @Test func aFeedbackThatSaysNothingCountsAsBefore() {
        for status in PlanFeedback.Status.allCases {
            let f = AdaptFeedback(planID: "p", itemID: "i", date: start, status: status)
            let e = FeedbackEvidence.of(f, dimension: "exercise_time")
            #expect(e.weight == 1 && e.score == f.score)
            #expect(FeedbackEvidence.intensity(f) == nil)
        }
        // 3 completed, 4 skipped: the conjugate update of plain scores.
        #expect(morning(week()) == (3, 4))
    }

    @Test func aWrongTimeSkipMovesTheArmMoreThanABareSkip() {
        let bare = morning(week())
        let said = morning(week { $0.reason = .wrongTime })
        // The skip counts 3 failures instead of 1.
        #expect(said == (3, 4 - 1 + AdaptationRules.wrongTimeWeight))
        let mean = { (c: (s: Double, f: Double)) in (1 + c.s) / (2 + c.s + c.f) }
        #expect(mean(said) < mean(bare))
        // A completed item said to be at the wrong time is no success of its arm.
        #expect(morning(week(done: 7) { $0.reason = .wrongTime }) == (6, 3))
        // Through the engine: the arm's reported failures and mean.
        let e = decide(week { $0.reason = .wrongTime }).payload.experiments.first { $0.dimension == "exercise_time" }!
        let arm = e.arms.first { $0.arm == "morning" }!
        #expect(arm.failures == 6 && arm.successes == 3 && arm.mean == JSON.rounded(4.0 / 11, places: 4))
    }

    @Test func otherReasonsAreNotTheTimeArmsFault() {
        for reason in [PlanFeedback.Reason.noTime, .tooHard, .tooEasy] {
            #expect(morning(week { $0.reason = reason }) == (3, 3 + AdaptationRules.otherReasonWeight))
        }
        // On a dimension that does not place the item in the day, a reason changes no weight.
        let f = AdaptFeedback(planID: "p", itemID: "i", date: start, status: .skipped, reason: .wrongTime)
        #expect(FeedbackEvidence.of(f, dimension: "something_else") == (1, 0))
        #expect(FeedbackEvidence.of(f, dimension: "sleep_shift") == (AdaptationRules.wrongTimeWeight, 0))
    }

    @Test func aRatingMovesTheScoreOnlyWhenItDisagrees() {
        func score(_ s: PlanFeedback.Status, _ rating: Int) -> Double {
            FeedbackEvidence.ratedScore(AdaptFeedback(planID: "p", itemID: "i", date: start, status: s, rating: rating))
        }
        #expect(score(.completed, 1) == 0.75 && score(.completed, 2) == 0.75)
        #expect(score(.completed, 3) == 1 && score(.completed, 4) == 1 && score(.completed, 5) == 1)
        #expect(score(.skipped, 5) == 0.25 && score(.skipped, 4) == 0.25)
        #expect(score(.skipped, 1) == 0 && score(.skipped, 3) == 0)
        #expect(score(.partial, 3) == 0.5 && score(.partial, 1) == 0.25 && score(.partial, 5) == 0.75)
        // A skip the user liked (rated 5) is a quarter success.
        #expect(morning(week { $0.rating = 5 }) == (3.25, 3.75))
    }

    @Test func tooHardAndTooEasyAreExposed() {
        let f = { (r: PlanFeedback.Reason?) in
            FeedbackEvidence.intensity(
                AdaptFeedback(planID: "p", itemID: "i", date: self.start, status: .skipped, reason: r))
        }
        #expect(f(.tooHard) == .tooHard && f(.tooEasy) == .tooEasy && f(.wrongTime) == nil && f(.noTime) == nil)
    }

    @Test func aStatedPreferredTimeIsTheUsersOwnPrior() {
        var h = AdaptHistory()
        h.statedExercise = ExercisePreferences(preferredTime: ExerciseTime("17:45"))
        let o = decide(h)
        let e = o.payload.experiments.first { $0.dimension == "exercise_time" }!
        let arms = Dictionary(uniqueKeysWithValues: e.arms.map { ($0.arm, $0) })
        #expect(arms["evening"]!.priorAlpha == 1 + AdaptationRules.statedSuccesses && arms["evening"]!.priorBeta == 1)
        #expect(arms["morning"]!.priorAlpha == 1 && arms["morning"]!.priorBeta == 1 + AdaptationRules.statedFailures)
        #expect(e.chosen == "evening")
        #expect(e.prior["evening"]?.stated == "17:45" && e.prior["evening"]?.statedSuccesses == 6)
        #expect(e.prior["midday"]?.statedFailures == 3)
        // Only exercise_time; without a statement, no trace in the prior source.
        let sleep = o.payload.experiments.first { $0.dimension == "sleep_shift" }!
        #expect(sleep.prior.values.allSatisfy { $0.stated == nil && $0.statedSuccesses == nil })
        let none = decide(AdaptHistory()).payload.experiments.first { $0.dimension == "exercise_time" }!
        #expect(none.prior.values.allSatisfy { $0.stated == nil } && none.arms.allSatisfy { $0.priorAlpha == 1 })
    }

    @Test func aStatedMaximumCapsTheExerciseIntensity() {
        let open = RoutinePlanner.exerciseSize(.peakPerformer, difficulty: 4, state: "recovered", sleepFirst: false)
        #expect(open.intensity == 5)
        let capped = RoutinePlanner.exerciseSize(
            .peakPerformer, difficulty: 4, state: "recovered", sleepFirst: false, maxIntensity: 2)
        #expect(capped.intensity == 2 && capped.duration == open.duration)
        #expect(capped.rule.hasSuffix("; your stated maximum intensity 2"))
        // A maximum above the intensity changes nothing.
        let above = RoutinePlanner.exerciseSize(
            .peakPerformer, difficulty: 4, state: "recovered", sleepFirst: false, maxIntensity: 5)
        #expect(above == open)
    }

    @Test func memoryContextGivesTheStatedPreferencesTyped() throws {
        var pref = PreferenceMemory()
        var long = LongTermMemory()
        for (k, v): (String, JSON) in [
            ("exercise_preferred_time", "midday"), ("exercise_max_intensity", 3),
            ("exercise_available_days", ["mon", "wed", "sun"]),
        ] {
            pref.value = v
            long.preferences[k] = pref
        }
        var c = MemoryContextPayload()
        c.longTerm = long
        let view = MemoryContextView(payload: c.payload)
        #expect(view.preferredExerciseTime == .window("midday"))
        #expect(view.maxIntensity == 3 && view.availableDays == [1, 3, 7])
        #expect(MemoryContextView().maxIntensity == nil && MemoryContextView().availableDays == nil)
    }
}
