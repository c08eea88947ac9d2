import SkewlessModel
import Testing
@testable import Skewless

/// The ids the client gives reads that the caller did not name.
@Suite struct ReadRequestIDTests {
    @Test func idsAre32HexDigitsAndNoTwoAreEqual() {
        let ids = (0..<50_000).map { _ in ReadRequestID.next() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 32 && $0.utf8.allSatisfy { Array("0123456789abcdef".utf8).contains($0) } })
    }

    @Test func neighbouringCountsGiveUnrelatedDigits() {
        // SplitMix64 spreads a count of 1 over about half of the 64 bits.
        let seed: UInt64 = 0x1234_5678
        let differing = (1...1_000 as ClosedRange<UInt64>).map {
            (SplitMix64.output(seed: seed, index: $0) ^ SplitMix64.output(seed: seed, index: $0 + 1)).nonzeroBitCount
        }
        let mean = Double(differing.reduce(0, +)) / Double(differing.count)
        #expect(abs(mean - 32) < 2)
    }

    @Test func aCallersIdIsCheckedAndKept() throws {
        #expect(try ReadRequestID.checked("prediction-42") == "prediction-42")
        #expect(throws: SkewlessError.self) { try ReadRequestID.checked("") }
        #expect(throws: SkewlessError.self) { try ReadRequestID.checked(String(repeating: "x", count: 129)) }
    }
}
