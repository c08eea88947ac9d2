import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SkewlessModel
import SkewlessTLS
import SkewlessWire
import SwiftProtobuf

/// A frame-level test client that can send what the SDK never would: garbage, oversize
/// frames, requests before the handshake, unknown methods.
final class RawConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private var nextID: UInt64 = 1

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel
    ) {
        self.inbound = inbound
        self.outbound = outbound
        self.channel = channel
    }

    /// Connects to 127.0.0.1:port, runs `body`, then closes.
    /// - Parameters:
    ///   - tls: TLS to the node; nil: plain TCP.
    ///   - token: the bearer token of the handshake (when `handshake`).
    static func with<T>(
        port: Int, handshake: Bool = true, tls: NIOSSLContext? = nil, token: String = "", _ body: (RawConnection) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSContexts.clientHandler(context: tls, host: "127.0.0.1", serverName: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: Int(UInt32.max))))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let underlying = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            let connection = RawConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound, channel: underlying)
            if handshake {
                let answer = try await connection.call(.handshake, { () -> Skewless_V1_HandshakeRequest in
                    var hello = Skewless_V1_HandshakeRequest()
                    hello.protocolVersion = ProtocolVersion.current
                    hello.bearerToken = token
                    return hello
                }())
                guard answer?.status.code == .ok else { throw SkewlessError(.internal, "handshake failed: \(String(describing: answer))") }
            }
            return try await body(connection)
        }
    }

    func send(bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends a request frame; returns its request id.
    @discardableResult
    func send(_ method: Skewless_V1_Method, payload: Data, requestID: UInt64? = nil) async throws -> UInt64 {
        var frame = Skewless_V1_RequestFrame()
        frame.requestID = requestID ?? nextID
        nextID = max(nextID, frame.requestID) + 1
        frame.method = method
        frame.payload = payload
        var buffer = ByteBuffer()
        try FrameEncoder.write(frame, into: &buffer)
        try await outbound.write(buffer)
        return frame.requestID
    }

    /// Waits until everything sent so far has been handed to the kernel (on loopback: is in
    /// the node's receive buffer). `send` returns once its bytes are queued in this process,
    /// which a stalled event loop may not write for a while.
    func flushed() async throws {
        // Queued behind the sends' writes on the channel's event loop: written after them.
        try await channel.writeAndFlush(ByteBuffer()).get()
    }

    /// The next response frame, or nil when the node closed the connection.
    func next() async throws -> Skewless_V1_ResponseFrame? {
        guard let body = try await inbound.next() else { return nil }
        return try Skewless_V1_ResponseFrame(serializedBytes: body.readableBytesSpan)
    }

    /// Sends one request and reads the next response.
    func call(_ method: Skewless_V1_Method, _ message: some SwiftProtobuf.Message) async throws -> Skewless_V1_ResponseFrame? {
        try await send(method, payload: try message.serializedBytes())
        return try await next()
    }
}
