// hos-adapt's archetype switching (issue 19, item 5): the three strategies' priors and counts, the recorded
// strategy holding until the next switch, and an unstated archetype that is no switch.

import HOSCore
import Testing

@testable import HOSAgents

private let pp = Archetype.peakPerformer
private let fb = Archetype.foundationBuilder

/// Other users: Peak Performers agree on morning (17 of 20) over evening (5 of 20), Foundation Builders the
/// other way round; and u-1's own rows, stored under Peak Performer.
private let pool = AdaptPool(
    rows: (0..<8).flatMap { i in
        [
            row("pp-\(i)", pp, "morning", 17, 3), row("pp-\(i)", pp, "evening", 5, 15),
            row("fb-\(i)", fb, "morning", 5, 15), row("fb-\(i)", fb, "evening", 17, 3),
        ]
    } + ownArms(pp))

private func row(_ user: String, _ arch: Archetype, _ arm: String, _ s: Double, _ f: Double) -> AdaptArmState {
    AdaptArmState(
        user: user, archetype: arch.name, dimension: "exercise_time", arm: arm, priorAlpha: 1, priorBeta: 1,
        successes: s, failures: f, pulls: 4, pBest: nil, chosen: false)
}

/// u-1's stored arms as hos-adapt last decided them, under `archetype`.
private func ownArms(_ archetype: Archetype) -> [AdaptArmState] {
    [row("u-1", archetype, "midday", 24, 4), row("u-1", archetype, "morning", 0, 0)]
}

/// u-1 keeps to midday: four weekly plans from 2026-03-02 with a midday exercise item done 6 days of 7.
private func middayHistory(storedUnder archetype: Archetype, difficulty: Int = 4) -> AdaptHistory {
    var h = AdaptHistory()
    for w in 0..<4 {
        let date = LocalDate("2026-03-02")!.adding(days: 7 * w)
        h.items.append(
            AdaptPlanItem(
                planID: "rp-\(w)", itemID: "exercise", date: date, category: "exercise", intensity: 2,
                difficulty: difficulty, variant: ["exercise_time": "midday"]))
        for d in 0..<7 {
            h.feedback.append(
                AdaptFeedback(
                    planID: "rp-\(w)", itemID: "exercise", date: date.adding(days: d),
                    status: d < 6 ? .completed : .skipped))
        }
    }
    h.arms = ownArms(archetype)
    h.difficulty = difficulty
    return h
}

private func decide(
    _ h: AdaptHistory, archetype: Archetype, strategy: ArchetypeSwitchStrategy,
    timestamp: String = "2026-06-01T00:00:00Z"
) -> AdaptOutcome {
    let input = AdaptInput(
        user: "u-1", archetype: archetype, analysisID: "a-6", requestID: "req-6", timestamp: timestamp, history: h)
    return AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, archetypeSwitch: strategy))
        .decide(input, pool: pool)
}

private func exerciseArm(_ o: AdaptOutcome, _ arm: String) -> ArmReport {
    o.payload.experiments.first { $0.dimension == "exercise_time" }!.arms.first { $0.arm == arm }!
}

private func chosen(_ o: AdaptOutcome) -> String? {
    o.payload.experiments.first { $0.dimension == "exercise_time" }?.chosen
}

private func prior(_ archetype: Archetype, _ arm: String) -> (alpha: Double, beta: Double) {
    let p = pool.prior(user: "u-1", archetype: archetype.name, dimension: "exercise_time", arm: arm)
    return (p.alpha, p.beta)
}

private func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-3 }

@Suite struct ArchetypeSwitchTests {
    @Test func strategiesParseAsTheOptionSpellsThem() {
        #expect(ArchetypeSwitchStrategy(argument: "adaptive") == .adaptive)
        #expect(ArchetypeSwitchStrategy(argument: "fresh") == .fresh)
        #expect(ArchetypeSwitchStrategy(argument: "blend:4") == .blend(plans: 4))
        for bad in ["blend:0", "blend:53", "blend:", "blend:x", "Blend:2", "blend", ""] {
            #expect(ArchetypeSwitchStrategy(argument: bad) == nil, "\(bad)")
        }
        for s in [ArchetypeSwitchStrategy.adaptive, .fresh, .blend(plans: 52)] {
            #expect(ArchetypeSwitchStrategy(argument: s.description) == s)
        }
    }

    @Test func adaptiveKeepsThePersonsCountsAndTakesTheNewArchetypesPriors() {
        let o = decide(middayHistory(storedUnder: pp), archetype: fb, strategy: .adaptive)
        let midday = exerciseArm(o, "midday")
        #expect(midday.successes == 24 && midday.failures == 4 && midday.pulls == 4)
        let evening = exerciseArm(o, "evening")
        #expect(
            near(evening.priorAlpha, prior(fb, "evening").alpha) && near(evening.priorBeta, prior(fb, "evening").beta))
        #expect(!near(evening.priorAlpha, prior(pp, "evening").alpha))
        // The person's midday beats the new archetype's favourite.
        #expect(chosen(o) == "midday")
        #expect(o.difficulty.from == 4)
        let s = o.payload.archetypeSwitch
        #expect(s?.from == pp.name && s?.to == fb.name && s?.strategy == "adaptive")
        #expect(s?.plansSince == 0 && s?.blendWeight == 1 && s?.ownWeight == 1)
        #expect(s?.since == LocalDate("2026-06-01") && s?.analysisID == "a-6")
        #expect(o.archetypeSwitch?.from == pp.name && o.archetypeSwitch?.strategy == "adaptive")
        // The adapt_arm rows now carry the new archetype.
        #expect(o.arms.allSatisfy { $0.archetype == fb.name })
    }

    @Test func freshSetsAsideThePersonsEvidenceFromBeforeTheSwitch() {
        let o = decide(middayHistory(storedUnder: pp), archetype: fb, strategy: .fresh)
        let midday = exerciseArm(o, "midday")
        #expect(midday.successes == 0 && midday.failures == 0 && midday.pulls == 0)
        #expect(near(exerciseArm(o, "evening").priorAlpha, prior(fb, "evening").alpha))
        #expect(chosen(o) == "evening")
        // The difficulty starts again from the new archetype's base.
        #expect(o.difficulty.from == ArchetypePolicy.of(fb).baseDifficulty)
        #expect(o.payload.archetypeSwitch?.ownWeight == 0 && o.payload.archetypeSwitch?.strategy == "fresh")
        // The evidence is still reported: only the learning sets it aside.
        #expect(o.payload.success?.overall?.n == 28)
        // Feedback on a plan dated from the switch on counts again.
        var h = middayHistory(storedUnder: pp)
        h.items.append(
            AdaptPlanItem(
                planID: "rp-new", itemID: "exercise", date: LocalDate("2026-06-01"), category: "exercise",
                intensity: 2, difficulty: 2, variant: ["exercise_time": "midday"]))
        h.feedback.append(
            AdaptFeedback(planID: "rp-new", itemID: "exercise", date: LocalDate("2026-06-01")!, status: .completed))
        #expect(exerciseArm(decide(h, archetype: fb, strategy: .fresh), "midday").successes == 1)
    }

    @Test func blendMixesTheTwoArchetypesPriorsOverNPlans() {
        let o = decide(middayHistory(storedUnder: pp), archetype: fb, strategy: .blend(plans: 4))
        let evening = exerciseArm(o, "evening")
        let (new, old) = (prior(fb, "evening"), prior(pp, "evening"))
        #expect(near(evening.priorAlpha, 0.25 * new.alpha + 0.75 * old.alpha))
        #expect(near(evening.priorBeta, 0.25 * new.beta + 0.75 * old.beta))
        #expect(exerciseArm(o, "midday").successes == 24)
        #expect(o.payload.archetypeSwitch?.blendWeight == 0.25 && o.payload.archetypeSwitch?.strategy == "blend:4")
        #expect(o.archetypeSwitch?.strategy == "blend:4")
    }

    @Test func aRecordedSwitchKeepsItsStrategyAndCountsThePlansSince() {
        func later(decisionsSince: Int) -> AdaptOutcome {
            var h = middayHistory(storedUnder: fb)
            h.archetypeSwitch = ArchetypeSwitchRecord(
                from: pp.name, to: fb.name, switchedAt: "2026-05-04T00:00:00Z", since: LocalDate("2026-05-04"),
                analysisID: "a-2", strategy: "blend:4")
            let before = AdaptDecisionLog(
                decisionID: "ad-0", dimension: "exercise_time", analysisID: "a-1", decidedAt: "2026-04-27T00:00:00Z",
                policy: "greedy", chosen: "midday", propensity: 1, arms: [], context: [:])
            h.decisions = [before]
            for k in 0..<decisionsSince {
                for dim in ["exercise_time", "sleep_shift"] {
                    var d = before
                    (d.decisionID, d.dimension) = ("ad-\(k + 1)", dim)
                    d.decidedAt = LocalDate("2026-05-04")!.adding(days: 7 * k).description + "T00:00:00Z"
                    h.decisions.append(d)
                }
            }
            // The option says adaptive now; the switch follows the strategy it was recorded with.
            return decide(h, archetype: fb, strategy: .adaptive)
        }
        let two = later(decisionsSince: 2)
        #expect(two.payload.archetypeSwitch?.plansSince == 2 && two.payload.archetypeSwitch?.blendWeight == 0.75)
        let (new, old) = (prior(fb, "evening"), prior(pp, "evening"))
        #expect(near(exerciseArm(two, "evening").priorAlpha, 0.75 * new.alpha + 0.25 * old.alpha))
        #expect(two.archetypeSwitch == nil)
        // After N plans the new prior is whole and the switch no longer shows.
        let four = later(decisionsSince: 4)
        #expect(four.payload.archetypeSwitch == nil)
        #expect(near(exerciseArm(four, "evening").priorAlpha, new.alpha))
    }

    @Test func noSwitchWithoutAnEarlierDecisionOrWithTheSameArchetype() {
        var first = middayHistory(storedUnder: pp)
        first.arms = []
        #expect(decide(first, archetype: fb, strategy: .fresh).payload.archetypeSwitch == nil)
        let same = decide(middayHistory(storedUnder: fb), archetype: fb, strategy: .fresh)
        #expect(same.payload.archetypeSwitch == nil && same.archetypeSwitch == nil)
        #expect(exerciseArm(same, "midday").successes == 24)
    }
}
