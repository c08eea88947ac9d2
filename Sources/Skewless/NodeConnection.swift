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

    private init(channel: any Channel, endpoint: Endpoint, maxFrameBytes: Int) {
        self.channel = channel
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
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(connectTimeout.nanosecondsClamped)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(FrameDecoder(maxFrameBytes: Int(UInt32.max))),
                            ResponseDispatcher(peer: peer),
                        ])
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw SkewlessError(.unavailable, "cannot connect to \(peer): \(error); is a node running there?")
        }
        var hello = Skewless_V1_HandshakeRequest()
        hello.protocolVersion = ProtocolVersion.current
        hello.clientName = clientName
        let connection = NodeConnection(channel: channel, endpoint: endpoint, maxFrameBytes: ProtocolVersion.defaultMaxFrameBytes)
        do throws(SkewlessError) {
            let answer: Skewless_V1_HandshakeResponse = try await connection.call(
                .handshake, hello, deadline: .now() + .nanoseconds(Int64(connectTimeout.nanosecondsClamped)))
            guard answer.protocolVersion == ProtocolVersion.current else {
                throw SkewlessError(.failedPrecondition, "\(peer) speaks protocol version \(answer.protocolVersion), this client \(ProtocolVersion.current)")
            }
            return NodeConnection(channel: channel, endpoint: endpoint, maxFrameBytes: Int(answer.maxFrameBytes))
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
        let payload = try await call(method, request, deadline: deadline)
        return try Self.decode(payload, from: endpoint)
    }

    /// A response payload decoded as `Response`.
    static func decode<Response: SwiftProtobuf.Message>(_ payload: ByteBuffer, from endpoint: Endpoint) throws(SkewlessError) -> Response {
        do {
            return try Response(serializedBytes: payload.readableBytesSpan)
        } catch {
            throw SkewlessError(.internal, "\(endpoint) sent an undecodable \(Response.protoMessageName): \(error)")
        }
    }

    /// Sends one request and waits for its response payload, undecoded.
    func call<Request: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method,
        _ request: Request,
        deadline: NIODeadline
    ) async throws(SkewlessError) -> ByteBuffer {
        let payload: [UInt8]
        if let features = request as? Skewless_V1_GetOnlineFeaturesRequest {
            payload = RequestEncoding.encode(features)  // the hot path, encoded by hand
        } else {
            do {
                payload = try request.serializedBytes()
            } catch {
                throw SkewlessError(.internal, "could not encode the request: \(error)")
            }
        }
        let promise = channel.eventLoop.makePromise(of: ResponseEnvelope.self)
        channel.writeAndFlush(OutgoingRequest(method: method, payload: payload, response: promise, deadline: deadline)).whenFailure { error in
            promise.fail(SkewlessError(.unavailable, "could not send to \(self.endpoint): \(error)"))
        }
        let response: ResponseEnvelope
        do {
            response = try await promise.futureResult.get()
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.unavailable, "request to \(endpoint) failed: \(error)")
        }
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
