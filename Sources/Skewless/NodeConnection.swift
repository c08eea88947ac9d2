import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SkewlessModel
import SkewlessTLS
import SkewlessWire
import SwiftProtobuf

/// One handshaken TCP connection to a node, carrying many requests in flight.
///
/// Everything that must happen on the channel's event loop is sent there with
/// `execute(_:ifRefused:)`: on a loop whose group has shut down, a call fails at once
/// instead of waiting for a job the loop dropped.
final class NodeConnection: Sendable {
    let channel: any Channel
    let endpoint: Endpoint
    /// What the node said in the handshake.
    let maxFrameBytes: Int
    /// The channel's dispatcher, which requests are handed to directly on its event loop.
    private let dispatcher: NIOLoopBound<ResponseDispatcher>
    /// Fired by the dispatcher when the connection has ended.
    private let closed: CloseSignal

    private init(channel: any Channel, dispatcher: NIOLoopBound<ResponseDispatcher>, closed: CloseSignal, endpoint: Endpoint, maxFrameBytes: Int) {
        self.channel = channel
        self.dispatcher = dispatcher
        self.closed = closed
        self.endpoint = endpoint
        self.maxFrameBytes = maxFrameBytes
    }

    var isActive: Bool { channel.isActive }

    /// The error of a call whose connection's event loop has shut down.
    static func loopShutDown(_ peer: String) -> SkewlessError {
        SkewlessError(
            .failedPrecondition,
            "the event loop group of this client has shut down, so nothing can reach \(peer): shut a group down only after closing the clients that use it")
    }

    /// Opens a connection and completes the handshake, then calls `completion` once with the
    /// connection or the reason there is none. Driven by the event loop alone (no task), so
    /// the callers waiting for it may come and go; it ends within `connectTimeout`.
    static func connect(
        to endpoint: Endpoint,
        group: any EventLoopGroup,
        setup: ConnectionSetup,
        completion: @escaping @Sendable (Result<NodeConnection, SkewlessError>) -> Void
    ) {
        let peer = endpoint.description
        let loop = group.next()
        let timeout = TimeAmount.nanoseconds(setup.connectTimeout.nanosecondsClamped)
        let tls: NIOSSLContext?
        do {
            tls = try setup.tlsContext()
        } catch {
            completion(.failure(error))
            return
        }
        let serverName = setup.tls?.serverName
        loop.execute({
            let closed = CloseSignal()
            let bootstrap = ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                TLSContexts.clientHandler(context: tls, host: endpoint.host, serverName: serverName))
                        }
                        try channel.pipeline.syncOperations.addHandler(ResponseDispatcher(peer: peer, onClose: { closed.fire() }))
                    }
                }
            // An address needs no resolver (whose answer would come from another thread).
            let connecting: EventLoopFuture<any Channel>
            if let address = try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port) {
                connecting = bootstrap.connect(to: address)
            } else {
                connecting = bootstrap.connect(host: endpoint.host, port: endpoint.port)
            }
            connecting.whenComplete { result in
                switch result {
                case .failure(let error):
                    completion(.failure(SkewlessError(.unavailable, "cannot connect to \(peer): \(error); is a node running there?")))
                case .success(let channel):
                    handshake(on: channel, endpoint: endpoint, closed: closed, deadline: .now() + timeout, setup: setup, completion: completion)
                }
            }
        }, ifRefused: {
            completion(.failure(loopShutDown(peer)))
        })
    }

    /// The handshake on a channel just connected (on its event loop).
    private static func handshake(
        on channel: any Channel, endpoint: Endpoint, closed: CloseSignal, deadline: NIODeadline, setup: ConnectionSetup,
        completion: @escaping @Sendable (Result<NodeConnection, SkewlessError>) -> Void
    ) {
        let peer = endpoint.description
        let handler: ResponseDispatcher
        do {
            handler = try channel.pipeline.syncOperations.handler(type: ResponseDispatcher.self)
        } catch {
            channel.close(promise: nil)
            completion(.failure(SkewlessError(.unavailable, "the connection to \(peer) closed before it was set up: \(error)")))
            return
        }
        let dispatcher = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        var hello = Skewless_V1_HandshakeRequest()
        hello.protocolVersion = ProtocolVersion.current
        hello.clientName = setup.clientName
        hello.bearerToken = setup.bearerToken ?? ""
        let payload: [UInt8]
        do {
            payload = try encode(hello)
        } catch {
            channel.close(promise: nil)
            completion(.failure(error))
            return
        }
        handler.send(method: .handshake, payload: payload, deadline: deadline, waiter: .callback({ result in
            do throws(SkewlessError) {
                let envelope = try result.get()
                if let error = envelope.error { throw error }
                let answer: Skewless_V1_HandshakeResponse = try decode(envelope.payload, from: endpoint)
                guard answer.protocolVersion == ProtocolVersion.current else {
                    throw SkewlessError(.failedPrecondition, "\(peer) speaks protocol version \(answer.protocolVersion), this client \(ProtocolVersion.current)")
                }
                completion(.success(NodeConnection(
                    channel: channel, dispatcher: dispatcher, closed: closed, endpoint: endpoint, maxFrameBytes: Int(answer.maxFrameBytes))))
            } catch {
                channel.close(promise: nil)
                completion(.failure(error))
            }
        }))
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
        let endpoint = self.endpoint
        let cancellation = CallCancellation()
        let result = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: ResponseDispatcher.Continuation) in
                if eventLoop.inEventLoop {
                    dispatcher.value.send(method: method, payload: payload, deadline: deadline, continuation: continuation, cancellation: cancellation)
                } else {
                    eventLoop.execute({
                        dispatcher.value.send(method: method, payload: payload, deadline: deadline, continuation: continuation, cancellation: cancellation)
                    }, ifRefused: {
                        continuation.resume(returning: .failure(Self.loopShutDown(endpoint.description)))
                    })
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

    /// Takes no more requests (they fail with `reason`); the connection closes once the
    /// requests in flight have their answers or have expired.
    func beginDrain(reason: SkewlessError) {
        let dispatcher = self.dispatcher
        channel.eventLoop.execute({ dispatcher.value.beginDrain(reason: reason) }, ifRefused: {})
    }

    /// Fails the requests in flight with `reason` and closes the connection.
    func beginClose(reason: SkewlessError) {
        let dispatcher = self.dispatcher
        channel.eventLoop.execute({ dispatcher.value.close(reason: reason) }, ifRefused: {})
    }

    /// Returns once the connection has closed (or the calling task is cancelled).
    func waitUntilClosed() async {
        await closed.wait()
    }

    /// Closes the connection at once (requests in flight fail with `UNAVAILABLE`) and waits
    /// until it has.
    func close() async {
        beginClose(reason: SkewlessError(.unavailable, "the connection to \(endpoint) was closed by the client"))
        await waitUntilClosed()
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
