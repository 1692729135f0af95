// hos-synth's random draws, over the seeded generator every command shares.

import Glibc
import HOSCore

/// The seeded generator (HOSCore's `Xoshiro256`) with hos-synth's draws: uniform in [0, 1), normal, pick.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var bits: Xoshiro256

    public init(seed: UInt64) { bits = Xoshiro256(seed: seed) }

    /// A generator for one named stream under a seed (one user, one plan item ...).
    public init(seed: UInt64, stream parts: String...) { bits = Xoshiro256(seed: seed, stream: parts) }

    public mutating func next() -> UInt64 { bits.next() }

    /// Uniform in [0, 1), from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    /// Standard normal, by Box–Muller (one value per call keeps streams simple to reason about).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-60)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    public mutating func normal(_ mean: Double, _ sd: Double) -> Double { mean + sd * normal() }

    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    public mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}
