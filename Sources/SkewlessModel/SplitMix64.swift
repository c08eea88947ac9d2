/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so that a run
/// can be repeated exactly: fsbench's workloads and the randomized tests (`TestSeed`) draw
/// from it. Not for anything secret.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    /// What the state advances by at each step.
    private static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    package mutating func next() -> UInt64 {
        state &+= Self.increment
        return Self.mix(state)
    }

    /// Output `index` (1 for the first) of a generator seeded with `seed`, computed directly:
    /// the state then is the seed plus `index` increments. Distinct indices give distinct
    /// outputs (below 2^64 of them), as `mix` is a bijection.
    package static func output(seed: UInt64, index: UInt64) -> UInt64 {
        mix(seed &+ index &* increment)
    }

    /// SplitMix64's output function: a bijection of UInt64 that spreads neighbouring states.
    static func mix(_ state: UInt64) -> UInt64 {
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in 0..<1 from the top 53 bits.
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
