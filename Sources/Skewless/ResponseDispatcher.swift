import NIOCore
import NIOSSL
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
///
/// Requests sent in one turn of the event loop leave in one flush, one system call: the
/// flush is queued on the loop behind the work already there (as Netty's flush
/// consolidation does), so callers resumed together (an open loop's due requests, a burst of
/// calls) share it, and a lone request waits only for the job that sent it to end.
///
/// A graceful shutdown drains the connection (`beginDrain`): later sends fail, the requests
/// in flight still get their answers (or their deadlines), and the channel closes once none
/// is left. `close(reason:)` fails them at once instead.
final class ResponseDispatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a caller of `send` waits on.
    typealias Continuation = UnsafeContinuation<Result<ResponseEnvelope, SkewlessError>, Never>

    /// Who is told the outcome of a request: a waiting task, or (for the handshake, sent
    /// while the connection is set up on the event loop, with no task) a callback.
    enum Waiter {
        case task(Continuation)
        case callback(@Sendable (Result<ResponseEnvelope, SkewlessError>) -> Void)

        func resume(_ result: Result<ResponseEnvelope, SkewlessError>) {
            switch self {
            case .task(let continuation): continuation.resume(returning: result)
            case .callback(let callback): callback(result)
            }
        }
    }

    private struct Pending {
        var waiter: Waiter
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
    /// Set by `beginDrain`: later sends fail with it, and the channel closes once nothing is pending.
    private var drainReason: SkewlessError?
    /// Called once, on the event loop, when the connection has ended.
    private var onClose: (@Sendable () -> Void)?
    /// Whether a flush of the requests written in this turn of the loop is queued.
    private var flushQueued = false

    /// - Parameter onClose: called once, on the channel's event loop, when the connection
    ///   has ended (closed, or the handler removed).
    init(peer: String, onClose: (@Sendable () -> Void)? = nil) {
        self.peer = peer
        self.onClose = onClose
    }

    /// Writes one request and resumes `continuation` with its response or failure.
    /// Must be called on the channel's event loop.
    /// - Parameter cancellation: the call's link to its task's cancellation (see `cancel(_:)`).
    func send(method: Skewless_V1_Method, payload: [UInt8], deadline: NIODeadline, continuation: Continuation, cancellation: CallCancellation? = nil) {
        send(method: method, payload: payload, deadline: deadline, waiter: .task(continuation), cancellation: cancellation)
    }

    /// Writes one request and tells `waiter` its response or failure.
    /// Must be called on the channel's event loop.
    func send(method: Skewless_V1_Method, payload: [UInt8], deadline: NIODeadline, waiter: Waiter, cancellation: CallCancellation? = nil) {
        guard let context, closedReason == nil, drainReason == nil else {
            waiter.resume(.failure(closedReason ?? drainReason ?? SkewlessError(.unavailable, "the connection to \(peer) is not open")))
            return
        }
        let remaining = deadline - context.eventLoop.now
        guard remaining > .zero else {
            waiter.resume(.failure(SkewlessError(.deadlineExceeded, "the deadline passed before the request was sent to \(peer)")))
            return
        }
        let id = nextRequestID
        nextRequestID &+= 1
        if nextRequestID == 0 { nextRequestID = 1 }
        if let cancellation, !cancellation.sending(as: id) {
            waiter.resume(.failure(CallCancellation.error(peer)))
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: payload.count + 32)
        RequestEncoding.writeFrame(
            requestID: id, method: method.rawValue, timeoutMicros: UInt64(remaining.nanoseconds / 1_000), payload: payload, into: &buffer)
        pending[id] = Pending(waiter: waiter, deadline: deadline)
        armTimer(for: deadline, on: context.eventLoop)
        context.write(wrapOutboundOut(buffer), promise: nil)
        queueFlush(on: context.eventLoop)
    }

    /// Flushes once the loop has run what is queued now (see the type's doc).
    private func queueFlush(on eventLoop: any EventLoop) {
        guard !flushQueued else { return }
        flushQueued = true
        eventLoop.assumeIsolated().execute { [self] in
            flushQueued = false
            context?.flush()
        }
    }

    /// The caller of `requestID` was cancelled: it is resumed now with `CANCELLED`, and its
    /// response, should it come, is ignored. Must be called on the channel's event loop.
    func cancel(_ requestID: UInt64) {
        pending.removeValue(forKey: requestID)?.waiter.resume(.failure(CallCancellation.error(peer)))
        closeIfDrained()
    }

    /// Takes no more requests (they fail with `reason`) and closes the channel once every
    /// request in flight has been answered or has expired. Must be called on the event loop.
    func beginDrain(reason: SkewlessError) {
        guard closedReason == nil, drainReason == nil else { return }
        drainReason = reason
        closeIfDrained()
    }

    /// Fails every request in flight and every later one with `reason`, and closes the
    /// channel. Must be called on the event loop.
    func close(reason: SkewlessError) {
        failAll(reason)
        context?.close(promise: nil)
    }

    private func closeIfDrained() {
        if drainReason != nil, pending.isEmpty, closedReason == nil, let context {
            context.close(promise: nil)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(SkewlessError(.unavailable, "the connection to \(peer) closed"))
        self.context = nil
        notifyClosed()
    }

    private func notifyClosed() {
        let onClose = self.onClose
        self.onClose = nil
        onClose?()
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
        entry.waiter.resume(.success(response))
        closeIfDrained()
    }

    func channelInactive(context: ChannelHandlerContext) {
        do {
            try frames.finishProcessing(seenEOF: true) { _ in }
        } catch {
            failAll((error as? FrameError)?.skewlessError ?? SkewlessError(.unavailable, "the connection to \(peer) closed: \(error)"))
        }
        failAll(SkewlessError(.unavailable, "the connection to \(peer) closed"))
        notifyClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: SkewlessError
        if let frameError = error as? FrameError {
            reason = frameError.skewlessError
        } else if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            reason = SkewlessError(.unavailable, "TLS with \(peer) failed: \(error); check the CA bundle the client trusts, the server name the node's certificate must hold, the certificates' dates, and that the node speaks TLS")
        } else {
            reason = SkewlessError(.unavailable, "connection to \(peer) failed: \(error)")
        }
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
            pending.removeValue(forKey: id)?.waiter.resume(
                .failure(SkewlessError(.deadlineExceeded, "no response from \(peer) within the deadline")))
        }
        if let next {
            armTimer(for: next, on: eventLoop)
        }
        closeIfDrained()
    }

    /// Ends the connection for callers: everything pending and every later send fails.
    private func failAll(_ error: SkewlessError) {
        if closedReason == nil { closedReason = error }
        let entries = pending
        pending.removeAll()
        timer?.task.cancel()
        timer = nil
        for entry in entries.values {
            entry.waiter.resume(.failure(error))
        }
    }
}
