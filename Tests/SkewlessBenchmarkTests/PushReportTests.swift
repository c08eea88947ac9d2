import Testing
@testable import SkewlessBenchmark

/// The goals a push report judges, from made-up figures.
@Suite struct PushReportTests {
    static func pushTarget(_ name: String, rowsPerSecond: Double, accepted: Bool) -> PushReport.Target {
        var result = PushResult()
        for _ in 0..<10 {
            result.record(.acknowledged(replicasMissed: 0, accepted: accepted), rows: 10_000, latency: 20_000_000, serviceTime: 20_000_000, prepare: 1_000_000)
        }
        result.batches.elapsedSeconds = 100_000 / rowsPerSecond
        return PushReport.Target(PushTargetRun(target: name, result: result), persistence: name == "redis" ? "appendonly yes, appendfsync always" : nil)
    }

    static func pushReport(skewless: Double, redis: Double) throws -> PushReport {
        PushReport(
            label: "push", command: "fsbench push", view: "bench_float10@1",
            source: try PushRowSource(rowsPerBatch: 10_000, fieldCount: 10, keySpace: 1_000_000), connections: 1, inFlight: 4,
            amount: .seconds(10), rounds: 2, warmupSeconds: 2,
            targets: [pushTarget("skewless", rowsPerSecond: skewless, accepted: true), pushTarget("redis", rowsPerSecond: redis, accepted: false)])
    }

    @Test func pushMeetsItsGoalsAtThreeHundredThousandRowsAndRedissRate() throws {
        let report = try Self.pushReport(skewless: 400_000, redis: 350_000)
        #expect(report.goals.map(\.met) == [true, true])
        #expect(report.text.contains("goal at least 300000 rows/s: 400000 rows/s: met"))
        #expect(report.targets[0].persistence.contains("durable"))
    }

    @Test func pushMissesAGoalBelowEitherFloor() throws {
        #expect(try Self.pushReport(skewless: 250_000, redis: 200_000).goals.map(\.met) == [false, true])
        #expect(try Self.pushReport(skewless: 320_000, redis: 400_000).goals.map(\.met) == [true, false])
    }

    @Test func pushSaysWhenAcknowledgementsWereNotDurable() {
        let target = Self.pushTarget("skewless", rowsPerSecond: 400_000, accepted: false)
        #expect(target.persistence.hasPrefix("0 of 10 acknowledgements carried the write log's accepted time"))
    }

    @Test func pushMeetsNoGoalWithoutDurableAcknowledgements() throws {
        var report = try Self.pushReport(skewless: 400_000, redis: 20_000)
        report.targets[0] = Self.pushTarget("skewless", rowsPerSecond: 400_000, accepted: false)
        #expect(report.goals.map(\.met) == [false, false])
        #expect(report.text.contains("but not every acknowledgement was durable"))
    }
}
