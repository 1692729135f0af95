// Between-user dispersion of an arm's success: a method-of-moments beta-binomial fit that says how much users
// agree, and so how strong a pooled prior may be.

/// Users' (successes, trials) on one arm as additive sums, so that one user can be taken out again.
public struct BetaBinomialMoments: Sendable, Equatable {
    /// Users counted (k).
    public var users = 0
    /// Σ n_i: trials.
    public var trials = 0.0
    /// Σ s_i: successes.
    public var successes = 0.0
    /// Σ s_i² / n_i.
    public var squares = 0.0
    /// Σ n_i².
    public var trialSquares = 0.0

    public init() {}

    /// Adds one user's counts (`sign` −1 takes them out); a user without trials counts for nothing.
    public mutating func add(successes s: Double, trials n: Double, sign: Double = 1) {
        guard n > 0 else { return }
        users += sign > 0 ? 1 : -1
        trials += sign * n
        successes += sign * s
        squares += sign * s * s / n
        trialSquares += sign * n * n
    }

    /// The pooled rate p̂ = Σ s_i / Σ n_i; nil without trials.
    public var rate: Double? { trials > 1e-9 ? min(1, max(0, successes / trials)) : nil }

    /// The intra-class correlation ρ = 1 / (α + β + 1) of a beta-binomial, by the method of moments (Kleinman
    /// 1973): with S = Σ n_i (r_i − p̂)² = Σ s_i²/n_i − N·p̂², ρ̂ = (S / (p̂(1 − p̂)) − (k − 1)) /
    /// (N − Σ n_i²/N − (k − 1)), within 0–1. Nil with fewer than 2 users, a rate of 0 or 1, or one trial each.
    public var rho: Double? {
        guard users >= 2, let p = rate, p > 1e-9, p < 1 - 1e-9 else { return nil }
        let k = Double(users)
        let spread = squares - trials * p * p
        let denominator = trials - trialSquares / trials - (k - 1)
        guard denominator > 1e-9 else { return nil }
        return min(1, max(0, (max(0, spread) / (p * (1 - p)) - (k - 1)) / denominator))
    }

    /// The fitted Beta's strength α + β = (1 − ρ̂) / ρ̂: large where users agree, near 0 where they do not;
    /// infinite at ρ̂ = 0 and when every trial of 2 or more users succeeded (or every one failed); nil
    /// with fewer than 2 users or no estimate.
    public var strength: Double? {
        guard users >= 2, let p = rate else { return nil }
        if p <= 1e-9 || p >= 1 - 1e-9 { return .infinity }
        guard let r = rho else { return nil }
        return r > 0 ? (1 - r) / r : .infinity
    }
}
