import NIOCore
import NIOPosix
import SkewlessWire

/// A fake node that completes the handshake and then never answers: for deadline tests.
final class SilentNode {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let body = unwrapInboundIn(data)
            guard let request = try? Skewless_V1_RequestFrame(serializedBytes: body.readableBytesSpan), request.method == .handshake else {
                return  // Swallow every other request.
            }
            var answer = Skewless_V1_HandshakeResponse()
            answer.protocolVersion = ProtocolVersion.current
            var response = Skewless_V1_ResponseFrame()
            response.requestID = request.requestID
            response.payload = (try? answer.serializedBytes()) ?? Data()
            var buffer = context.channel.allocator.buffer(capacity: 64)
            try? FrameEncoder.write(response, into: &buffer)
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    init() async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([ByteToMessageHandler(FrameDecoder()), Handler()])
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async {
        try? await channel.close()
    }
}

import Foundation
