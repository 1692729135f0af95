// hos-adapt's engine: Beta math against closed forms and scipy, the difficulty hysteresis and its bounds, the
// posterior updates, pooled priors, the policies' propensities, reproducibility, control events and IPS.
// Reference values: scipy 1.17 (stats.beta.cdf; integrate.quad of pdf × Π cdf for p_best).

import Glibc
import HOSCore
import Testing

@testable import HOSAgents

// MARK: - Helpers

private func item(
    _ plan: String, _ id: String, date: String, category: String = "exercise", intensity: Int = 1,
    difficulty: Int = 3, variant: [String: String] = [:]
) -> AdaptPlanItem {
    AdaptPlanItem(
        planID: plan, itemID: id, date: LocalDate(date), category: category, intensity: intensity,
        difficulty: difficulty, variant: variant)
}

private func feedback(_ plan: String, _ id: String, _ date: String, _ status: PlanFeedback.Status) -> AdaptFeedback {
    AdaptFeedback(planID: plan, itemID: id, date: LocalDate(date)!, status: status)
}

/// A plan with feedback on its load items: `completed` of `n` completed, the rest skipped.
private func outcome(_ plan: String, date: String, difficulty: Int, completed: Int, of n: Int = 7) -> PlanOutcome {
    let items = [item(plan, "exercise", date: date, intensity: 3, difficulty: difficulty)]
    let start = LocalDate(date)!
    let fb = (0..<n).map { i in
        feedback(plan, "exercise", start.adding(days: i).description, i < completed ? .completed : .skipped)
    }
    return PlanOutcome.of(FeedbackJoin(items: items, feedback: fb))[0]
}

/// A user's history: one plan per week from 2026-03-02 with exercise (an exercise_time arm) and sleep (a
/// sleep_shift arm) items, each answered on 7 days with the statuses given per plan.
private func history(
    weeks: [(exercise: String, sleep: String, exerciseDone: Int, sleepDone: Int)],
    difficulty: Int = 3
) -> AdaptHistory {
    var h = AdaptHistory()
    let start = LocalDate("2026-03-02")!
    for (w, week) in weeks.enumerated() {
        let plan = "rp-\(w)"
        let date = start.adding(days: 7 * w)
        h.items.append(
            item(
                plan, "exercise", date: date.description, intensity: 3, difficulty: difficulty,
                variant: ["exercise_time": week.exercise]))
        h.items.append(
            item(
                plan, "sleep", date: date.description, category: "sleep", difficulty: difficulty,
                variant: ["sleep_shift": week.sleep]))
        for d in 0..<7 {
            let day = date.adding(days: d).description
            h.feedback.append(feedback(plan, "exercise", day, d < week.exerciseDone ? .completed : .skipped))
            h.feedback.append(feedback(plan, "sleep", day, d < week.sleepDone ? .completed : .skipped))
        }
    }
    return h
}

private func input(
    _ h: AdaptHistory, user: String = "u-1", archetype: Archetype = .systematicImprover,
    request: String = "req-1", controls: [AdaptControl] = [], window: [AdaptFeedback] = [],
    plans: [WindowPlan] = [], truth: OracleTruth? = nil
) -> AdaptInput {
    AdaptInput(
        user: user, archetype: archetype, analysisID: "a-" + request, requestID: request,
        timestamp: "2026-06-01T00:00:00Z", history: h, windowFeedback: window, windowPlans: plans,
        controls: controls, truth: truth)
}

private func experiment(_ o: AdaptOutcome, _ dim: String) -> JSON {
    o.payload.payload["experiments"]!.arrayValue!.first { $0["dimension"]?.stringValue == dim }!
}

private func arm(_ e: JSON, _ name: String) -> JSON { e["arms"]!.arrayValue!.first { $0["arm"]?.stringValue == name }! }

// MARK: - Beta math

@Suite struct AdaptBetaTests {
    @Test func distributionFunctionMatchesClosedFormsAndScipy() {
        for x in [0.05, 0.3, 0.5, 0.8, 0.99] {
            #expect(abs(BetaDistribution(1, 1).cdf(x) - x) < 1e-13)
            #expect(abs(BetaDistribution(3, 1).cdf(x) - pow(x, 3)) < 1e-13)
            #expect(abs(BetaDistribution(1, 4).cdf(x) - (1 - pow(1 - x, 4))) < 1e-13)
        }
        #expect(abs(BetaDistribution(7.5, 7.5).cdf(0.5) - 0.5) < 1e-13)
        // stats.beta.cdf([0.1, 0.25, 0.5, 0.75, 0.9], 2.5, 7.25)
        let ref = [0.10841579, 0.53032853, 0.94847687, 0.99944579, 0.99999909]
        for (x, r) in zip([0.1, 0.25, 0.5, 0.75, 0.9], ref) {
            #expect(abs(BetaDistribution(2.5, 7.25).cdf(x) - r) < 5e-9)
        }
        // stats.beta.cdf(0.3, 0.5, 0.5), stats.beta.cdf(0.97, 120, 3)
        #expect(abs(BetaDistribution(0.5, 0.5).cdf(0.3) - 0.36901011956554536) < 1e-12)
        #expect(abs(BetaDistribution(120, 3).cdf(0.97) - 0.2879117099834073) < 1e-12)
    }

    @Test func pBestMatchesClosedFormsAndScipy() {
        // Against a uniform arm, P(X > U) = E[X].
        let p = BetaDistribution.pBest([BetaDistribution(3.5, 2.5), BetaDistribution(1, 1)])
        #expect(abs(p[0] - 3.5 / 6) < 1e-8)
        // Equal arms share equally.
        for q in BetaDistribution.pBest([BetaDistribution(4, 9), BetaDistribution(4, 9), BetaDistribution(4, 9)]) {
            #expect(abs(q - 1.0 / 3) < 1e-9)
        }
        // Integer parameters: P(X > Y) = Σ_{i<a2} B(a1 + i, b1 + b2) / ((b2 + i) B(1 + i, b2) B(a1, b1)).
        func closed(_ a1: Int, _ b1: Int, _ a2: Int, _ b2: Int) -> Double {
            func lb(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }
            var s = 0.0
            for i in 0..<a2 {
                let i = Double(i)
                s += exp(
                    lb(Double(a1) + i, Double(b1 + b2)) - log(Double(b2) + i) - lb(1 + i, Double(b2))
                        - lb(Double(a1), Double(b1)))
            }
            return 1 - s
        }
        for (a1, b1, a2, b2) in [(2, 3, 3, 2), (12, 4, 8, 8), (30, 10, 25, 15), (1, 1, 5, 2)] {
            let q = BetaDistribution.pBest([
                BetaDistribution(Double(a1), Double(b1)), BetaDistribution(Double(a2), Double(b2)),
            ])
            #expect(abs(q[0] - closed(a1, b1, a2, b2)) < 1e-9, "\(a1),\(b1) vs \(a2),\(b2)")
        }
        // scipy: integrate.quad(pdf_a × Π cdf_b) for three arms.
        let three = BetaDistribution.pBest([BetaDistribution(12, 4), BetaDistribution(8, 8), BetaDistribution(5, 9)])
        for (q, r) in zip(three, [0.9289467549937646, 0.062366738597491554, 0.00868650640874401]) {
            #expect(abs(q - r) < 1e-9)
        }
        let wide = BetaDistribution.pBest([BetaDistribution(101, 51), BetaDistribution(95, 60), BetaDistribution(3, 3)])
        for (q, r) in zip(wide, [0.6593245177105158, 0.1324500126550576, 0.20822546963442673]) {
            #expect(abs(q - r) < 1e-8)
        }
        let far = BetaDistribution.pBest([BetaDistribution(40.5, 12.5), BetaDistribution(20, 30)])
        #expect(abs(far[1] - 6.27411635938451e-05) < 1e-9)
    }

    @Test func samplerHasTheBetaMomentsAndIsSeeded() {
        for (a, b) in [(0.5, 0.5), (2.0, 5.0), (30.0, 12.0), (1.0, 1.0)] {
            var rng = AdaptRandom(seed: 7, stream: "moments", "\(a)", "\(b)")
            let n = 200_000
            var xs: [Double] = []
            xs.reserveCapacity(n)
            for _ in 0..<n { xs.append(rng.beta(a, b)) }
            let d = BetaDistribution(a, b)
            let mean = xs.reduce(0, +) / Double(n)
            let v = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            // Five standard errors of the mean and (roughly) of the variance.
            #expect(abs(mean - d.mean) < 5 * (d.variance / Double(n)).squareRoot(), "mean of Beta(\(a), \(b))")
            #expect(
                abs(v - d.variance) < 5 * d.variance * (2.0 / Double(n)).squareRoot() * 2,
                "variance of Beta(\(a), \(b))")
            #expect(xs.allSatisfy { $0 > 0 && $0 < 1 })
        }
        var r1 = AdaptRandom(seed: 3, stream: "x")
        var r2 = AdaptRandom(seed: 3, stream: "x")
        var r3 = AdaptRandom(seed: 4, stream: "x")
        let s1 = (0..<5).map { _ in r1.beta(2, 3) }
        let s2 = (0..<5).map { _ in r2.beta(2, 3) }
        let s3 = (0..<5).map { _ in r3.beta(2, 3) }
        #expect(s1 == s2)
        #expect(s1 != s3)
    }
}

// MARK: - Difficulty

@Suite struct AdaptDifficultyTests {
    @Test func upOnlyAfterTwoHighPlansAtTheCurrentLevel() {
        let high = [
            outcome("p1", date: "2026-03-02", difficulty: 3, completed: 6),
            outcome("p2", date: "2026-03-09", difficulty: 3, completed: 7),
        ]
        let d = DifficultyRule.decide(current: 3, plans: high)
        #expect(d.to == 4 && d.rule == "up")
        #expect(d.reason.contains("0.86") && d.reason.contains("≥ 0.8"), "\(d.reason)")
        // One high plan is not sustained.
        #expect(DifficultyRule.decide(current: 3, plans: [high[1]]).to == 3)
        // High and middling: hold.
        let mixed = [outcome("p1", date: "2026-03-02", difficulty: 3, completed: 4), high[1]]
        #expect(DifficultyRule.decide(current: 3, plans: mixed).rule == "hold")
    }

    @Test func downAfterTwoLowPlansAndTheBoundsHold() {
        let low = [
            outcome("p1", date: "2026-03-02", difficulty: 2, completed: 3),
            outcome("p2", date: "2026-03-09", difficulty: 2, completed: 1),
        ]
        let d = DifficultyRule.decide(current: 2, plans: low)
        #expect(d.to == 1 && d.rule == "down")
        let low1 = low.map {
            var p = $0
            p.difficulty = 1
            return p
        }
        #expect(DifficultyRule.decide(current: 1, plans: low1).to == 1)
        let high5 = [
            outcome("p1", date: "2026-03-02", difficulty: 5, completed: 7),
            outcome("p2", date: "2026-03-09", difficulty: 5, completed: 7),
        ]
        #expect(DifficultyRule.decide(current: 5, plans: high5).to == 5)
    }

    @Test func hysteresisWaitsForPlansAtTheNewLevel() {
        // Stepped up to 4 after plans at 3: the same evidence does not step again.
        let high3 = [
            outcome("p1", date: "2026-03-02", difficulty: 3, completed: 7),
            outcome("p2", date: "2026-03-09", difficulty: 3, completed: 7),
        ]
        let after = DifficultyRule.decide(current: 4, plans: high3)
        #expect(after.to == 4 && after.rule == "hold")
        // One plan at 4 and one at 3: still waiting.
        let one = [high3[1], outcome("p3", date: "2026-03-16", difficulty: 4, completed: 7)]
        #expect(DifficultyRule.decide(current: 4, plans: one).to == 4)
        // Too little feedback on load items does not count.
        let thin = [
            outcome("p1", date: "2026-03-02", difficulty: 3, completed: 2, of: 2),
            outcome("p2", date: "2026-03-09", difficulty: 3, completed: 2, of: 2),
        ]
        #expect(DifficultyRule.decide(current: 3, plans: thin).reason.contains("0 of the 2 plans"))
    }

    @Test func plansAnsweredOncePerItemCountWithOneLoadFeedback() {
        // Each plan's load item answered once: by default no plan counts; for a user who answers so, they do.
        let plans = [
            outcome("rp-1", date: "2026-03-02", difficulty: 3, completed: 1, of: 1),
            outcome("rp-2", date: "2026-03-09", difficulty: 3, completed: 1, of: 1),
        ]
        #expect(DifficultyRule.decide(current: 3, plans: plans).rule == "hold")
        #expect(DifficultyRule.decide(current: 3, plans: plans, minFeedback: 1).rule == "up")
    }

    @Test func neverTwoStepsOverAnyHistory() {
        // Every decision over random histories moves at most one step and stays within 1–5.
        var rng = AdaptRandom(seed: 1, stream: "steps")
        for _ in 0..<500 {
            let current = 1 + Int(rng.uniform() * 5)
            var plans: [PlanOutcome] = []
            for w in 0..<Int(rng.uniform() * 5) {
                plans.append(
                    outcome(
                        "p\(w)", date: LocalDate("2026-03-02")!.adding(days: 7 * w).description,
                        difficulty: 1 + Int(rng.uniform() * 5), completed: Int(rng.uniform() * 8)))
            }
            let d = DifficultyRule.decide(current: current, plans: plans)
            #expect(abs(d.to - current) <= 1 && (1...5).contains(d.to))
        }
        #expect(DifficultyRule.requested(current: 5, .up, reason: nil).to == 5)
        #expect(DifficultyRule.requested(current: 1, .down, reason: "tired").reason.contains("tired"))
        #expect(DifficultyRule.oracle(current: 1, capacity: 5).to == 2)
    }
}

// MARK: - The engine

@Suite struct AdaptEngineTests {
    let engine = AdaptEngine(settings: AdaptSettings(policy: .thompson, explore: 0.05, seed: 42))

    @Test func posteriorIsThePriorPlusTheScores() {
        // One week of morning exercise: completed, completed, partial, skipped × 4 → 2.5 successes, 4.5 failures.
        var h = AdaptHistory()
        h.items = [item("rp-1", "exercise", date: "2026-03-02", intensity: 3, variant: ["exercise_time": "morning"])]
        let statuses: [PlanFeedback.Status] = [
            .completed, .completed, .partial, .skipped, .skipped, .skipped, .skipped,
        ]
        h.feedback = statuses.enumerated().map {
            feedback("rp-1", "exercise", LocalDate("2026-03-02")!.adding(days: $0).description, $1)
        }
        let o = engine.decide(input(h), pool: AdaptPool(rows: []))
        let morning = arm(experiment(o, "exercise_time"), "morning")
        #expect(morning["successes"] == 2.5 && morning["failures"] == 4.5)
        #expect(morning["prior_alpha"] == 1 && morning["prior_beta"] == 1)
        #expect(morning["alpha"] == 3.5 && morning["beta"] == 5.5)
        #expect(morning["mean"]!.doubleValue! == 0.3889)
        // p_best of the three arms: against two uniform arms, from the quadrature; they sum to 1.
        let ps = experiment(o, "exercise_time")["arms"]!.arrayValue!.map { $0["p_best"]!.doubleValue! }
        #expect(abs(ps.reduce(0, +) - 1) < 2e-4)
        let exact = BetaDistribution.pBest([BetaDistribution(3.5, 5.5), BetaDistribution(1, 1), BetaDistribution(1, 1)])
        #expect(abs(ps[0] - exact[0]) < 1e-4)
        // The stored arm is the same posterior.
        let stored = o.arms.first { $0.arm == "morning" }!
        #expect(stored.priorAlpha + stored.successes == 3.5 && stored.pulls == 1)
    }

    @Test func sameInputAndSeedSameDecisionOtherSeedsDiffer() {
        let h = history(weeks: [("morning", "gradual", 4, 4), ("evening", "direct", 5, 3)])
        let a = engine.decide(input(h), pool: AdaptPool(rows: []))
        let b = engine.decide(input(h), pool: AdaptPool(rows: []))
        #expect(JSON.object(a.payload.payload).text == JSON.object(b.payload.payload).text)
        var chosen = Set<String>()
        for seed in 0..<40 {
            let e = AdaptEngine(settings: AdaptSettings(policy: .thompson, explore: 0.05, seed: UInt64(seed)))
            chosen.insert(
                experiment(e.decide(input(h), pool: AdaptPool(rows: [])), "exercise_time")["chosen"]!.stringValue!)
        }
        #expect(chosen.count == 3, "uncertain posteriors: every arm gets chosen under some seed")
    }

    @Test func choicesFollowTheLoggedPropensities() {
        // Over many requests, each arm is chosen about as often as its logged probability says.
        let h = history(weeks: [("morning", "gradual", 5, 4), ("midday", "direct", 3, 5), ("evening", "gradual", 2, 4)])
        var counts: [String: Int] = [:]
        var probs: [String: Double] = [:]
        let n = 3000
        for i in 0..<n {
            let o = engine.decide(input(h, request: "req-\(i)"), pool: AdaptPool(rows: []))
            let e = experiment(o, "exercise_time")
            counts[e["chosen"]!.stringValue!, default: 0] += 1
            for a in e["arms"]!.arrayValue! { probs[a["arm"]!.stringValue!] = a["probability"]!.doubleValue! }
        }
        var chi2 = 0.0
        for (armName, p) in probs {
            #expect(p >= 0.05 - 1e-9 && p <= 1 - 2 * 0.05 + 1e-9, "\(armName) probability within the --explore bounds")
            let expected = p * Double(n)
            chi2 += pow(Double(counts[armName, default: 0]) - expected, 2) / expected
        }
        // χ²(2) at p = 0.001 is 13.8.
        #expect(chi2 < 13.8, "χ² \(chi2): \(counts) vs \(probs)")
    }

    @Test func learnsTheBetterArm() {
        // Evening works, the others do not: greedy picks evening, Thompson's p_best favours it strongly.
        let h = history(weeks: [
            ("morning", "direct", 1, 6), ("midday", "direct", 2, 6), ("evening", "direct", 7, 6),
            ("evening", "gradual", 6, 2),
        ])
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1)).decide(
            input(h), pool: AdaptPool(rows: []))
        #expect(experiment(greedy, "exercise_time")["chosen"] == "evening")
        #expect(experiment(greedy, "sleep_shift")["chosen"] == "direct")
        #expect(experiment(greedy, "exercise_time")["propensity"] == 1)
        let t = engine.decide(input(h), pool: AdaptPool(rows: []))
        #expect(arm(experiment(t, "exercise_time"), "evening")["p_best"]!.doubleValue! > 0.95)
        // The lift of the chosen arms over the others is positive.
        #expect(t.payload.payload["effectiveness"]!["lift"]!.doubleValue! > 0.3)
    }

    @Test func pooledPriorsShrinkTowardThePopulationAndExcludeTheUser() {
        func row(_ user: String, _ arch: Archetype, _ armName: String, _ s: Double, _ f: Double) -> AdaptArmState {
            AdaptArmState(
                user: user, archetype: arch.name, dimension: "exercise_time", arm: armName, priorAlpha: 1,
                priorBeta: 1, successes: s, failures: f, pulls: 2, pBest: nil, chosen: false)
        }
        // Peak Performers do well in the morning (80%), everyone else at 40%.
        var rows: [AdaptArmState] = []
        for i in 0..<10 {
            rows.append(row("pp-\(i)", .peakPerformer, "morning", 8, 2))
            rows.append(row("fb-\(i)", .foundationBuilder, "morning", 4, 6))
        }
        rows.append(row("u-new", .peakPerformer, "morning", 0, 10))
        let pool = AdaptPool(rows: rows)
        let pp = pool.prior(
            user: "u-new", archetype: Archetype.peakPerformer.name, dimension: "exercise_time", arm: "morning")
        // Other users only: S_pop = 120, N_pop = 200 → p_pop 0.6; S_A = 80, N_A = 100 → p = (80 + 12) / 120.
        // The ten other Peak Performers agree exactly (ρ = 0), but have 10 feedbacks each: w = n̄ = 10.
        let p = (80 + 20 * 0.6) / (100 + 20.0)
        let w = 10.0
        #expect(abs(pp.alpha - (1 + w * p)) < 1e-12 && abs(pp.beta - (1 + w * (1 - p))) < 1e-12)
        #expect(pp.source.archetypeUsers == 10 && pp.source.populationUsers == 20)
        // An archetype nobody of which has data gets the population's rate.
        let ce = pool.prior(
            user: "u-x", archetype: Archetype.connectedExplorer.name, dimension: "exercise_time", arm: "morning")
        // Its strength comes from everyone's dispersion (0.8 against 0.4 and one 0: they disagree).
        let nPop = 200.0 + 10
        var everyone = BetaBinomialMoments()
        for _ in 0..<10 {
            everyone.add(successes: 8, trials: 10)
            everyone.add(successes: 4, trials: 10)
        }
        everyone.add(successes: 0, trials: 10)
        let wce = min(AdaptationRules.priorWeight, everyone.strength!, 10)
        #expect(wce < AdaptationRules.priorWeight / 3)
        #expect(abs(ce.alpha / (ce.alpha + ce.beta) - (1 + wce * 120 / nPop) / (2 + wce)) < 1e-12)
        // Nobody has data: the uniform prior.
        let none = pool.prior(
            user: "u-1", archetype: Archetype.peakPerformer.name, dimension: "exercise_time", arm: "midday")
        #expect(none.alpha == 1 && none.beta == 1)
        // A newcomer Peak Performer's morning arm starts ahead.
        let o = engine.decide(input(AdaptHistory(), user: "u-newcomer", archetype: .peakPerformer), pool: pool)
        let e = experiment(o, "exercise_time")
        #expect(arm(e, "morning")["p_best"]!.doubleValue! > arm(e, "evening")["p_best"]!.doubleValue!)
    }

    @Test func unknownFeedbackIsReportedNotUsed() {
        var h = history(weeks: [("morning", "gradual", 5, 5)])
        let stray = [
            feedback("rp-404", "exercise", "2026-03-10", .completed),
            feedback("rp-0", "yoga", "2026-03-10", .completed),
        ]
        h.feedback += stray
        let o = engine.decide(
            input(h, window: stray + [feedback("rp-0", "exercise", "2026-03-03", .completed)]),
            pool: AdaptPool(rows: []))
        let f = o.payload.payload["feedback"]!
        #expect(f["received"] == 3 && f["matched"] == 1)
        #expect(f["unknown"]!["count"] == 2)
        #expect(f["unknown"]!["ids"] == ["rp-0/yoga", "rp-404/exercise"])
        #expect(f["stored_unmatched"] == 2)
        // The analysis counts the 14 matched feedbacks only.
        #expect(o.payload.payload["success"]!["overall"]!["n"] == 14)
    }

    @Test func controlEventsChooseWhatRuns() throws {
        var h = history(weeks: [("morning", "gradual", 7, 7), ("morning", "gradual", 7, 7)])
        h.arms = [
            AdaptArmState(
                user: "u-1", archetype: nil, dimension: "sleep_shift", arm: "direct", priorAlpha: 1, priorBeta: 1,
                successes: 0, failures: 0, pulls: 0, pBest: nil, chosen: true)
        ]
        // Only adapt_difficulty with a direction: difficulty steps down as asked, experiments hold.
        let o = engine.decide(input(h, controls: [.difficulty(.down, reason: "holiday")]), pool: AdaptPool(rows: []))
        #expect(o.difficulty.to == 2 && o.difficulty.rule == "requested")
        #expect(experiment(o, "sleep_shift")["held"] == true && experiment(o, "sleep_shift")["chosen"] == "direct")
        #expect(experiment(o, "exercise_time")["chosen"] == nil)
        #expect(o.decisions.isEmpty)
        // Only test_strategy on exercise_time among two arms: difficulty is not requested.
        let t = engine.decide(
            input(h, controls: [.test(dimension: "exercise_time", arms: ["midday", "evening"])]),
            pool: AdaptPool(rows: []))
        #expect(t.difficulty.rule == "not_requested")
        let chosen = experiment(t, "exercise_time")["chosen"]!.stringValue!
        #expect(["midday", "evening"].contains(chosen))
        #expect(arm(experiment(t, "exercise_time"), "morning")["probability"] == 0)
        #expect(t.decisions.map(\.dimension) == ["exercise_time"])
        // optimize_recommendations: greedy.
        let g = engine.decide(input(h, controls: [.optimize(dimension: nil)]), pool: AdaptPool(rows: []))
        #expect(experiment(g, "exercise_time")["policy"] == "greedy")
        // Parsing: bad fields are bad input.
        func event(_ type: String, _ payload: [String: JSON]) -> Event {
            Event(id: "e", type: type, user: "u", timestamp: "2026-01-01T00:00:00Z", payload: payload)
        }
        #expect(throws: EventProblem.self) {
            try AdaptControl.parse(event("adapt_difficulty", ["direction": "sideways"]))
        }
        #expect(throws: EventProblem.self) { try AdaptControl.parse(event("test_strategy", ["dimension": "diet"])) }
        #expect(throws: EventProblem.self) {
            try AdaptControl.parse(event("test_strategy", ["dimension": "sleep_shift", "arms": ["direct"]]))
        }
        #expect(try AdaptControl.parse(event("optimize_recommendations", [:])) == .optimize(dimension: nil))
    }

    @Test func oracleChoosesThePreferredArms() {
        let e = AdaptEngine(settings: AdaptSettings(policy: .oracle, explore: 0.05, seed: 1))
        let truth = OracleTruth(arms: ["exercise_time": "midday", "sleep_shift": "direct"], intensityCapacity: 5)
        let o = e.decide(input(AdaptHistory(), truth: truth), pool: AdaptPool(rows: []))
        #expect(
            experiment(o, "exercise_time")["chosen"] == "midday" && experiment(o, "exercise_time")["propensity"] == 1)
        #expect(experiment(o, "sleep_shift")["chosen"] == "direct")
        #expect(o.difficulty.from == 3 && o.difficulty.to == 4)
    }

    @Test func plansLinkToDecisionsAndFeedbackRewardsThem() {
        var h = history(weeks: [("morning", "gradual", 3, 3)])
        let first = engine.decide(input(h, request: "req-1"), pool: AdaptPool(rows: []))
        h.decisions = first.decisions
        let chosen = experiment(first, "exercise_time")["chosen"]!.stringValue!
        // The next plan carries the chosen exercise arm and the other sleep arm.
        let sleepArm = experiment(first, "sleep_shift")["chosen"]!.stringValue! == "gradual" ? "direct" : "gradual"
        let next = [
            item("rp-next", "exercise", date: "2026-03-09", intensity: 3, variant: ["exercise_time": chosen]),
            item("rp-next", "sleep", date: "2026-03-09", category: "sleep", variant: ["sleep_shift": sleepArm]),
        ]
        h.items += next
        let second = engine.decide(
            input(
                h, request: "req-2",
                plans: [
                    WindowPlan(
                        planID: "rp-next", date: LocalDate("2026-03-09"),
                        focus: nil, readinessState: nil, items: next)
                ]),
            pool: AdaptPool(rows: []))
        let linked = second.decisions.filter { $0.decisionID == first.decisions[0].decisionID }
        #expect(linked.count == 2)
        #expect(linked.first { $0.dimension == "exercise_time" }?.applied == true)
        #expect(linked.first { $0.dimension == "sleep_shift" }?.applied == false)
        // Feedback on the plan's exercise item: 5 of 7 completed → reward 5/7.
        h.decisions =
            first.decisions.map { d in linked.first { $0.dimension == d.dimension } ?? d }
            + second.decisions.filter { $0.planID == nil }
        h.feedback += (0..<7).map {
            feedback(
                "rp-next", "exercise", LocalDate("2026-03-09")!.adding(days: $0).description,
                $0 < 5 ? .completed : .skipped)
        }
        let third = engine.decide(input(h, request: "req-3"), pool: AdaptPool(rows: []))
        let rewarded = third.decisions.first {
            $0.decisionID == first.decisions[0].decisionID && $0.dimension == "exercise_time"
        }
        #expect(rewarded?.reward == 5.0 / 7 && rewarded?.rewardN == 7)
    }

    @Test func predictionHasAnIntervalAroundItsMean() {
        let h = history(weeks: [
            ("morning", "gradual", 6, 5), ("morning", "gradual", 5, 6), ("morning", "gradual", 6, 6),
        ])
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1))
        let p = greedy.decide(input(h), pool: AdaptPool(rows: [])).payload.payload["predicted_adherence"]!
        let mean = p["mean"]!.doubleValue!
        let low = p["low"]!.doubleValue!
        let high = p["high"]!.doubleValue!
        #expect(low < mean && mean < high && low >= 0 && high <= 1)
        // Exercise: morning Beta(1 + 17, 1 + 4) → 18/23; sleep: gradual Beta(1 + 17, 1 + 4) → 18/23.
        #expect(abs(mean - 18.0 / 23) < 1e-4)
        #expect(p["items"] == 2 && p["days"] == 7)
        // With no history at all: 0.5 with a wide interval.
        let empty = engine.decide(input(AdaptHistory()), pool: AdaptPool(rows: [])).payload.payload[
            "predicted_adherence"]!
        #expect(empty["mean"] == 0.5 && empty["low"]!.doubleValue! < 0.1)
    }
}

// MARK: - Off-line evaluation

@Suite struct AdaptOffPolicyTests {
    /// A decision logged by a uniform policy over two arms.
    func logged(_ i: Int, chosen: String, reward: Double, propensity: Double = 0.5) -> AdaptDecisionLog {
        AdaptDecisionLog(
            decisionID: "d\(i)", dimension: "sleep_shift", analysisID: "a", decidedAt: "2026-01-01T00:00:00Z",
            policy: "random", chosen: chosen, propensity: propensity,
            arms: [
                ArmSnapshot(arm: "gradual", alpha: 3, beta: 1, pBest: 0.8, probability: 0.5),
                ArmSnapshot(arm: "direct", alpha: 1, beta: 3, pBest: 0.2, probability: 0.5),
            ],
            context: [:], planID: "p\(i)", applied: true, reward: reward, rewardN: 7)
    }

    @Test func ipsByHand() {
        let log = [
            logged(0, chosen: "gradual", reward: 0.8), logged(1, chosen: "direct", reward: 0.2),
            logged(2, chosen: "gradual", reward: 0.6), logged(3, chosen: "direct", reward: 0.4),
        ]
        // arm:gradual: weights 2, 0, 2, 0 → IPS (1.6 + 1.2) / 4 = 0.7; SNIPS 2.8 / 4 = 0.7.
        let g = OffPolicy.evaluate(log, dimension: "sleep_shift", target: .arm("gradual"))
        #expect(abs(g.ips! - 0.7) < 1e-12 && abs(g.snips! - 0.7) < 1e-12 && g.effectiveN == 2)
        // The logging policy itself: the mean reward.
        #expect(abs(OffPolicy.evaluate(log, dimension: "sleep_shift", target: .logged).ips! - 0.5) < 1e-12)
        // Greedy picks gradual (mean 0.75): same as arm:gradual here.
        #expect(abs(OffPolicy.evaluate(log, dimension: "sleep_shift", target: .greedy).ips! - 0.7) < 1e-12)
        // Thompson: π = p_best: weights 1.6, 0.4, 1.6, 0.4 → (1.28 + 0.08 + 0.96 + 0.16) / 4 = 0.62.
        #expect(
            abs(OffPolicy.evaluate(log, dimension: "sleep_shift", target: .thompson(explore: 0)).ips! - 0.62) < 1e-12)
        // Unapplied or unrewarded decisions are left out.
        var skipped = log
        skipped[0].applied = false
        skipped[1].reward = nil
        #expect(OffPolicy.evaluate(skipped, dimension: "sleep_shift", target: .logged).n == 2)
        #expect(TargetPolicy(argument: "thompson:0.1") == .thompson(explore: 0.1))
        #expect(TargetPolicy(argument: "bogus") == nil)
    }

    @Test func ipsIsUnbiasedOnSimulatedUniformLogs() {
        // Rewards Bernoulli(0.7) for gradual, (0.3) for direct, logged uniformly: IPS of each arm near its rate.
        var rng = AdaptRandom(seed: 9, stream: "ips")
        var log: [AdaptDecisionLog] = []
        for i in 0..<20_000 {
            let g = rng.uniform() < 0.5
            let r = rng.uniform() < (g ? 0.7 : 0.3) ? 1.0 : 0.0
            log.append(logged(i, chosen: g ? "gradual" : "direct", reward: r))
        }
        let e = OffPolicy.evaluate(log, dimension: "sleep_shift", target: .arm("gradual"))
        #expect(abs(e.ips! - 0.7) < 4 * e.standardError!)
        #expect(e.low! < 0.7 && 0.7 < e.high! || abs(e.ips! - 0.7) < 0.02)
    }
}

// MARK: - Pooling that knows when not to pool; forgetting (issue 19)

@Suite struct AdaptDispersionTests {
    private func row(_ user: String, _ arch: Archetype, _ armName: String, _ s: Double, _ f: Double) -> AdaptArmState {
        AdaptArmState(
            user: user, archetype: arch.name, dimension: "exercise_time", arm: armName, priorAlpha: 1,
            priorBeta: 1, successes: s, failures: f, pulls: 3, pBest: nil, chosen: false)
    }

    @Test func methodOfMomentsMatchesNumpyAndScipy() {
        // 12 users drawn by scipy.stats.betabinom(n_i, 2, 3) (RandomState 19): true ρ = 1/6. The method of
        // moments by numpy gives ρ̂ = 0.17247321808507057, p̂ = 0.3923444976076555; scipy's maximum
        // likelihood (optimize.minimize of betabinom.logpmf) 0.16843624817993805.
        let data: [(Double, Double)] = [
            (2, 19), (11, 26), (0, 7), (4, 13), (2, 24), (13, 25), (11, 15), (5, 7), (10, 29), (16, 27), (5, 7),
            (3, 10),
        ]
        var m = BetaBinomialMoments()
        for (s, n) in data { m.add(successes: s, trials: n) }
        #expect(abs(m.rate! - 0.3923444976076555) < 1e-12)
        #expect(abs(m.rho! - 0.17247321808507057) < 1e-12)
        #expect(abs(m.strength! - 4.798001632385387) < 1e-9)
        #expect(abs(m.rho! - 0.16843624817993805) < 0.01)
        // Taking a user out undoes adding it.
        var n = m
        n.add(successes: 99, trials: 120)
        n.add(successes: 99, trials: 120, sign: -1)
        #expect(n.users == m.users && abs(n.rho! - m.rho!) < 1e-9)
    }

    @Test func recoversTheDispersionOfSimulatedUsers() {
        // 400 users, each with a rate drawn from Beta(6, 2) (ρ = 1/9) and 30 trials.
        var rng = AdaptRandom(seed: 19, stream: "dispersion")
        var m = BetaBinomialMoments()
        for _ in 0..<400 {
            let p = rng.beta(6, 2)
            let s = (0..<30).filter { _ in rng.uniform() < p }.count
            m.add(successes: Double(s), trials: 30)
        }
        #expect(abs(m.rho! - 1.0 / 9) < 0.03)
        #expect(abs(m.rate! - 0.75) < 0.03)
    }

    @Test func agreeingUsersGiveAStrongPriorDisagreeingUsersAlmostNone() {
        // Agree: every Peak Performer completes the morning arm 85% of the time (ρ̂ clipped to 0).
        var rows: [AdaptArmState] = []
        for (i, s) in [17.0, 16, 18, 17, 17, 16, 18, 17].enumerated() {
            rows.append(row("pp-\(i)", .peakPerformer, "morning", s, 20 - s))
        }
        // Disagree: a third of the Foundation Builders completes 85%, the others 25% (numpy: ρ̂ = 0.31854).
        for (i, s) in ([17.0, 17, 17, 17] + Array(repeating: 5.0, count: 8)).enumerated() {
            rows.append(row("fb-\(i)", .foundationBuilder, "morning", s, 20 - s))
        }
        let pool = AdaptPool(rows: rows)
        let agree = pool.prior(
            user: "new", archetype: Archetype.peakPerformer.name, dimension: "exercise_time", arm: "morning")
        #expect(agree.source.weight == AdaptationRules.priorWeight)
        #expect(agree.source.dispersion == 0)
        #expect(agree.alpha + agree.beta == 2 + AdaptationRules.priorWeight)
        let disagree = pool.prior(
            user: "new", archetype: Archetype.foundationBuilder.name, dimension: "exercise_time", arm: "morning")
        let rho = 0.3185442946208496
        #expect(abs(disagree.source.weight - JSON.rounded((1 - rho) / rho, places: 4)) < 1e-9)
        #expect(disagree.alpha + disagree.beta < 2 + 2.2)
        // A newcomer's own week outweighs the disagreeing prior, not the agreeing one.
        #expect(disagree.source.weight < 7 && agree.source.weight > 7)
        // Too few users to measure agreement: an archetype of 2 falls back to everyone; nobody: Beta(1, 1).
        let two = AdaptPool(rows: [row("a", .peakPerformer, "midday", 5, 5), row("b", .peakPerformer, "midday", 9, 1)])
        let none = two.prior(
            user: "new", archetype: Archetype.peakPerformer.name, dimension: "exercise_time", arm: "midday")
        #expect(none.alpha == 1 && none.beta == 1)
    }

    @Test func regressionAPriorFromAFewAnswersEachNeverOutweighsAPersonsOwn() {
        // Users who answer once a week per item: two answers each on the arm, which happen to agree (ρ̂ = 0).
        // The prior was worth 20 feedbacks, months of such a person's own; now it is worth 2.
        var rows: [AdaptArmState] = []
        for i in 0..<12 { rows.append(row("w-\(i)", .peakPerformer, "morning", 1, 1)) }
        let pool = AdaptPool(rows: rows)
        let prior = pool.prior(
            user: "new", archetype: Archetype.peakPerformer.name, dimension: "exercise_time", arm: "morning")
        #expect(prior.source.weight == 2)
        #expect(prior.alpha + prior.beta == 4)
    }

    @Test func aPreferenceThatMovesIsDetectedAndOldEvidenceForgotten() {
        // Morning worked for four weeks, then the user's mornings went: a week of skips.
        let moved = history(weeks: [
            ("morning", "direct", 7, 5), ("morning", "direct", 7, 5), ("morning", "direct", 7, 5),
            ("morning", "direct", 7, 5), ("morning", "direct", 0, 5),
        ])
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1))
        let o = greedy.decide(input(moved), pool: AdaptPool(rows: []))
        let e = experiment(o, "exercise_time")
        // z = (1 − 0) / √(0.8 · 0.2 · (1/28 + 1/7)) = 5.9 ≥ 2.58: a change at the fifth plan (rp-4).
        #expect(e["changes"] == ["rp-4"])
        let morning = arm(e, "morning")
        #expect(morning["successes"] == 2.8 && morning["failures"] == 7)
        // Without the test the mean would be 29/37; now 3.8/11.8, and greedy tries an arm not yet tried.
        #expect(abs(morning["mean"]!.doubleValue! - 3.8 / 11.8) < 1e-4)
        #expect(e["chosen"] != "morning")
        // The steady sleep arm keeps all its evidence, and reports no change.
        let sleep = experiment(o, "sleep_shift")
        #expect(sleep["changes"] == nil && arm(sleep, "direct")["successes"] == 25)
        // The same drop on a harder plan (intensity 4 after weeks at 3) is put down to the intensity.
        var harder = moved
        for i in harder.items.indices where harder.items[i].planID == "rp-4" { harder.items[i].intensity = 4 }
        #expect(experiment(greedy.decide(input(harder), pool: AdaptPool(rows: [])), "exercise_time")["changes"] == nil)

        // One mediocre week after four good ones is no change: z = (24/28 − 4/7) / √(0.8 · 0.2 · (1/28 + 1/7))
        // = 1.69 < 2.58.
        let steady = history(weeks: [
            ("morning", "direct", 6, 5), ("morning", "direct", 6, 5), ("morning", "direct", 6, 5),
            ("morning", "direct", 6, 5), ("morning", "direct", 4, 5),
        ])
        let s = experiment(greedy.decide(input(steady), pool: AdaptPool(rows: [])), "exercise_time")
        #expect(s["changes"] == nil && arm(s, "morning")["successes"] == 28)
        #expect(s["chosen"] == "morning")
    }

    @Test func aLuckyStreakThenAnOrdinaryWeekIsNoChange() {
        // 14 of 14, then 5 of 7: raw rates give z = 2.10 ≥ 1.96; the smoothed ones (15/16, 6/9) give 1.74.
        let lucky = history(weeks: [
            ("morning", "direct", 7, 5), ("morning", "direct", 7, 5), ("morning", "direct", 5, 5),
        ])
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1))
        let e = experiment(greedy.decide(input(lucky), pool: AdaptPool(rows: [])), "exercise_time")
        #expect(e["changes"] == nil && arm(e, "morning")["successes"] == 19)
    }

    @Test func aMoveHiddenByAHarderPlanIsFoundOnceAnEasierPlanFails() {
        // Evening worked at intensity 2 (13 of 14); the week the user's evenings went was intensity 4, so its
        // failures prove nothing; then 3, 3 and 2. Testing each plan against all that came before never
        // finds the move (the failures at 4 and 3 dilute the evening's rate); the scan splits the evening's
        // last plans and compares the intensity-2 week with the intensity-2 weeks before the move.
        var h = history(weeks: [
            ("morning", "direct", 2, 5), ("evening", "direct", 7, 5), ("evening", "direct", 6, 5),
            ("evening", "direct", 2, 5), ("evening", "direct", 0, 5), ("evening", "direct", 2, 5),
        ])
        let intensity = ["rp-0": 2, "rp-1": 2, "rp-2": 2, "rp-3": 4, "rp-4": 3, "rp-5": 3]
        for i in h.items.indices where h.items[i].itemID == "exercise" {
            h.items[i].intensity = intensity[h.items[i].planID]
        }
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1))
        #expect(experiment(greedy.decide(input(h), pool: AdaptPool(rows: [])), "exercise_time")["changes"] == nil)
        // A week at intensity 2 with 1 of 7: 13/14 before rp-3 against 1/7 since, z = (14/16 − 2/9) / 0.220 = 2.96.
        h = history(weeks: [
            ("morning", "direct", 2, 5), ("evening", "direct", 7, 5), ("evening", "direct", 6, 5),
            ("evening", "direct", 2, 5), ("evening", "direct", 0, 5), ("evening", "direct", 2, 5),
            ("evening", "direct", 1, 5),
        ])
        for i in h.items.indices where h.items[i].itemID == "exercise" {
            h.items[i].intensity = intensity[h.items[i].planID] ?? 2
        }
        let e = experiment(greedy.decide(input(h), pool: AdaptPool(rows: [])), "exercise_time")
        #expect(e["changes"] == ["rp-3"])
        // Before the move counts a tenth, the morning's failures too; the weeks since the move in full.
        #expect(abs(arm(e, "morning")["failures"]!.doubleValue! - 0.5) < 1e-9)
        #expect(abs(arm(e, "evening")["successes"]!.doubleValue! - (1.3 + 5)) < 1e-9)
        #expect(e["chosen"] != "evening")
    }
}

// MARK: - Several arms in one plan (issue 19, item 6)

@Suite struct AdaptScheduleTests {
    let engine = AdaptEngine(settings: AdaptSettings(policy: .thompson, explore: 0.02, seed: 42))

    @Test func uncertainArmsShareThePlanDaysAClearWinnerTakesThemAll() {
        // No evidence: every arm is as likely best, so the 7 days of the plan try more than one.
        var mixed = 0
        for k in 0..<20 {
            let o = engine.decide(input(AdaptHistory(), request: "req-\(k)"), pool: AdaptPool(rows: []))
            let e = experiment(o, "exercise_time")
            guard let s = e["schedule"]?.arrayValue?.compactMap(\.stringValue) else { continue }
            mixed += 1
            #expect(s.count == AdaptationRules.scheduleDays)
            // Day 0 is the logged draw.
            #expect(s[0] == e["chosen"]?.stringValue)
        }
        #expect(mixed >= 15, "\(mixed) of 20 uncertain decisions tried several arms")
        // sleep_shift is a strategy for the whole week: never a schedule.
        #expect(
            experiment(engine.decide(input(AdaptHistory()), pool: AdaptPool(rows: [])), "sleep_shift")["schedule"]
                == nil)
        // Evening clearly best: no schedule in most decisions (only the logged draw's exploration floor).
        let h = history(weeks: [
            ("morning", "direct", 1, 6), ("midday", "direct", 1, 6), ("evening", "direct", 7, 6),
            ("evening", "direct", 7, 6), ("evening", "direct", 6, 6),
        ])
        let clear = (0..<20).filter { k in
            experiment(engine.decide(input(h, request: "req-\(k)"), pool: AdaptPool(rows: [])), "exercise_time")[
                "schedule"] == nil
        }
        #expect(clear.count >= 18)
    }

    @Test func aUserWhoAnswersOncePerItemGetsTwoDrawsNotSeven() {
        // Two plans, each item answered once (on the plan's date): the schedule alternates at most two arms.
        var h = AdaptHistory()
        for (w, arm) in ["morning", "evening"].enumerated() {
            let d = LocalDate("2026-03-02")!.adding(days: 7 * w).description
            h.items.append(item("rp-\(w)", "exercise", date: d, variant: ["exercise_time": arm]))
            h.feedback.append(feedback("rp-\(w)", "exercise", d, w == 0 ? .completed : .skipped))
        }
        #expect(AdaptEngine.answersPerItem(FeedbackJoin(items: h.items, feedback: h.feedback)) == 1)
        var split = 0
        for k in 0..<20 {
            let e = experiment(engine.decide(input(h, request: "req-\(k)"), pool: AdaptPool(rows: [])), "exercise_time")
            guard let s = e["schedule"]?.arrayValue?.compactMap(\.stringValue) else { continue }
            split += 1
            #expect(Set(s).count == 2)
            #expect(s[0] == s[2] && s[2] == s[4] && s[4] == s[6] && s[1] == s[3] && s[3] == s[5])
        }
        #expect(split > 0)
        // Day by day (7 answers per item and plan): seven draws, as before.
        #expect(
            AdaptEngine.answersPerItem(
                FeedbackJoin(
                    items: history(weeks: [("morning", "direct", 3, 3)]).items,
                    feedback: history(weeks: [("morning", "direct", 3, 3)]).feedback)) == 7)
    }

    @Test func greedyAndTheOracleNeverSplitAPlan() {
        let greedy = AdaptEngine(settings: AdaptSettings(policy: .greedy, explore: 0, seed: 1))
        for k in 0..<10 {
            let o = greedy.decide(input(AdaptHistory(), request: "req-\(k)"), pool: AdaptPool(rows: []))
            #expect(experiment(o, "exercise_time")["schedule"] == nil)
        }
    }

    @Test func aDecisionsRewardIsItsOwnArmsDays() {
        // The plan tried morning on 3 days (all completed) and evening on 4 (all skipped); the decision chose
        // morning, so its reward is 1, not the plan's 3/7.
        let d0 = LocalDate("2026-03-02")!
        let items = [
            item("rp-0", "exercise", date: d0.description, variant: ["exercise_time": "morning"]),
            item("rp-0", "exercise-evening", date: d0.description, variant: ["exercise_time": "evening"]),
        ]
        let fb =
            (0..<3).map { feedback("rp-0", "exercise", d0.adding(days: $0).description, .completed) }
            + (3..<7).map { feedback("rp-0", "exercise-evening", d0.adding(days: $0).description, .skipped) }
        let logged = AdaptDecisionLog(
            decisionID: "d", dimension: "exercise_time", analysisID: "a", decidedAt: "2026-03-01T00:00:00Z",
            policy: "thompson", chosen: "morning", propensity: 0.5, arms: [], context: [:])
        let plan = WindowPlan(planID: "rp-0", date: d0, focus: nil, readinessState: nil, items: items)
        let out = AdaptEngine.linkAndReward(
            history: [logged], windowPlans: [plan], join: FeedbackJoin(items: items, feedback: fb))
        #expect(out.first?.reward == 1)
        #expect(out.first?.rewardN == 3)
    }
}

// MARK: - Items and tolerance (issue 19, item 2)

/// Weeks of one exercise item at `intensity` with the arm given, `done` of 7 days completed.
private func exerciseWeeks(_ weeks: [(arm: String, intensity: Int, done: Int)]) -> FeedbackJoin {
    var items: [AdaptPlanItem] = []
    var fb: [AdaptFeedback] = []
    let start = LocalDate("2026-03-02")!
    for (w, week) in weeks.enumerated() {
        let date = start.adding(days: 7 * w)
        items.append(
            item(
                "rp-\(w)", "exercise", date: date.description, intensity: week.intensity,
                variant: ["exercise_time": week.arm]))
        for d in 0..<7 {
            fb.append(
                feedback("rp-\(w)", "exercise", date.adding(days: d).description, d < week.done ? .completed : .skipped)
            )
        }
    }
    return FeedbackJoin(items: items, feedback: fb)
}

private func settledPosteriors(_ best: String) -> [String: [ArmPosterior]] {
    let arms = ["morning", "midday", "evening"].map { a in
        ArmPosterior(
            arm: a, priorAlpha: 1, priorBeta: 1, successes: a == best ? 30 : 2, failures: a == best ? 5 : 20, pulls: 3,
            pBest: a == best ? 0.99 : 0.005)
    }
    return ["exercise_time": arms]
}

@Suite struct AdaptItemEvolutionTests {
    @Test func verdictsFollowTheThresholdsWithHysteresis() {
        #expect(ItemVerdict.next(after: .keep, completion: 0.9) == .keep)
        #expect(ItemVerdict.next(after: .keep, completion: 0.78) == .keep) // within the margin
        #expect(ItemVerdict.next(after: .keep, completion: 0.74) == .adapt)
        #expect(ItemVerdict.next(after: .adapt, completion: 0.82) == .adapt) // within the margin
        #expect(ItemVerdict.next(after: .adapt, completion: 0.86) == .keep)
        #expect(ItemVerdict.next(after: .adapt, completion: 0.37) == .adapt)
        #expect(ItemVerdict.next(after: .adapt, completion: 0.3) == .replace)
        #expect(ItemVerdict.next(after: .replace, completion: 0.42) == .replace)
        #expect(ItemVerdict.next(after: .replace, completion: 0.5) == .adapt)
        #expect(ItemVerdict.next(after: .keep, completion: 0.2) == .replace)
    }

    @Test func aTooHardIntensityAtTheSettledTimeLowersTheCap() {
        // Evening is settled best; at intensity 3 the user completes 2 of 7: exercise is capped at 2, the item
        // is made lighter.
        let join = exerciseWeeks([("evening", 3, 2), ("evening", 3, 2)])
        let e = ItemEvolution.of(join, posteriors: settledPosteriors("evening"))
        #expect(e.caps["exercise"] == 2)
        let t = e.tolerance.first { $0.category == "exercise" }!
        // Lowered at the first plan; the second was made before the cap, so the cap holds.
        #expect(t.state == "held" && t.evidence == 14)
        let one = ItemEvolution.of(exerciseWeeks([("evening", 3, 2)]), posteriors: settledPosteriors("evening"))
        #expect(one.tolerance[0].state == "lowered" && one.caps["exercise"] == 2)
        let v = e.items.first { $0.item == "exercise" }!
        #expect(v.verdict == "replace" && v.action == "lighter")
        // At intensity 2 afterwards the user completes 6 of 7: kept, the cap holds.
        let after = ItemEvolution.of(
            exerciseWeeks([("evening", 3, 2), ("evening", 3, 2), ("evening", 2, 6), ("evening", 2, 7)]),
            posteriors: settledPosteriors("evening"))
        #expect(after.caps["exercise"] == 2)
        #expect(after.tolerance[0].state == "held")
        #expect(after.items[0].verdict == "keep" && after.items[0].action == "none")
    }

    @Test func failuresAwayFromTheSettledTimeSayNothingAboutIntensity() {
        // Morning fails, but evening is the settled best: the failures are the time's, not the intensity's.
        let e = ItemEvolution.of(
            exerciseWeeks([("morning", 3, 1), ("morning", 3, 1)]), posteriors: settledPosteriors("evening"))
        #expect(e.caps["exercise"] == nil)
        #expect(e.items[0].action == "another_time")
        // Nor while no arm is settled and some time is still untried (midday: one feedback).
        var open = settledPosteriors("evening")
        for (i, c) in [(1.0, 5.0), (0.0, 1.0), (2.0, 4.0)].enumerated() {
            (open["exercise_time"]![i].successes, open["exercise_time"]![i].failures) = c
            open["exercise_time"]![i].pBest = 1.0 / 3
        }
        #expect(ItemEvolution.of(exerciseWeeks([("evening", 3, 1), ("evening", 3, 1)]), posteriors: open).caps.isEmpty)
        // Once every time has been tried twice and even the best fails, the intensity is the suspect.
        open["exercise_time"]![1].failures = 2
        #expect(
            ItemEvolution.of(exerciseWeeks([("evening", 3, 1), ("evening", 3, 1)]), posteriors: open).caps
                == ["exercise": 2])
    }

    @Test func theCapIsProbedAfterSixPlansAndHoldsAfterTwoFailures() {
        var weeks: [(arm: String, intensity: Int, done: Int)] = [("evening", 3, 1)]
        weeks += Array(repeating: ("evening", 2, 7), count: 6)
        var e = ItemEvolution.of(exerciseWeeks(weeks), posteriors: settledPosteriors("evening"))
        #expect(e.caps["exercise"] == nil || e.caps["exercise"] == 3)
        #expect(e.tolerance[0].state == "raised")
        // The probe fails again: capped at 2, and after a second failure no more probes.
        weeks += [("evening", 3, 1)] + Array(repeating: ("evening", 2, 7), count: 8)
        e = ItemEvolution.of(exerciseWeeks(weeks), posteriors: settledPosteriors("evening"))
        #expect(e.caps["exercise"] == 2)
        #expect(e.tolerance[0].state == "held")
    }

    @Test func whatPeopleSayAboutIntensityMovesTheCapAtOnce() {
        // Morning is no settled best (all times open), so completions alone say nothing; two too_hard do.
        var join = exerciseWeeks([("morning", 4, 3)])
        for i in join.pairs.indices where i < 2 {
            let f = join.pairs[i].feedback
            join.pairs[i].feedback = AdaptFeedback(
                planID: f.planID, itemID: f.itemID, date: f.date, status: .skipped, reason: .tooHard)
        }
        let e = ItemEvolution.of(join, posteriors: [:].merging(["exercise_time": []]) { $1 })
        #expect(e.caps["exercise"] == 3)
        #expect(e.tolerance[0].reason.contains("too_hard"))
        // Two too_easy at the cap raise it again.
        var more = exerciseWeeks([("morning", 4, 3), ("morning", 3, 7)])
        for i in more.pairs.indices {
            let f = more.pairs[i].feedback
            let reason: PlanFeedback.Reason? = i < 2 ? .tooHard : (i >= 7 && i < 9 ? .tooEasy : nil)
            more.pairs[i].feedback = AdaptFeedback(
                planID: f.planID, itemID: f.itemID, date: f.date, status: f.status, reason: reason)
        }
        let raised = ItemEvolution.of(more, posteriors: [:])
        #expect(raised.caps["exercise"] == 4 && raised.tolerance[0].state == "raised")
    }

    @Test func aMiddlingItemWithoutATimeArmIsMadeShorter() {
        let items = [item("rp-0", "mindfulness", date: "2026-03-02", category: "mindfulness")]
        let fb = (0..<7).map { feedback("rp-0", "mindfulness", "2026-03-0\($0 + 2)", $0 < 4 ? .completed : .skipped) }
        let e = ItemEvolution.of(FeedbackJoin(items: items, feedback: fb), posteriors: [:])
        #expect(e.items.map(\.action) == ["shorter"])
        #expect(e.items[0].verdict == "adapt")
        #expect(ItemEvolution.role(of: "exercise-evening") == "exercise")
        #expect(ItemEvolution.role(of: "wind-down") == "wind-down")
    }
}
