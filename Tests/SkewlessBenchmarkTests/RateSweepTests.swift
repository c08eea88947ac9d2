import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct RateSweepTests {
    /// A simulated target whose P99 is 200 us up to its capacity and 50 ms beyond it, and
    /// whose achieved rate is min(rate, capacity).
    static func result(rate: Double, capacity: Double) -> RunResult {
        var result = RunResult()
        let latency: UInt64 = rate <= capacity ? 200_000 : 50_000_000
        let count = Int(min(rate, capacity))
        for _ in 0..<count { result.record(latency: latency, serviceTime: 100_000) }
        result.elapsedSeconds = 1
        return result
    }

    @Test func findsTheSustainableRateOfEachTarget() async throws {
        let sweep = try RateSweep(rates: RateSweep.linearRates(start: 1000, step: 1000, max: 10_000), p99BoundNanoseconds: 1_000_000, rounds: 1)
        let capacities = [4500.0, 7000.0]
        var calls: [(Int, Double)] = []
        let results = try await sweep.run(targets: ["skewless", "redis"]) { index, rate in
            calls.append((index, rate))
            return Self.result(rate: rate, capacity: capacities[index])
        }
        #expect(results.map(\.sustainableRate) == [4000, 7000])
        #expect(results[0].steps.count == 5 && results[0].steps.last?.withinBound == false)
        #expect(results[1].steps.count == 8)
        // Targets alternate at each rate; a target that crossed is not run again.
        #expect(calls.prefix(4).map(\.0) == [0, 1, 0, 1])
        #expect(!calls.contains { $0.0 == 0 && $0.1 > 5000 })
    }

    @Test func eachStepRunsItsRoundsWithTheTargetsAlternatingAndIsJudgedOnThemMerged() async throws {
        let sweep = try RateSweep(rates: [1000, 2000], p99BoundNanoseconds: 1_000_000, rounds: 3)
        var calls: [(Int, Double)] = []
        let results = try await sweep.run(targets: ["skewless", "redis"]) { index, rate in
            calls.append((index, rate))
            var slice = Self.result(rate: rate, capacity: 10_000)
            // Redis's second slice at 1,000 req/s meets a stall: 1 request in 3,000 at 50 ms.
            // Merged, that is under 1% of the step, so the step stays within the bound.
            if index == 1, rate == 1000, calls.filter({ $0 == (1, 1000) }).count == 2 {
                slice.record(latency: 50_000_000, serviceTime: 50_000_000)
            }
            return slice
        }
        #expect(calls.map(\.0) == [0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1])
        #expect(results.map(\.sustainableRate) == [2000, 2000])
        #expect(results[1].steps[0].roundP99Micros?.count == 3)
        #expect(results[1].steps[0].run.requests == 3001)
    }

    @Test func aStepThatMissesItsRateOrFailsIsOverTheBound() throws {
        let sweep = try RateSweep(rates: [1000], p99BoundNanoseconds: 1_000_000)
        var slow = Self.result(rate: 900, capacity: 900)
        #expect(!sweep.isWithinBound(slow, rate: 1000), "achieved 90% of the rate")
        slow = Self.result(rate: 1000, capacity: 1000)
        #expect(sweep.isWithinBound(slow, rate: 1000))
        slow.timeouts = 5
        #expect(!sweep.isWithinBound(slow, rate: 1000), "0.5% timed out")
    }

    @Test func refusesBadRates() throws {
        #expect(throws: SkewlessError.self) { try RateSweep(rates: [], p99BoundNanoseconds: 1) }
        #expect(throws: SkewlessError.self) { try RateSweep(rates: [1000], p99BoundNanoseconds: 1, rounds: 0) }
        #expect(throws: SkewlessError.self) { try RateSweep(rates: [2000, 1000], p99BoundNanoseconds: 1) }
        #expect(throws: SkewlessError.self) { try RateSweep.linearRates(start: 0, step: 1, max: 10) }
        #expect(try RateSweep.linearRates(start: 1000, step: 500, max: 2000) == [1000, 1500, 2000])
    }
}
