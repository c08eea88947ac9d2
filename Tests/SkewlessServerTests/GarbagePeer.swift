import Foundation
import NIOCore
import NIOPosix
import SkewlessWire
import Synchronization

/// A fake node that completes the handshake, then answers every request with a frame of
/// bytes that are no protobuf (or, `silent`, never answers): for a node's peer calls meeting a broken peer.
final class GarbagePeer: Sendable {
    let channel: any Channel
    /// Requests answered with garbage.
    var requests: Int { counter.value.load(ordering: .relaxed) }
    private let counter = Counter()
    var port: Int { channel.localAddress?.port ?? 0 }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let counter: Counter
        let silent: Bool

        init(counter: Counter, silent: Bool) {
            self.counter = counter
            self.silent = silent
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let body = unwrapInboundIn(data)
            var buffer = context.channel.allocator.buffer(capacity: 64)
            if let request = try? Skewless_V1_RequestFrame(serializedBytes: body.readableBytesSpan), request.method == .handshake {
                var answer = Skewless_V1_HandshakeResponse()
                answer.protocolVersion = ProtocolVersion.current
                var response = Skewless_V1_ResponseFrame()
                response.requestID = request.requestID
                response.payload = (try? answer.serializedBytes()) ?? Data()
                try? FrameEncoder.write(response, into: &buffer)
            } else {
                counter.value.add(1, ordering: .relaxed)
                if silent { return }
                let noise = [UInt8](repeating: 0xff, count: 40)  // an endless varint: never a frame
                buffer.writeInteger(UInt32(noise.count))
                buffer.writeBytes(noise)
            }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    init(silent: Bool = false) async throws {
        let counter = self.counter
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(FrameDecoder()), Handler(counter: counter, silent: silent)])
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    final class Counter: Sendable {
        let value = Atomic(0)
    }

    /// A port nothing listens on (bound, then closed).
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }
}
