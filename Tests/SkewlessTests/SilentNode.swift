import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SkewlessWire

/// A fake node that completes the handshake and then never answers: for deadline tests.
/// Given `healthDelay`, it answers HEALTH requests after that delay (and still nothing
/// else): for tests of calls in flight that do finish, and of connections used again.
final class SilentNode {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }
    /// Connections accepted so far.
    var connections: Int { accepted.count.load(ordering: .relaxed) }
    private let accepted: Accepted

    private final class Accepted: Sendable {
        let count = Atomic<Int>(0)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let healthDelay: Duration?

        init(healthDelay: Duration?) {
            self.healthDelay = healthDelay
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let body = unwrapInboundIn(data)
            guard let request = try? Skewless_V1_RequestFrame(serializedBytes: body.readableBytesSpan) else { return }
            switch request.method {
            case .handshake:
                var answer = Skewless_V1_HandshakeResponse()
                answer.protocolVersion = ProtocolVersion.current
                respond(to: request.requestID, with: (try? answer.serializedBytes()) ?? Data(), context: context)
            case .health:
                guard let healthDelay else { return }
                var answer = Skewless_V1_HealthResponse()
                answer.status = .serving
                answer.nodeID = "silent"
                let payload = (try? answer.serializedBytes()) ?? Data()
                let (seconds, attoseconds) = healthDelay.components
                let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                    self.respond(to: request.requestID, with: payload, context: context)
                }
            default:
                return  // Swallow every other request.
            }
        }

        private func respond(to requestID: UInt64, with payload: Data, context: ChannelHandlerContext) {
            var response = Skewless_V1_ResponseFrame()
            response.requestID = requestID
            response.payload = payload
            var buffer = context.channel.allocator.buffer(capacity: 64)
            try? FrameEncoder.write(response, into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    init(healthDelay: Duration? = nil) async throws {
        let accepted = Accepted()
        self.accepted = accepted
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.count.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(FrameDecoder()), Handler(healthDelay: healthDelay)])
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async {
        try? await channel.close()
    }
}
