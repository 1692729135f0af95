// Beta posteriors: density, distribution function, a seeded sampler, and the probability that each arm is best.

import Glibc
import HOSCore

/// The seeded generator (HOSCore's `Xoshiro256`) with hos-adapt's draws: uniform in (0, 1), normal, gamma.
///
/// Decisions are reproducible on every platform because each one seeds its own stream from the seed
/// and its ids.
public struct AdaptRandom: RandomNumberGenerator, Sendable {
    private var bits: Xoshiro256

    public init(seed: UInt64) { bits = Xoshiro256(seed: seed) }

    /// The stream of one decision: the seed and the parts that name it (user, analysis, dimension).
    public init(seed: UInt64, stream parts: String...) { bits = Xoshiro256(seed: seed, stream: parts) }

    public mutating func next() -> UInt64 { bits.next() }

    /// Uniform in the open interval (0, 1), so that logarithms stay finite.
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1.0p-53 }

    /// Standard normal by Box–Muller, one value per call.
    public mutating func normal() -> Double {
        (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 by the boost Gamma(a + 1) · U^(1/a).
    public mutating func gamma(_ shape: Double) -> Double {
        if shape < 1 {
            let boost = gamma(shape + 1)
            return boost * pow(uniform(), 1 / shape)
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0
            var v = 0.0
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a)
        let y = gamma(b)
        return x / (x + y)
    }
}

/// A Beta(alpha, beta) distribution.
public struct BetaDistribution: Sendable, Equatable {
    public var alpha: Double
    public var beta: Double

    public init(_ alpha: Double, _ beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    public var mean: Double { alpha / (alpha + beta) }

    public var variance: Double {
        let s = alpha + beta
        return alpha * beta / (s * s * (s + 1))
    }

    var logNorm: Double { lgamma(alpha + beta) - lgamma(alpha) - lgamma(beta) }

    /// The density at x.
    public func pdf(_ x: Double) -> Double {
        guard x > 0, x < 1 else {
            if x == 0 { return alpha == 1 ? exp(logNorm) : alpha < 1 ? .infinity : 0 }
            if x == 1 { return beta == 1 ? exp(logNorm) : beta < 1 ? .infinity : 0 }
            return 0
        }
        return exp(logNorm + (alpha - 1) * log(x) + (beta - 1) * log1p(-x))
    }

    /// The distribution function: the regularized incomplete beta function I_x(alpha, beta).
    public func cdf(_ x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        return cdf(x, front: exp(logNorm + alpha * log(x) + beta * log1p(-x)))
    }

    /// I_x(alpha, beta) for 0 < x < 1 given front = x^alpha (1 − x)^beta / B(alpha, beta).
    func cdf(_ x: Double, front: Double) -> Double {
        // The continued fraction converges fast on the side of the mean; the other side by symmetry.
        if x < (alpha + 1) / (alpha + beta + 2) { return front * Self.fraction(x, alpha, beta) / alpha }
        return 1 - front * Self.fraction(1 - x, beta, alpha) / beta
    }

    /// The continued fraction of I_x(a, b), run until it converges: posteriors with thousands of
    /// observations need many more terms than the significance tests' small samples.
    static func fraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        Stats.betaContinuedFraction(a: a, b: b, x: x, maxTerms: 100_000)
    }

    /// The probability that each arm's value is the largest: ∫ f_a(x) Π_{b≠a} F_b(x) dx, by composite
    /// 8-point Gauss–Legendre quadrature over at least 48 panels, none wider than an eighth of the
    /// narrowest posterior's SD, within 12 SDs of every mean; normalised to sum 1. Within 1e-8 of the exact
    /// value for alpha, beta ≥ 1.
    public static func pBest(_ arms: [BetaDistribution]) -> [Double] {
        guard arms.count > 1 else { return arms.map { _ in 1 } }
        var lo = 1.0
        var hi = 0.0
        var narrowest = 1.0
        for a in arms {
            let sd = a.variance.squareRoot()
            lo = min(lo, a.mean - 12 * sd)
            hi = max(hi, a.mean + 12 * sd)
            narrowest = min(narrowest, sd)
        }
        lo = max(0, lo)
        hi = min(1, hi)
        let panels = min(40_000, max(48, Int(((hi - lo) / max(narrowest, 1e-6) * 8).rounded(.up))))
        let width = (hi - lo) / Double(panels)
        let norms = arms.map(\.logNorm)
        var sums = [Double](repeating: 0, count: arms.count)
        var densities = [Double](repeating: 0, count: arms.count)
        var cdfs = [Double](repeating: 0, count: arms.count)
        for p in 0..<panels {
            let mid = lo + (Double(p) + 0.5) * width
            for (node, weight) in zip(gaussNodes, gaussWeights) {
                let x = mid + node * width / 2
                let lx = log(x)
                let l1x = log1p(-x)
                for (i, a) in arms.enumerated() {
                    // One pair of logarithms per node serves every arm's density and distribution function.
                    let density = exp(norms[i] + (a.alpha - 1) * lx + (a.beta - 1) * l1x)
                    densities[i] = density
                    cdfs[i] = a.cdf(x, front: density * x * (1 - x))
                }
                for i in arms.indices {
                    var v = densities[i] * weight * width / 2
                    if v == 0 { continue }
                    for j in arms.indices where j != i { v *= cdfs[j] }
                    sums[i] += v
                }
            }
        }
        let total = sums.reduce(0, +)
        guard total > 0, total.isFinite else { return arms.map { _ in 1 / Double(arms.count) } }
        return sums.map { $0 / total }
    }

    static let gaussNodes: [Double] = [
        -0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498,
        0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363,
    ]
    static let gaussWeights: [Double] = [
        0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620,
        0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763,
    ]
}
