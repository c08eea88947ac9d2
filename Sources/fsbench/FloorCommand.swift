import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import Skewless
import SkewlessBenchmark

/// `fsbench floor`: what NIO and the kernel take for a request and its answer of given
/// sizes on one connection, with nothing else done: the floor under a Skewless read.
/// `--serve` runs the responder; without it, the caller measures against `--connect`.
struct FloorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor",
        abstract: "Measure a bare NIO ping-pong of fixed frame sizes: the floor under a Skewless read.",
        discussion: """
            Run the responder and the caller as two processes, as a node and its client run:
              fsbench floor --serve 7600 &
              fsbench floor --connect 127.0.0.1:7600
            bench/floor.sh does both, and a C ping-pong of the same sizes for comparison.
            """)

    @Option(help: "Run the responder on 127.0.0.1:<port> until interrupted.")
    var serve: Int?

    @Option(help: "The responder to measure against (host:port).")
    var connect: String = "127.0.0.1:7600"

    @Option(help: "Measured requests.")
    var requests: Int = 100_000

    @Option(help: "Unmeasured requests first.")
    var warmup: Int = 20_000

    @Option(help: "Request frame body bytes (a 1 x 50 GetOnlineFeatures request: 40).")
    var requestBytes: Int = 40

    @Option(help: "Response frame body bytes (the answer to 1 x 50 floats of bench_1x50: 1,959).")
    var responseBytes: Int = 1_959

    func run() async throws {
        guard requests > 0, warmup >= 0, requestBytes >= 0, responseBytes >= 0 else {
            throw ValidationError("--requests must be positive; --warmup and the sizes must not be negative")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        if let port = serve {
            let channel = try await PingPongFloor.serve(port: port, responseBytes: responseBytes, group: group)
            print("floor responder on 127.0.0.1:\(channel.localAddress?.port ?? port), \(responseBytes)-byte answers")
            try await channel.closeFuture.get()
            return
        }
        guard let endpoint = Endpoint(connect) else { throw ValidationError("--connect must be host:port") }
        let histogram = try await PingPongFloor.call(
            host: endpoint.host, port: endpoint.port, requests: requests, warmup: warmup, requestBytes: requestBytes, group: group)
        let summary = LatencySummary(histogram)
        print(String(format: "floor: %d requests of %d bytes, answers of %d: p50 %.1f us, p90 %.1f us, p99 %.1f us, p99.9 %.1f us",
                     requests, requestBytes, responseBytes, summary.p50, summary.p90, summary.p99, summary.p999))
    }
}
