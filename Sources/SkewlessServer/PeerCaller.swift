import NIOCore
import NIOPosix
import NIOSSL
import SkewlessCluster
import SkewlessModel
import SkewlessTLS
import SkewlessWire
import SwiftProtobuf
import Synchronization

/// Pipelined, non-blocking calls from this node to other nodes: what a write coordinator
/// uses to apply a logged batch on the other replicas. One connection per peer, opened on
/// first use (with the handshake) and opened again after it fails; responses are matched
/// to requests by request id, so calls on one connection overlap.
///
/// Every call ends: with the peer's answer, or `unavailable` when the peer cannot be reached
/// or the connection drops, or `deadlineExceeded` after `timeout`. A peer that answers
/// garbage loses its connection; the caller is never blocked and never crashes.
final class PeerCaller: Sendable {
    private let group: any EventLoopGroup
    private let maxFrameBytes: Int
    /// TLS and the token for peers' handshakes, as current when a connection opens.
    private let security: SecurityState?
    private let connections = Mutex<[NodeAddress: EventLoopFuture<any Channel>]>([:])

    init(group: any EventLoopGroup, maxFrameBytes: Int, security: SecurityState? = nil) {
        self.group = group
        self.maxFrameBytes = maxFrameBytes
        self.security = security
    }

    /// Sends one request to `address`; the future completes on `eventLoop`.
    func call(_ method: Skewless_V1_Method, payload: [UInt8], to address: NodeAddress, timeout: TimeAmount, on eventLoop: any EventLoop) -> EventLoopFuture<ResponseEnvelope> {
        let promise = eventLoop.makePromise(of: ResponseEnvelope.self)
        let timer = eventLoop.scheduleTask(in: timeout) {
            promise.fail(SkewlessError(.deadlineExceeded, "node \(address) did not answer \(method) within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        let frame = PeerCall(method: method, payload: payload, timeoutMicros: UInt64(max(0, timeout.nanoseconds / 1_000)), promise: promise)
        channel(to: address).whenComplete { result in
            switch result {
            case .success(let channel):
                channel.writeAndFlush(frame).whenFailure { error in
                    promise.fail(SkewlessError(.unavailable, "cannot send \(method) to node \(address): \(error)"))
                }
            case .failure(let error):
                promise.fail(error as? SkewlessError ?? SkewlessError(.unavailable, "cannot connect to node \(address): \(error)"))
            }
        }
        return promise.futureResult
    }

    /// Closes every connection.
    func closeAll() {
        let all = connections.withLock { connections in
            defer { connections.removeAll() }
            return Array(connections.values)
        }
        for connection in all {
            connection.whenSuccess { $0.close(promise: nil) }
        }
    }

    private func channel(to address: NodeAddress) -> EventLoopFuture<any Channel> {
        connections.withLock { connections in
            if let existing = connections[address] { return existing }
            let connecting = connect(to: address)
            connections[address] = connecting
            connecting.whenComplete { [self] result in
                switch result {
                case .success(let channel): channel.closeFuture.whenComplete { _ in self.forget(connecting, to: address) }
                case .failure: forget(connecting, to: address)
                }
            }
            return connecting
        }
    }

    private func forget(_ connection: EventLoopFuture<any Channel>, to address: NodeAddress) {
        connections.withLock { connections in
            if connections[address] === connection { connections[address] = nil }
        }
    }

    private func connect(to address: NodeAddress) -> EventLoopFuture<any Channel> {
        let maxFrameBytes = self.maxFrameBytes
        let peer = security?.peer
        let tls = peer?.tls
        let token = peer?.token ?? ""
        return ClientBootstrap(group: group)
            .connectTimeout(.seconds(1))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(TLSContexts.clientHandler(context: tls, host: address.host, serverName: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try channel.pipeline.syncOperations.addHandler(PeerCallHandler(address: address))
                }
            }
            .connect(host: address.host, port: address.port)
            .flatMapError { error in
                address.failedConnection(error)
            }
            .flatMap { channel in
                var hello = Skewless_V1_HandshakeRequest()
                hello.protocolVersion = ProtocolVersion.current
                hello.clientName = "skewless-node"
                hello.bearerToken = token
                let promise = channel.eventLoop.makePromise(of: ResponseEnvelope.self)
                let bytes = (try? hello.serializedBytes()) ?? []
                channel.writeAndFlush(PeerCall(method: .handshake, payload: bytes, timeoutMicros: 1_000_000, promise: promise), promise: nil)
                return promise.futureResult.flatMapThrowing { envelope in
                    if let error = envelope.error { throw error }
                    return channel
                }.flatMapErrorThrowing { error in
                    channel.close(promise: nil)
                    throw error
                }
            }
    }
}

private extension NodeAddress {
    func failedConnection(_ error: any Error) -> EventLoopFuture<any Channel> {
        MultiThreadedEventLoopGroup.singleton.next().makeFailedFuture(
            SkewlessError(.unavailable, "cannot connect to node \(self): \(error); it may be down"))
    }
}

/// One outbound call: the request and where its answer goes.
struct PeerCall: Sendable {
    var method: Skewless_V1_Method
    var payload: [UInt8]
    var timeoutMicros: UInt64
    var promise: EventLoopPromise<ResponseEnvelope>
}

/// Frames calls with request ids and routes each response frame to its call.
final class PeerCallHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = PeerCall
    typealias OutboundOut = ByteBuffer

    private let address: NodeAddress
    private var nextRequestID: UInt64 = 1
    private var waiting: [UInt64: EventLoopPromise<ResponseEnvelope>] = [:]

    init(address: NodeAddress) {
        self.address = address
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        var frame = Skewless_V1_RequestFrame()
        frame.requestID = nextRequestID
        nextRequestID += 1
        frame.method = call.method
        frame.timeoutMicros = call.timeoutMicros
        frame.payload = .init(call.payload)
        var buffer = context.channel.allocator.buffer(capacity: call.payload.count + 32)
        do {
            try FrameEncoder.write(frame, into: &buffer)
        } catch {
            call.promise.fail(SkewlessError(.internal, "could not encode a request to node \(address): \(error)"))
            promise?.fail(error)
            return
        }
        waiting[frame.requestID] = call.promise
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let body = unwrapInboundIn(data)
        guard let envelope = try? ResponseEnvelope(decoding: body), let promise = waiting.removeValue(forKey: envelope.requestID) else {
            // Not a response to anything we sent: the peer is confused; start over.
            context.close(promise: nil)
            return
        }
        promise.succeed(envelope)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let failed = waiting
        waiting.removeAll()
        for promise in failed.values {
            promise.fail(SkewlessError(.unavailable, "the connection to node \(address) closed before it answered"))
        }
        context.fireChannelInactive()
    }
}
