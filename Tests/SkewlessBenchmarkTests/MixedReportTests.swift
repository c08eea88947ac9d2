import Testing
@testable import SkewlessBenchmark

/// The goal a mixed report judges, from made-up figures.
@Suite struct MixedReportTests {
    static func mixed(idleP99: UInt64, loadedP99: UInt64, streamRows: Int) throws -> MixedReport {
        func reads(p99: UInt64) -> RunResult {
            var result = RunResult()
            for i in 0..<100 { result.record(latency: i < 98 ? 40_000 : p99, serviceTime: 40_000) }
            result.elapsedSeconds = 1
            return result
        }
        var run = MixedTargetRun(target: "skewless")
        run.idle = reads(p99: idleP99)
        run.loaded = reads(p99: loadedP99)
        for _ in 0..<(streamRows / 500) {
            run.stream.record(.acknowledged(replicasMissed: 0, accepted: true), rows: 500, latency: 2_000_000, serviceTime: 2_000_000, prepare: 0)
        }
        run.stream.batches.elapsedSeconds = 1
        let shape = RequestShape(selection: .service("bench_1x50"), joinKey: "user_id", groups: [])
        return MixedReport(
            label: "mixed", command: "", workload: try Workload(shape: shape, entitiesPerRequest: 1, keySpace: 100), loadModel: .closed(connections: 1, inFlight: 1),
            streamView: "bench_float10@1", pace: try StreamPace(rowsPerSecond: 50_000, batchRows: 500), streamInFlight: 8, rounds: 4,
            targets: [MixedReport.Target(run)])
    }

    @Test func mixedMeetsItsGoalWithinTwiceTheIdleP99AtTheStreamsPace() throws {
        let report = try Self.mixed(idleP99: 100_000, loadedP99: 180_000, streamRows: 50_000)
        #expect(report.goalMet == true)
        #expect(report.text.contains("1.80x"))
        #expect(try Self.mixed(idleP99: 100_000, loadedP99: 250_000, streamRows: 50_000).goalMet == false)
        // A stream that fell behind its pace does not count as the load the goal is about.
        #expect(try Self.mixed(idleP99: 100_000, loadedP99: 120_000, streamRows: 40_000).goalMet == false)
    }
}
