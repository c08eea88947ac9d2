import Foundation
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct ZipfianGeneratorTests {
    /// The frequency of each of the top ranks matches 1/r^s / H(n,s) within five standard errors.
    @Test(arguments: [0.5, 0.99, 1.2])
    func topRanksFollowZipfsLaw(skew: Double) throws {
        let generator = try ZipfianGenerator(count: 1000, skew: skew)
        var rng = TestSeed.generator(7)
        let draws = 200_000
        var counts = [Int](repeating: 0, count: 1001)
        for _ in 0..<draws {
            let rank = generator.next(using: &rng)
            #expect((1...1000).contains(rank))
            counts[rank] += 1
        }
        for rank in [1, 2, 3, 5, 10, 100] {
            let p = generator.probability(ofRank: rank)
            let observed = Double(counts[rank]) / Double(draws)
            let standardError = (p * (1 - p) / Double(draws)).squareRoot()
            #expect(abs(observed - p) < 5 * standardError + 1e-4, "rank \(rank): observed \(observed), expected \(p), \(TestSeed.note)")
        }
        // The tail carries its share too: ranks above 100 together.
        let tail = Double(counts[101...].reduce(0, +)) / Double(draws)
        let expectedTail = (101...1000).reduce(0.0) { $0 + generator.probability(ofRank: $1) }
        #expect(abs(tail - expectedTail) < 0.01, "\(TestSeed.note)")
    }

    @Test func sameSeedSameSequence() throws {
        let generator = try ZipfianGenerator(count: 100_000, skew: 0.99)
        var a = TestSeed.generator(3)
        var b = TestSeed.generator(3)
        let first = (0..<1000).map { _ in generator.next(using: &a) }
        let second = (0..<1000).map { _ in generator.next(using: &b) }
        #expect(first == second)
    }

    @Test func refusesBadParameters() {
        #expect(throws: SkewlessError.self) { try ZipfianGenerator(count: 0, skew: 1) }
        #expect(throws: SkewlessError.self) { try ZipfianGenerator(count: 10, skew: 0) }
        #expect(throws: SkewlessError.self) { try ZipfianGenerator(count: 10, skew: .nan) }
    }
}
