import Histogram
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

@Suite struct LatencySummaryTests {
    /// Values 1...10,000 us, once each: the p-th percentile is p% of 10,000 us, within the
    /// histogram's 3 significant digits.
    @Test func uniformDistributionPercentiles() {
        var result = RunResult()
        for micros in 1...10_000 { result.record(latency: UInt64(micros) * 1000, serviceTime: UInt64(micros) * 1000) }
        let summary = result.summary
        #expect(abs(summary.p50 - 5000) <= 5)
        #expect(abs(summary.p90 - 9000) <= 9)
        #expect(abs(summary.p99 - 9900) <= 10)
        #expect(abs(summary.p999 - 9990) <= 10)
        #expect(abs(summary.max - 10_000) <= 10)
        #expect(abs(summary.mean - 5000.5) <= 5)
    }

    /// 99% of requests at 100 us and 1% at 10 ms: P99 is still 100 us, P99.9 is 10 ms.
    @Test func bimodalDistributionPercentiles() {
        var result = RunResult()
        for index in 0..<10_000 {
            let nanos: UInt64 = index < 9900 ? 100_000 : 10_000_000
            result.record(latency: nanos, serviceTime: nanos)
        }
        let summary = result.summary
        #expect(abs(summary.p50 - 100) < 0.1)
        #expect(abs(summary.p99 - 100) < 0.1)
        #expect(abs(summary.p999 - 10_000) <= 10)
        #expect(abs(summary.mean - (0.99 * 100 + 0.01 * 10_000)) < 1)
    }

    /// Exponential latencies (mean 200 us): the p-quantile is -200 ln(1-p).
    @Test func exponentialDistributionPercentiles() {
        var result = RunResult()
        var rng = TestSeed.generator(11)
        for _ in 0..<200_000 {
            let micros = -200 * log(1 - rng.nextUnit())
            result.record(latency: UInt64(micros * 1000) + 1, serviceTime: 1)
        }
        let summary = result.summary
        for (measured, p) in [(summary.p50, 0.5), (summary.p90, 0.9), (summary.p99, 0.99)] {
            let expected = -200 * log(1 - p)
            #expect(abs(measured - expected) / expected < 0.03, "p\(p): \(measured) vs \(expected), \(TestSeed.note)")
        }
    }

    @Test func emptyResultGivesZeros() {
        #expect(RunResult().summary == LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0))
    }

    @Test func slicesOfARunAddUp() {
        var total = RunResult()
        var first = RunResult()
        first.record(latency: 1000, serviceTime: 1000)
        first.elapsedSeconds = 2
        first.errors = 1
        first.firstError = "boom"
        var second = RunResult()
        second.record(latency: 3000, serviceTime: 3000)
        second.elapsedSeconds = 3
        second.timeouts = 2
        total.append(first)
        total.append(second)
        #expect(total.completed == 2 && total.errors == 1 && total.timeouts == 2 && total.firstError == "boom")
        #expect(total.elapsedSeconds == 5)
        #expect(abs(total.throughput - 0.4) < 1e-9)
    }
}

import Foundation
