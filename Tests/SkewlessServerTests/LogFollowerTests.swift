import Foundation
import SkewlessModel
import Testing

@testable import SkewlessServer

/// A node applies, by itself, what another node logged in the shared offline store, and
/// counts those rows as written like any other.
@Suite(.timeLimit(.minutes(2)))
struct LogFollowerTests {
    typealias Fixture = ClusterNodeFixture

    @Test func rowsAnotherNodeLoggedAreAppliedAndCountedAsWritten() async throws {
        try await Fixture.withDirectory { directory in
            let store = directory + "/store"
            try await TestNode.withNode(configure: { $0.nodeID = "node-a"; $0.segmentsDirectory = store }) { a in
                try await TestNode.withNode(configure: {
                    $0.nodeID = "node-b"
                    $0.segmentsDirectory = store
                    $0.followIntervalSeconds = 0.1
                    $0.metricsPort = 0
                }) { b in
                    // Standalone, node-a applies the batch on itself only; node-b finds it in
                    // node-a's write log.
                    let users: [Int64] = [41, 42, 43]
                    _ = try WriteCoordinatorTests.answer(
                        try await WriteCoordinatorTests.write(a, users: users, count: 4, eventTime: WallClock.nowMicros(), key: "followed"))
                    var counts: [Int64?] = []
                    for _ in 0..<200 {
                        counts = try await Fixture.counts(b, users: users)
                        if counts == [4, 4, 4] { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    #expect(counts == [4, 4, 4], "node-b did not apply node-a's logged rows within 10 s")
                    let metrics = try await MetricsExposition.scrape(port: try NodeMetricsTests.metricsPort(b))
                    let view = ["view": "user_transactions@1"]
                    #expect(metrics.value("skewless_writes_total", view.merging(["outcome": "written"]) { $1 }) == 3)
                    #expect(metrics.value("skewless_writes_total", view.merging(["outcome": "logged"]) { $1 }) == 0)
                }
            }
        }
    }
}
