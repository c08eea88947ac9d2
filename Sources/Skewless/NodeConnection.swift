import Foundation
import NIOCore
import NIOPosix
import SkewlessModel
import SkewlessWire
import SwiftProtobuf

/// One handshaken TCP connection to a node, carrying many requests in flight.
final class NodeConnection: Sendable {
    let channel: any Channel
    let endpoint: Endpoint
    /// What the node said in the handshake.
    let maxFrameBytes: Int
    /// The channel's dispatcher, which requests are handed to directly on its event loop.
    private let dispatcher: NIOLoopBound<ResponseDispatcher>

    private init(channel: any Channel, dispatcher: NIOLoopBound<ResponseDispatcher>, endpoint: Endpoint, maxFrameBytes: Int) {
        self.channel = channel
        self.dispatcher = dispatcher
        self.endpoint = endpoint
        self.maxFrameBytes = maxFrameBytes
    }

    var isActive: Bool { channel.isActive }

    static func connect(
        to endpoint: Endpoint,
        group: any EventLoopGroup,
        connectTimeout: Duration,
        clientName: String
    ) async throws(SkewlessError) -> NodeConnection {
        let peer = endpoint.description
        let channel: any Channel
        let dispatcher: NIOLoopBound<ResponseDispatcher>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(connectTimeout.nanosecondsClamped)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ResponseDispatcher(peer: peer))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw SkewlessError(.unavailable, "cannot connect to \(peer): \(error); is a node running there?")
        }
        do {
            dispatcher = try await channel.eventLoop.submit { [channel] in
                NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ResponseDispatcher.self), eventLoop: channel.eventLoop)
            }.get()
        } catch {
            try? await channel.close()
            throw SkewlessError(.unavailable, "the connection to \(peer) closed before it was set up: \(error)")
        }
        var hello = Skewless_V1_HandshakeRequest()
        hello.protocolVersion = ProtocolVersion.current
        hello.clientName = clientName
        let connection = NodeConnection(channel: channel, dispatcher: dispatcher, endpoint: endpoint, maxFrameBytes: ProtocolVersion.defaultMaxFrameBytes)
        do throws(SkewlessError) {
            let answer: Skewless_V1_HandshakeResponse = try await connection.call(
                .handshake, hello, deadline: .now() + .nanoseconds(Int64(connectTimeout.nanosecondsClamped)))
            guard answer.protocolVersion == ProtocolVersion.current else {
                throw SkewlessError(.failedPrecondition, "\(peer) speaks protocol version \(answer.protocolVersion), this client \(ProtocolVersion.current)")
            }
            return NodeConnection(channel: channel, dispatcher: dispatcher, endpoint: endpoint, maxFrameBytes: Int(answer.maxFrameBytes))
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends one request and waits for its response payload, decoded.
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method,
        _ request: Request,
        deadline: NIODeadline
    ) async throws(SkewlessError) -> Response {
        let payload = try await call(method, payload: try Self.encode(request), deadline: deadline)
        return try Self.decode(payload, from: endpoint)
    }

    /// A request message's bytes. The hot GetOnlineFeatures path does not come here: its
    /// callers encode with `RequestEncoding` and send the bytes.
    static func encode<Request: SwiftProtobuf.Message>(_ request: Request) throws(SkewlessError) -> [UInt8] {
        do {
            return try request.serializedBytes()
        } catch {
            throw SkewlessError(.internal, "could not encode the request: \(error)")
        }
    }

    /// A response payload decoded as `Response`.
    static func decode<Response: SwiftProtobuf.Message>(_ payload: ByteBuffer, from endpoint: Endpoint) throws(SkewlessError) -> Response {
        do {
            return try Response(serializedBytes: payload.readableBytesSpan)
        } catch {
            throw SkewlessError(.internal, "\(endpoint) sent an undecodable \(Response.protoMessageName): \(error)")
        }
    }

    /// Sends one encoded request and waits for its response payload, undecoded. On the
    /// channel's event loop (where a task preferring `FeatureClient.taskExecutor` runs) the
    /// request goes straight to the socket; elsewhere it hops there first.
    ///
    /// Cancelling the calling task ends the call at once with `CANCELLED` (`CallCancellation`);
    /// the connection stays usable.
    nonisolated(nonsending) func call(_ method: Skewless_V1_Method, payload: [UInt8], deadline: NIODeadline) async throws(SkewlessError) -> ByteBuffer {
        let eventLoop = channel.eventLoop
        let dispatcher = self.dispatcher
        let cancellation = CallCancellation()
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: ResponseDispatcher.Continuation) in
                if eventLoop.inEventLoop {
                    dispatcher.value.send(method: method, payload: payload, deadline: deadline, continuation: continuation, cancellation: cancellation)
                } else {
                    eventLoop.execute {
                        dispatcher.value.send(method: method, payload: payload, deadline: deadline, continuation: continuation, cancellation: cancellation)
                    }
                }
            }
        } onCancel: {
            if let requestID = cancellation.cancel() {
                eventLoop.execute { dispatcher.value.cancel(requestID) }
            }
        }
        let response = try result.get()
        if let error = response.error {
            throw error
        }
        return response.payload
    }

    func close() async {
        try? await channel.close()
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to Int64.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
