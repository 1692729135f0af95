// The seeded generator behind hos-synth's and hos-adapt's draws.

/// xoshiro256** seeded through SplitMix64: the same seed gives the same numbers on every platform.
///
/// The commands wrap it (HOSImport's `SeededRandom`, HOSAgents' `AdaptRandom`) with their own
/// uniform and normal draws, whose conventions differ; the bits underneath are this one stream.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// The stream named by parts under a seed (one user, one decision ...): seeded by their stable hash.
    public init(seed: UInt64, stream parts: [String]) {
        var h = StableHash()
        h.combine(String(seed))
        for p in parts { h.combine(p) }
        self.init(seed: UInt64(truncatingIfNeeded: h.value) ^ UInt64(truncatingIfNeeded: h.value >> 64))
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}
