import Testing
@testable import SkewlessBenchmark

/// The goal a freshness report judges, from made-up figures.
@Suite struct FreshnessReportTests {
    static func freshness(p99Micros: UInt64, notVisible: Bool = false) -> FreshnessReport {
        var result = FreshnessResult()
        for probe in 0..<100 {
            let everywhere: UInt64? = notVisible && probe == 0 ? nil : (probe < 98 ? 1_000_000 : p99Micros * 1000)
            result.record(.init(
                sendDelay: 0, acknowledged: 900_000, visibleEverywhere: everywhere, visibleSomewhere: 800_000, reads: 3, readErrors: 0))
        }
        return FreshnessReport(
            label: "freshness", command: "", view: "bench_float10@1", placement: "1 node", replicationFactor: 1, rate: 200, seconds: 10,
            pollIntervalMicros: 100, result: result, goalP99Micros: 5_000)
    }

    @Test func freshnessIsJudgedOnTheP99OfTheLastReplica() {
        #expect(Self.freshness(p99Micros: 4_000).goalMet)
        #expect(!Self.freshness(p99Micros: 6_000).goalMet)
        // A write never served everywhere fails the goal whatever the percentiles say.
        #expect(!Self.freshness(p99Micros: 1_000, notVisible: true).goalMet)
        #expect(Self.freshness(p99Micros: 4_000).visibleBeforeAcknowledgement == 0)
    }
}
