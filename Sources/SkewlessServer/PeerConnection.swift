import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import SkewlessCluster
import SkewlessModel
import SkewlessTLS
import SkewlessWire
import SwiftProtobuf

/// A blocking connection from this node to another node, for node-to-node calls made on a
/// thread of their own (a catch-up copy), never on an event loop. Speaks the wire protocol
/// directly (the node does not depend on the client SDK): HANDSHAKE on connect, then one
/// request at a time.
///
/// A peer that is down, slow or sends garbage never hangs or crashes the caller: the connect
/// and every call have a deadline, after which the connection is closed; a frame over
/// `maxFrameBytes` or one that does not decode is an error. Errors are `SkewlessError`s:
/// `UNAVAILABLE` (cannot connect, connection lost), `DEADLINE_EXCEEDED`, `DATA_LOSS`
/// (garbage), or the status the peer answered.
final class PeerConnection {
    let address: NodeAddress
    private let channel: any Channel
    private let callTimeout: TimeAmount
    private var nextRequestID: UInt64 = 1

    private init(address: NodeAddress, channel: any Channel, callTimeout: TimeAmount) {
        self.address = address
        self.channel = channel
        self.callTimeout = callTimeout
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Connects and does the handshake.
    /// - Parameters:
    ///   - tls: TLS to the peer (this node's client context); nil: plain TCP.
    ///   - token: the bearer token for the peer's handshake; nil: none.
    /// - Throws: `UNAVAILABLE` when the peer cannot be reached in `connectTimeout`; the
    ///   handshake's errors (`FAILED_PRECONDITION` for another protocol version).
    static func connect(
        to address: NodeAddress, tls: NIOSSLContext? = nil, token: String? = nil, connectTimeout: TimeAmount, callTimeout: TimeAmount, maxFrameBytes: Int
    ) throws(SkewlessError) -> PeerConnection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSContexts.clientHandler(context: tls, host: address.host, serverName: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try channel.pipeline.syncOperations.addHandler(RequestResponseHandler<ByteBuffer, ByteBuffer>())
                }
            }
        let channel: any Channel
        do {
            channel = try bootstrap.connect(host: address.host, port: address.port).wait()
        } catch {
            throw SkewlessError(.unavailable, "cannot connect to node \(address): \(error); it may be down, try another replica")
        }
        let connection = PeerConnection(address: address, channel: channel, callTimeout: callTimeout)
        var hello = Skewless_V1_HandshakeRequest()
        hello.protocolVersion = ProtocolVersion.current
        hello.clientName = "skewless-node"
        hello.bearerToken = token ?? ""
        let answer = try connection.call(.handshake, hello, as: Skewless_V1_HandshakeResponse.self)
        guard answer.protocolVersion == ProtocolVersion.current else {
            throw SkewlessError(.failedPrecondition, "node \(address) speaks protocol version \(answer.protocolVersion), this node \(ProtocolVersion.current): upgrade the older node")
        }
        return connection
    }

    /// Sends one request and waits for its response, at most `callTimeout`.
    func call<Response: SwiftProtobuf.Message>(_ method: Skewless_V1_Method, _ message: some SwiftProtobuf.Message, as type: Response.Type) throws(SkewlessError) -> Response {
        var frame = Skewless_V1_RequestFrame()
        frame.requestID = nextRequestID
        nextRequestID += 1
        frame.method = method
        frame.timeoutMicros = UInt64(max(0, callTimeout.nanoseconds / 1_000))
        var buffer = channel.allocator.buffer(capacity: 256)
        do {
            frame.payload = try message.serializedBytes()
            try FrameEncoder.write(frame, into: &buffer)
        } catch {
            throw SkewlessError(.internal, "could not encode a \(Skewless_V1_RequestFrame.protoMessageName): \(error)")
        }
        let channel = self.channel
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let started = NIODeadline.now()
        // Closing fails the pending response (the handler fails it when the channel goes).
        let timer = channel.eventLoop.scheduleTask(in: callTimeout) { channel.close(promise: nil) }
        channel.writeAndFlush((buffer, promise), promise: nil)
        let body: ByteBuffer
        do {
            body = try promise.futureResult.wait()
            timer.cancel()
        } catch {
            timer.cancel()
            channel.close(promise: nil)
            if NIODeadline.now() - started >= callTimeout {
                throw SkewlessError(.deadlineExceeded, "node \(address) did not answer \(method) within \(callTimeout.nanoseconds / 1_000_000) ms: it may be overloaded, try another replica")
            }
            throw SkewlessError(.unavailable, "the connection to node \(address) failed during \(method): \(error); try another replica")
        }
        let envelope: ResponseEnvelope
        do {
            envelope = try ResponseEnvelope(decoding: body)
        } catch {
            channel.close(promise: nil)
            throw SkewlessError(.dataLoss, "node \(address) answered \(method) with a frame that is not a response: \(error.message)")
        }
        guard envelope.requestID == frame.requestID else {
            channel.close(promise: nil)
            throw SkewlessError(.dataLoss, "node \(address) answered request \(envelope.requestID) while request \(frame.requestID) was the only one in flight")
        }
        if let error = envelope.error {
            throw error
        }
        do {
            return try Response(serializedBytes: Data(envelope.payload.readableBytesView))
        } catch {
            throw SkewlessError(.dataLoss, "node \(address) answered \(method) with a payload that is not a \(Response.protoMessageName): \(error)")
        }
    }

    /// Closes the connection (also done when the connection is released).
    func close() {
        channel.close(promise: nil)
    }
}
