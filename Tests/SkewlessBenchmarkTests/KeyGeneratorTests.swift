import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct KeyGeneratorTests {
    @Test func uniformKeysStayInTheKeySpace() throws {
        var keys = try KeyGenerator(keySpace: 50, distribution: .uniform, missShare: 0, seed: 1)
        var seen = Set<Int64>()
        for _ in 0..<5000 {
            let id = keys.next()
            #expect((1...50).contains(id))
            seen.insert(id)
        }
        #expect(seen.count == 50)
    }

    @Test func missesAreOutsideTheLoadedIdsAtTheirShare() throws {
        var keys = try KeyGenerator(keySpace: 1000, distribution: .uniform, missShare: 0.25, seed: 2)
        let ids = keys.next(count: 40_000)
        let misses = ids.filter { $0 > 1000 }
        #expect(ids.allSatisfy { (1...2000).contains($0) })
        #expect(abs(Double(misses.count) / 40_000 - 0.25) < 0.015)
    }

    @Test func zipfianRanksScatterOverTheIdSpace() throws {
        let keys = try KeyGenerator(keySpace: 1000, distribution: .zipfian(skew: 0.99), missShare: 0, seed: 3)
        let ids = (1...1000).map { keys.id(ofRank: $0) }
        #expect(Set(ids).count == 1000, "the rank to id mapping is a bijection")
        #expect(ids.allSatisfy { (1...1000).contains($0) })
        #expect(ids[1] - ids[0] != 1, "the hottest ids are not neighbours")
    }

    @Test func zipfianHotKeyIsTheMostFrequent() throws {
        var keys = try KeyGenerator(keySpace: 10_000, distribution: .zipfian(skew: 1.1), missShare: 0, seed: 4)
        var counts: [Int64: Int] = [:]
        for _ in 0..<50_000 { counts[keys.next(), default: 0] += 1 }
        let hottest = counts.max { $0.value < $1.value }?.key
        #expect(hottest == Int64(keys.id(ofRank: 1)))
    }

    @Test func parsesDistributions() throws {
        #expect(try KeyDistribution(parsing: "uniform") == .uniform)
        #expect(try KeyDistribution(parsing: "zipfian") == .zipfian(skew: 0.99))
        #expect(try KeyDistribution(parsing: "zipfian:1.2") == .zipfian(skew: 1.2))
        #expect(throws: SkewlessError.self) { try KeyDistribution(parsing: "zipfian:-1") }
        #expect(throws: SkewlessError.self) { try KeyDistribution(parsing: "pareto") }
    }
}
