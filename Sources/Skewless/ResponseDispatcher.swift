import NIOCore
import SkewlessModel
import SkewlessWire

/// Matches responses to requests on one pipelined connection.
///
/// `send` (on the channel's event loop) numbers a request, writes its frame and keeps its
/// caller's continuation by request id. Each continuation is resumed exactly once: when its
/// response arrives (in any order), when its deadline passes first (`deadlineExceeded`), when
/// its caller is cancelled (`cancelled`), or when the connection ends (`unavailable`),
/// whichever comes first; the entry is removed from `pending` as it is resumed, so nothing can
/// resume it again.
///
/// It splits the bytes read into frames itself, with NIO's inlinable
/// `NIOSingleStepByteToMessageProcessor` (specialized here, unlike a generic
/// `ByteToMessageHandler` in front of it, and one pipeline hop fewer per response).
///
/// A request goes from the caller to the socket without a future, a pipeline message or a
/// timer of its own: deadlines share one timer, set for the earliest pending deadline (as a
/// client's requests mostly carry the same timeout, a new request rarely moves it).
final class ResponseDispatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a caller of `send` waits on.
    typealias Continuation = UnsafeContinuation<Result<ResponseEnvelope, SkewlessError>, Never>

    private struct Pending {
        var continuation: Continuation
        var deadline: NIODeadline
    }

    private var pending: [UInt64: Pending] = [:]
    private var nextRequestID: UInt64 = 1
    private let peer: String
    /// Splits the bytes read into response frames. A response's size is not limited here:
    /// the client trusts the node it chose to call.
    private let frames = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: Int(UInt32.max)))
    /// Set while the handler is in an active channel's pipeline.
    private var context: ChannelHandlerContext?
    /// Why the connection ended, once it has: later sends fail at once.
    private var closedReason: SkewlessError?
    /// The timer of the earliest pending deadline (or an earlier one, since passed).
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?

    init(peer: String) {
        self.peer = peer
    }

    /// Writes one request and resumes `continuation` with its response or failure.
    /// Must be called on the channel's event loop.
    /// - Parameter cancellation: the call's link to its task's cancellation (see `cancel(_:)`).
    func send(method: Skewless_V1_Method, payload: [UInt8], deadline: NIODeadline, continuation: Continuation, cancellation: CallCancellation? = nil) {
        guard let context, closedReason == nil else {
            continuation.resume(returning: .failure(closedReason ?? SkewlessError(.unavailable, "the connection to \(peer) is not open")))
            return
        }
        let remaining = deadline - context.eventLoop.now
        guard remaining > .zero else {
            continuation.resume(returning: .failure(SkewlessError(.deadlineExceeded, "the deadline passed before the request was sent to \(peer)")))
            return
        }
        let id = nextRequestID
        nextRequestID &+= 1
        if nextRequestID == 0 { nextRequestID = 1 }
        if let cancellation, !cancellation.sending(as: id) {
            continuation.resume(returning: .failure(CallCancellation.error(peer)))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: payload.count + 32)
        RequestEncoding.writeFrame(
            requestID: id, method: method.rawValue, timeoutMicros: UInt64(remaining.nanoseconds / 1_000), payload: payload, into: &buffer)
        pending[id] = Pending(continuation: continuation, deadline: deadline)
        armTimer(for: deadline, on: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    /// The caller of `requestID` was cancelled: it is resumed now with `CANCELLED`, and its
    /// response, should it come, is ignored. Must be called on the channel's event loop.
    func cancel(_ requestID: UInt64) {
        pending.removeValue(forKey: requestID)?.continuation.resume(returning: .failure(CallCancellation.error(peer)))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(SkewlessError(.unavailable, "the connection to \(peer) closed"))
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try frames.process(buffer: unwrapInboundIn(data)) { body in
                if closedReason == nil { receive(body, context: context) }
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    /// Resumes the caller of one response frame (its body, after the length prefix).
    private func receive(_ body: ByteBuffer, context: ChannelHandlerContext) {
        let response: ResponseEnvelope
        do {
            response = try ResponseEnvelope(decoding: body)
        } catch {
            failAll(SkewlessError(.internal, "\(peer) sent an undecodable response frame (\(error)); closing the connection"))
            context.close(promise: nil)
            return
        }
        if response.requestID == 0 {
            failAll(response.error ?? SkewlessError(.unknown, "connection-level message from \(peer)"))
            context.close(promise: nil)
            return
        }
        guard let entry = pending.removeValue(forKey: response.requestID) else {
            return  // Its deadline passed; the caller has already been told.
        }
        entry.continuation.resume(returning: .success(response))
    }

    func channelInactive(context: ChannelHandlerContext) {
        do {
            try frames.finishProcessing(seenEOF: true) { _ in }
        } catch {
            failAll((error as? FrameError)?.skewlessError ?? SkewlessError(.unavailable, "the connection to \(peer) closed: \(error)"))
        }
        failAll(SkewlessError(.unavailable, "the connection to \(peer) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason = (error as? FrameError)?.skewlessError ?? SkewlessError(.unavailable, "connection to \(peer) failed: \(error)")
        failAll(reason)
        context.close(promise: nil)
    }

    /// Makes sure a timer fires by `deadline`.
    private func armTimer(for deadline: NIODeadline, on eventLoop: any EventLoop) {
        if let timer, timer.deadline <= deadline { return }
        timer?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timer = nil
            self.expire(on: eventLoop)
        }
        timer = (deadline, task)
    }

    /// Fails the requests whose deadline has passed and sets the timer for the next one.
    private func expire(on eventLoop: any EventLoop) {
        let now = eventLoop.now
        var next: NIODeadline?
        var expired: [UInt64] = []
        for (id, entry) in pending {
            if entry.deadline <= now {
                expired.append(id)
            } else {
                next = min(next ?? entry.deadline, entry.deadline)
            }
        }
        for id in expired {
            pending.removeValue(forKey: id)?.continuation.resume(
                returning: .failure(SkewlessError(.deadlineExceeded, "no response from \(peer) within the deadline")))
        }
        if let next {
            armTimer(for: next, on: eventLoop)
        }
    }

    /// Ends the connection for callers: everything pending and every later send fails.
    private func failAll(_ error: SkewlessError) {
        if closedReason == nil { closedReason = error }
        let entries = pending
        pending.removeAll()
        timer?.task.cancel()
        timer = nil
        for entry in entries.values {
            entry.continuation.resume(returning: .failure(error))
        }
    }
}
