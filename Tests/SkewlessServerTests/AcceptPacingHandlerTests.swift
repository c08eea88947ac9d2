import Foundation
import SkewlessWire
import Testing

@testable import SkewlessServer

/// A real node whose new-connection rate is low: connections beyond it wait in the kernel's
/// queue and are then served, none lost, while a connection already open is answered.
@Suite(.timeLimit(.minutes(2)))
struct AcceptPacingHandlerTests {
    @Test func connectionsBeyondTheRateWaitTheirTurnAndAreAllServed() async throws {
        let rate = 20, burst = 5, opened = 25
        try await TestNode.withNode(configure: {
            $0.maxNewConnectionsPerSecond = rate
            $0.newConnectionsBurst = burst
            $0.metricsPort = 0
        }) { node in
            // A connection open before the burst of new ones (it takes one token).
            try await RawConnection.with(port: node.port) { established in
                let started = ContinuousClock.now
                let served = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for _ in 0..<opened {
                        group.addTask {
                            try await RawConnection.with(port: node.port) { connection in
                                try await connection.call(.health, Skewless_V1_HealthRequest())?.status.code == .ok
                            }
                        }
                    }
                    // The open connection is answered while the new ones wait.
                    #expect(try await established.call(.health, Skewless_V1_HealthRequest())?.status.code == .ok)
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                let elapsed = ContinuousClock.now - started
                #expect(served == opened)
                // 26 accepts from a bucket of 5 at 20 a second: at least 21 intervals of 50 ms
                // (a lower bound: the pacing held them; how much longer is the machine's).
                #expect(elapsed >= .milliseconds(1_000), "all served after \(elapsed)")
            }
            let metrics = try await MetricsExposition.scrape(port: try NodeMetricsTests.metricsPort(node))
            #expect((metrics.value("skewless_accepts_held_total") ?? 0) >= 1)
        }
    }

    @Test func withNoLimitConnectionsAreAcceptedAsTheyCome() async throws {
        try await TestNode.withNode(configure: { $0.maxNewConnectionsPerSecond = 0; $0.metricsPort = 0 }) { node in
            let served = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        try await RawConnection.with(port: node.port) { connection in
                            try await connection.call(.health, Skewless_V1_HealthRequest())?.status.code == .ok
                        }
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(served == 50)
            let metrics = try await MetricsExposition.scrape(port: try NodeMetricsTests.metricsPort(node))
            #expect(metrics.value("skewless_accepts_held_total") == 0)
        }
    }
}
