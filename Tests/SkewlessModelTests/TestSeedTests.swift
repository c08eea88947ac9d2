import Testing
@testable import SkewlessModel

@Suite struct TestSeedTests {
    @Test func seedsAreDecimalOrHexadecimal() {
        #expect(TestSeed.parse("12345") == 12345)
        #expect(TestSeed.parse(" 0x1F ") == 31)
        #expect(TestSeed.parse("0XFFFFFFFFFFFFFFFF") == .max)
        #expect(TestSeed.parse("18446744073709551615") == .max)
        #expect(TestSeed.parse("") == nil)
        #expect(TestSeed.parse("-1") == nil)
        #expect(TestSeed.parse("seed") == nil)
        #expect(TestSeed.parse("18446744073709551616") == nil, "past UInt64")
    }

    @Test func aStreamRepeatsItselfAndDiffersFromTheOthers() {
        var a = TestSeed.generator(1)
        var b = TestSeed.generator(1)
        var c = TestSeed.generator(2)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })
        #expect(TestSeed.mixed(1) != TestSeed.mixed(2))
        #expect(TestSeed.note.contains("SKEWLESS_TEST_SEED=\(TestSeed.value)"))
    }

    /// SplitMix64's published first outputs for seed 0 (the reference implementation's).
    @Test func splitMix64MatchesTheReference() {
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }
}
