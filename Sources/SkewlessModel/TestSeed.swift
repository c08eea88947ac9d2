import Foundation

/// The seed of one run of the randomized tests, so that a failure seen once can be
/// repeated exactly.
///
/// Every test that draws random data takes a generator from `generator(_:)`: the run's seed
/// mixed with a number of the test's own, so tests running in parallel draw independent
/// sequences that do not depend on the order they run in. The seed is
/// `SKEWLESS_TEST_SEED` when it is set (decimal, or hexadecimal after `0x`), otherwise a
/// fresh random one; it is printed once per test process, and tests put `note` in the
/// comment of their expectations so that a failure names it:
///
/// ```
/// SKEWLESS_TEST_SEED=1234 swift test --filter ReceivedFeaturesTests
/// ```
///
/// Here rather than in a test target so that every test target shares it without a new
/// dependency arrow (each already reaches SkewlessModel). Nothing outside tests uses it.
package enum TestSeed {
    /// The environment variable that fixes the seed.
    package static let variable = "SKEWLESS_TEST_SEED"

    /// This run's seed, printed the first time it is read.
    package static let value: UInt64 = {
        let seed: UInt64
        if let text = ProcessInfo.processInfo.environment[variable] {
            guard let parsed = parse(text) else {
                preconditionFailure("\(variable)=\(text) is not a seed: give a decimal or 0x-hexadecimal UInt64, as a failed test printed it")
            }
            seed = parsed
        } else {
            seed = UInt64.random(in: .min ... .max)
        }
        print("Randomized tests use seed \(seed); \(variable)=\(seed) repeats them.")
        return seed
    }()

    /// "seed N (SKEWLESS_TEST_SEED=N repeats it)": for the comment of an expectation on
    /// random data.
    package static var note: String { "seed \(value) (\(variable)=\(value) repeats it)" }

    /// A generator for one test (or one case of a parameterized test): the run's seed mixed
    /// with `stream`, a number the test chooses, different from its other streams.
    package static func generator(_ stream: UInt64) -> SplitMix64 {
        SplitMix64(seed: mixed(stream))
    }

    /// The run's seed mixed with `stream`, for code that takes a seed rather than a generator.
    package static func mixed(_ stream: UInt64) -> UInt64 {
        // One SplitMix64 step over the stream, so nearby streams give unrelated seeds.
        var mixer = SplitMix64(seed: stream &* 0xD6E8_FEB8_6659_FD93)
        return value ^ mixer.next()
    }

    /// A seed as written in `SKEWLESS_TEST_SEED`: decimal, or hexadecimal after `0x`.
    package static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("0x") || trimmed.hasPrefix("0X") {
            return UInt64(trimmed.dropFirst(2), radix: 16)
        }
        return UInt64(trimmed)
    }
}
