import NIOCore
import SkewlessModel
import SkewlessWire

/// Matches responses to requests on one pipelined connection.
///
/// It numbers outgoing requests, keeps their promises by request id, completes each when
/// its response arrives (in any order), fails it with `deadlineExceeded` when its deadline
/// passes first, and fails everything still pending with `unavailable` when the
/// connection closes.
final class ResponseDispatcher: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<ResponseEnvelope>
        var timeout: Scheduled<Void>?
    }

    private var pending: [UInt64: Pending] = [:]
    private var nextRequestID: UInt64 = 1
    private let peer: String

    init(peer: String) {
        self.peer = peer
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        let id = nextRequestID
        nextRequestID &+= 1
        if nextRequestID == 0 { nextRequestID = 1 }
        let remaining = request.deadline - .now()
        guard remaining > .zero else {
            request.response.fail(SkewlessError(.deadlineExceeded, "the deadline passed before the request was sent to \(peer)"))
            promise?.succeed()
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: request.payload.count + 32)
        RequestEncoding.writeFrame(
            requestID: id, method: request.method.rawValue, timeoutMicros: UInt64(remaining.nanoseconds / 1_000),
            payload: request.payload, into: &buffer)
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: request.deadline) { [self] in
            if let entry = self.pending.removeValue(forKey: id) {
                entry.promise.fail(SkewlessError(.deadlineExceeded, "no response from \(self.peer) within the deadline"))
            }
        }
        pending[id] = Pending(promise: request.response, timeout: timeout)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let body = unwrapInboundIn(data)
        let response: ResponseEnvelope
        do {
            response = try ResponseEnvelope(decoding: body)
        } catch {
            failAll(SkewlessError(.internal, "\(peer) sent an undecodable response frame (\(error)); closing the connection"))
            context.close(promise: nil)
            return
        }
        if response.requestID == 0 {
            let error = response.error ?? SkewlessError(.unknown, "connection-level message from \(peer)")
            failAll(error)
            context.close(promise: nil)
            return
        }
        guard let entry = pending.removeValue(forKey: response.requestID) else {
            return  // Its deadline passed; the caller has already been told.
        }
        entry.timeout?.cancel()
        entry.promise.succeed(response)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SkewlessError(.unavailable, "the connection to \(peer) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? FrameError)?.skewlessError ?? SkewlessError(.unavailable, "connection to \(peer) failed: \(error)")
        failAll(reason)
        context.close(promise: nil)
    }

    private func failAll(_ error: SkewlessError) {
        let entries = pending
        pending.removeAll()
        for entry in entries.values {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
    }
}
