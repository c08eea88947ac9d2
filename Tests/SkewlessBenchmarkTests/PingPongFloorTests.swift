import NIOCore
import NIOPosix
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

/// The bare ping-pong under `fsbench floor`, over a real socket on 127.0.0.1.
@Suite(.timeLimit(.minutes(1)))
struct PingPongFloorTests {
    @Test func everyAnswerIsTimedAfterTheWarmup() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let responder = try await PingPongFloor.serve(port: 0, responseBytes: 1_959, group: group)
        let port = try #require(responder.localAddress?.port)
        let histogram = try await PingPongFloor.call(host: "127.0.0.1", port: port, requests: 2_000, warmup: 100, requestBytes: 40, group: group)
        #expect(histogram.totalCount == 2_000, "the warmup is not counted")
        #expect(histogram.min > 0)
        try await responder.close()
    }

    @Test func aResponderThatGoesAwayFailsTheCaller() async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        // A listener that closes every connection at once.
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in channel.close() }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let port = try #require(listener.localAddress?.port)
        await #expect(throws: SkewlessError.self) {
            _ = try await PingPongFloor.call(host: "127.0.0.1", port: port, requests: 10, warmup: 0, requestBytes: 40, group: group)
        }
        try await listener.close()
    }
}
