// A/B tests of strategies: Beta posteriors per user and arm, priors pooled over the archetype, and the policies.

import HOSCore

/// How arms are chosen.
public enum AdaptPolicy: String, Sendable, CaseIterable {
    /// Thompson sampling: a draw from each arm's posterior, the largest wins.
    case thompson
    /// The arm with the highest posterior mean.
    case greedy
    /// Each arm with equal probability (a baseline, and the best logging policy for off-line evaluation).
    case random
    /// The user's preferred arm from a `hos-synth --truth` file (evaluation only).
    case oracle
}

/// Other users' counts per archetype and arm, read once per run: the source of the pooled priors.
public struct AdaptPool: Sendable {
    struct Key: Hashable {
        var archetype: String
        var dimension: String
        var arm: String
    }

    struct Sum {
        var successes = 0.0
        var failures = 0.0
        var users = 0
        mutating func add(_ s: Double, _ f: Double, _ u: Int) {
            successes += s
            failures += f
            users += u
        }
    }

    var byArchetype: [Key: Sum] = [:]
    var population: [Key: Sum] = [:]
    /// Users' (successes, trials) per arm, for the dispersion: by archetype, and (archetype "") overall.
    var moments: [Key: BetaBinomialMoments] = [:]
    /// Each user's own rows, subtracted from the sums when that user's prior is made.
    var own: [String: [AdaptArmState]] = [:]

    public init(rows: [AdaptArmState]) {
        // Only arms a user has feedback on count, so that "users" counts users with evidence.
        for r in rows where r.successes + r.failures > 0 {
            own[r.user, default: []].append(r)
            let a = Key(archetype: r.archetype ?? "", dimension: r.dimension, arm: r.arm)
            let p = Key(archetype: "", dimension: r.dimension, arm: r.arm)
            byArchetype[a, default: Sum()].add(r.successes, r.failures, 1)
            population[p, default: Sum()].add(r.successes, r.failures, 1)
            moments[a, default: BetaBinomialMoments()].add(successes: r.successes, trials: r.successes + r.failures)
            moments[p, default: BetaBinomialMoments()].add(successes: r.successes, trials: r.successes + r.failures)
        }
    }

    /// The prior of one user's arm: Beta(1 + w·p, 1 + w·(1 − p)), where p is the archetype's rate shrunk
    /// toward the population's, p = (S_A + m·p_pop) / (N_A + m), p_pop = S_pop / N_pop (0.5 without any),
    /// and w = min(W, M, n̄): M = (1 − ρ) / ρ is the strength of a beta-binomial fitted to other users' counts
    /// on the arm (`BetaBinomialMoments`: the archetype's users when there are enough, else everyone's), so
    /// the prior is strong where users agree and near Beta(1, 1) where they do not; n̄ = N / k, those users'
    /// mean feedbacks on the arm, so that it never outweighs a typical user's own evidence.
    public func prior(user: String, archetype: String, dimension: String, arm: String)
        -> (alpha: Double, beta: Double, source: PriorSource)
    {
        let r = AdaptationRules.self
        let aKey = Key(archetype: archetype, dimension: dimension, arm: arm)
        let pKey = Key(archetype: "", dimension: dimension, arm: arm)
        var a = byArchetype[aKey] ?? Sum()
        var p = population[pKey] ?? Sum()
        var mA = moments[aKey] ?? BetaBinomialMoments()
        var mP = moments[pKey] ?? BetaBinomialMoments()
        for mine in own[user] ?? [] where mine.dimension == dimension && mine.arm == arm {
            p.add(-mine.successes, -mine.failures, -1)
            mP.add(successes: mine.successes, trials: mine.successes + mine.failures, sign: -1)
            if (mine.archetype ?? "") == archetype {
                a.add(-mine.successes, -mine.failures, -1)
                mA.add(successes: mine.successes, trials: mine.successes + mine.failures, sign: -1)
            }
        }
        let nPop = max(0, p.successes + p.failures)
        let nA = max(0, a.successes + a.failures)
        let pPop = nPop > 0 ? max(0, p.successes) / nPop : 0.5
        let pA = (max(0, a.successes) + r.shrinkage * pPop) / (nA + r.shrinkage)
        let fit = mA.users >= r.minDispersionUsers ? mA : mP
        let strength = fit.users >= r.minDispersionUsers ? (fit.strength ?? 0) : 0
        // Never stronger than a typical user's own evidence on the arm: with few answers each (one per item
        // and week), ρ̂ is unreliable and often 0, and a prior of 20 would outweigh months of a person's own.
        let typical = fit.users > 0 ? fit.trials / Double(fit.users) : 0
        let w = min(r.priorWeight, strength, typical)
        var source = PriorSource()
        (source.archetypeUsers, source.archetypeN) = (max(0, a.users), JSON.rounded(nA, places: 1))
        (source.populationUsers, source.populationN) = (max(0, p.users), JSON.rounded(nPop, places: 1))
        (source.rate, source.weight) = (JSON.rounded(pA, places: 4), JSON.rounded(w, places: 4))
        if fit.users >= r.minDispersionUsers, let rho = fit.rho {
            source.dispersion = JSON.rounded(rho, places: 4)
            source.dispersionOf = fit.users
        }
        return (1 + w * pA, 1 + w * (1 - pA), source)
    }
}

/// One arm's posterior: prior, the user's own counts, and the probability that it is the best arm.
public struct ArmPosterior: Sendable, Equatable {
    public var arm: String
    public var priorAlpha: Double
    public var priorBeta: Double
    /// Sum of the user's feedback scores on items with this arm, and of 1 − score.
    public var successes: Double
    public var failures: Double
    /// Plans whose items carried this arm.
    public var pulls: Int
    public var pBest = 0.0

    public var alpha: Double { priorAlpha + successes }
    public var beta: Double { priorBeta + failures }
    public var distribution: BetaDistribution { BetaDistribution(alpha, beta) }
    public var mean: Double { distribution.mean }

    /// The user's counts of each arm of a dimension (conjugate update: each feedback adds w · score to
    /// successes and w · (1 − score) to failures), where score and weight are `FeedbackEvidence`'s (status,
    /// rating, reason; 1 and the status's score for a feedback that says nothing more), the weight times
    /// `ChangeDetection`'s: evidence from before a change of preference counts a tenth.
    public static func counts(_ join: FeedbackJoin, dimension: String) -> [String: (
        s: Double, f: Double, plans: Set<String>
    )] {
        var out: [String: (s: Double, f: Double, plans: Set<String>)] = [:]
        let weights = ChangeDetection.weights(join, dimension: dimension).weights
        for (i, (item, f)) in join.pairs.enumerated() {
            guard let arm = item.variant[dimension] else { continue }
            let e = FeedbackEvidence.of(f, dimension: dimension)
            let w = weights[i] * e.weight
            var c = out[arm] ?? (0, 0, [])
            c.s += w * e.score
            c.f += w * (1 - e.score)
            c.plans.insert(item.planID)
            out[arm] = c
        }
        return out
    }
}

/// A policy's choice on one dimension: the arm, the probability of every arm, and how it was drawn.
public struct ArmChoice: Sendable, Equatable {
    public var index: Int
    public var probabilities: [Double]
    /// thompson, explore (the uniform share), greedy, random, oracle.
    public var mode: String
}

/// The policies' choices.
public enum ArmChooser {
    /// Chooses among `arms` (their posteriors with p_best set). Every policy but the oracle keeps each arm's
    /// probability at least `explore` (≤ 1/k): with probability k·explore the arm is uniform, else the
    /// policy's own choice, so P(arm) = explore + (1 − k·explore) · P_policy(arm).
    public static func choose(
        _ arms: [ArmPosterior], policy: AdaptPolicy, explore: Double,
        preferred: String? = nil, rng: inout AdaptRandom
    ) -> ArmChoice {
        let k = arms.count
        let eps = min(max(0, explore), 1 / Double(k))
        switch policy {
        case .oracle:
            let i = arms.firstIndex { $0.arm == preferred } ?? 0
            return ArmChoice(index: i, probabilities: arms.indices.map { $0 == i ? 1 : 0 }, mode: "oracle")
        case .random:
            let i = uniformIndex(k, rng: &rng)
            return ArmChoice(index: i, probabilities: arms.map { _ in 1 / Double(k) }, mode: "random")
        case .thompson, .greedy:
            let best = Self.greedyIndex(arms)
            let own: [Double] = policy == .thompson ? arms.map(\.pBest) : arms.indices.map { $0 == best ? 1 : 0 }
            let probabilities = own.map { eps + (1 - Double(k) * eps) * $0 }
            if rng.uniform() < Double(k) * eps {
                let i = uniformIndex(k, rng: &rng)
                return ArmChoice(index: i, probabilities: probabilities, mode: "explore")
            }
            if policy == .greedy { return ArmChoice(index: best, probabilities: probabilities, mode: "greedy") }
            return ArmChoice(index: thompsonDraw(arms, rng: &rng), probabilities: probabilities, mode: "thompson")
        }
    }

    /// One of `k` indices, each with probability 1/k.
    static func uniformIndex(_ k: Int, rng: inout AdaptRandom) -> Int { min(k - 1, Int(rng.uniform() * Double(k))) }

    /// One Thompson draw: a value from each arm's posterior, the index of the largest.
    static func thompsonDraw(_ arms: [ArmPosterior], rng: inout AdaptRandom) -> Int {
        var top = 0
        var topValue = -1.0
        for (i, a) in arms.enumerated() {
            let v = rng.beta(a.alpha, a.beta)
            if v > topValue { (top, topValue) = (i, v) }
        }
        return top
    }

    /// The arm with the highest posterior mean; ties go to the first listed.
    public static func greedyIndex(_ arms: [ArmPosterior]) -> Int {
        var best = 0
        for (i, a) in arms.enumerated() where a.mean > arms[best].mean { best = i }
        return best
    }
}
