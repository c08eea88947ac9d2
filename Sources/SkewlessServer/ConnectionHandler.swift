import Logging
import NIOCore
import NIOSSL
import SkewlessModel
import SkewlessTLS
import SkewlessWire
import SwiftProtobuf

/// Serves one client connection: splits the socket's bytes into request frames, answers
/// them, and keeps one client from hurting the node or the other clients.
///
/// - The first request must be a HANDSHAKE with a matching protocol version, or the
///   connection is answered with an error and closed.
/// - Responses not yet written to the socket are counted; at `maxInFlightPerConnection`
///   the handler stops reading from the socket until some are written (backpressure
///   instead of unbounded buffering for clients that send but do not read).
/// - A request's `timeout_micros` counts from when the node read the bytes it arrived in;
///   a request still waiting behind others in the same read when its deadline passes is
///   answered DEADLINE_EXCEEDED without being executed.
/// - A frame that is too large or a stream that ends inside a frame closes the connection
///   with a logged reason; a frame whose body is not a valid message gets an
///   INVALID_ARGUMENT response and the connection stays usable, up to the error budget:
///   after `maxInvalidRequestsPerConnection` requests in a row refused as invalid the
///   node answers the last one, tells the client why (request id 0) and closes.
/// - On quiesce (graceful shutdown) it keeps answering requests that reach it and closes
///   once it has answered everything and the socket has stayed quiet for
///   `drainQuietPeriod`, so requests the client sent before the shutdown (still in the
///   socket's receive buffer) are answered rather than lost to a reset.
/// - A connection idle for the node's idle timeout (no bytes arriving and nothing left to
///   answer) is closed. This handler keeps that clock itself, from the read times it
///   already takes, instead of an `IdleStateHandler` in the pipeline, which read the clock
///   again and added a pipeline hop to every read and write (3% of the node's CPU).
///
/// What to do when is decided by `StateMachine` (ConnectionHandler+StateMachine.swift);
/// this class carries out its actions. Times come from the channel's event loop, so tests
/// on an `EmbeddedEventLoop` control them.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let processor: RequestProcessor
    /// The node's metrics; nil when it keeps none (then nothing below is counted).
    private let metrics: NodeMetrics?
    /// Bytes read and handed to the socket since they were last added to the metrics (once
    /// per read pass, not per request).
    private var bytesReceived = 0
    private var bytesSent = 0
    /// Why the handler closed the connection; nil: it did not (the client did).
    private var closeReason: NodeMetrics.CloseReason?
    private var logger: Logger
    /// Splits the bytes read into frames. It lives here rather than as a
    /// `ByteToMessageHandler` in front of this handler: the processor is inlinable, so it is
    /// specialized for `FrameDecoder` in this module, where the generic handler looked up
    /// type metadata on every read and added a pipeline hop per frame.
    private let frames: NIOSingleStepByteToMessageProcessor<FrameDecoder>
    private var state: StateMachine
    private var idleCheck: Scheduled<Void>?
    private var drainCheck: Scheduled<Void>?
    /// The frame that waits for a later turn (`StateMachine.frameDecoded` said `.wait`), and
    /// the bytes read after it; the frame processor keeps the bytes it had not split yet.
    private var waiting: ByteBuffer?
    private var readBehind: ByteBuffer?
    private var resumeCheck: Scheduled<Void>?
    /// Who is on the connection, from its handshake on.
    private var caller = Caller(rights: nil, name: "", peer: "", expiresAt: nil, bucket: nil)
    /// The caller has rights, an expiry or a rate bucket to check each request against.
    private var checksEachRequest = false
    private var peer = ""

    /// How long a draining connection must be quiet (nothing to answer, nothing arriving) before it closes.
    static let drainQuietPeriod = TimeAmount.milliseconds(20)

    init(processor: RequestProcessor, logger: Logger) {
        self.processor = processor
        self.metrics = processor.metrics
        self.logger = logger
        self.state = StateMachine(limits: .init(processor.configuration))
        self.frames = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: processor.configuration.maxFrameBytes))
    }

    func channelActive(context: ChannelHandlerContext) {
        if let peer = context.remoteAddress {
            // Formatted once: a client churning connections makes this thousands a second.
            let description = peer.description
            self.peer = description
            logger[metadataKey: "peer"] = .string(description)
        }
        switch state.channelActive(slotAcquired: processor.connections.tryAcquire(), now: context.eventLoop.now) {
        case .refuse:
            closeReason = .limit
            logger.warning("refusing connection: the node is at its limit of \(processor.connections.limit) connections")
            closeAfterWriting(SkewlessError(.resourceExhausted, "the node is at its limit of \(processor.connections.limit) connections: retry later or use another node"), context: context)
        case .serve(let idleCheckAt):
            scheduleIdleCheck(at: idleCheckAt, context: context)
            logger.debug("connection opened")
            context.fireChannelActive()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let action = state.channelInactive()
        if action.checkForPartialFrame {
            do {
                try frames.finishProcessing(seenEOF: true) { _ in }  // Too late to answer; only the error matters.
            } catch {
                logger.info("the client closed the connection inside a frame: \(error)")
            }
        }
        idleCheck?.cancel()
        idleCheck = nil
        drainCheck?.cancel()
        drainCheck = nil
        resumeCheck?.cancel()
        resumeCheck = nil
        waiting = nil
        readBehind = nil
        if action.releaseSlot {
            processor.connections.release()
        }
        if let metrics {
            flushByteCounts(metrics)
            metrics.closed(closeReason ?? .client)
        }
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state.bytesRead(now: context.eventLoop.now) {
        case .ignore:
            return
        case .decode(let cancelDrainCheck):
            if cancelDrainCheck {
                drainCheck?.cancel()
                drainCheck = nil
            }
        }
        let bytes = unwrapInboundIn(data)
        if metrics != nil { bytesReceived &+= bytes.readableBytes }
        if state.hasBacklog {
            // Frames wait for a later turn: these bytes wait behind them, unsplit.
            if readBehind == nil {
                readBehind = bytes
            } else {
                var more = bytes
                readBehind!.writeBuffer(&more)
            }
            return
        }
        split(bytes, context: context)
    }

    /// Stops the frame processor's loop: the frame just split waits for a later turn (or the
    /// connection is closing); the bytes after it stay in the processor.
    private struct Yield: Error {}

    /// Splits `bytes` (behind what the processor holds) into frames and answers them, until
    /// the connection's turn is over.
    private func split(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        do {
            try frames.process(buffer: bytes) { body in
                guard take(body, context: context) else { throw Yield() }
            }
        } catch is Yield {
            return
        } catch {
            frameFailed(error, context: context)
        }
    }

    /// Answers one frame split from the stream, or keeps it for the connection's next turn;
    /// false when splitting must stop.
    private func take(_ body: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let now = context.eventLoop.now
        switch state.frameDecoded(now: now) {
        case .answer:
            answer(body, now: now, context: context)
            return true
        case .stop:
            return false
        case .wait(let resume):
            waiting = body
            scheduleResume(resume, context: context)
            return false
        }
    }

    /// Gives the connection its next turn then: the frame that waited, the bytes the
    /// processor had not split, and those read after it.
    private func scheduleResume(_ resume: StateMachine.Resume, context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        switch resume {
        case .nextTurn:
            loop.execute { [self] in self.resumeFired(context: context) }
        case .after(let delay):
            resumeCheck = loop.scheduleTask(in: delay) { [self] in
                self.resumeCheck = nil
                self.resumeFired(context: context)
            }
        }
    }

    private func resumeFired(context: ChannelHandlerContext) {
        guard case .decode = state.resumeFired(now: context.eventLoop.now), let frame = waiting else { return }
        waiting = nil
        let behind = readBehind ?? ByteBuffer()
        readBehind = nil
        if take(frame, context: context) {
            split(behind, context: context)
        } else if behind.readableBytes > 0 {
            readBehind = behind  // the frame waits again; the bytes behind it too
        }
        context.flush()
        carryOut(state.resumeFinished(), context: context)
    }

    /// Answers one request frame (its body, after the length prefix), split at `now`.
    private func answer(_ body: ByteBuffer, now: NIODeadline, context: ChannelHandlerContext) {
        let request: Skewless_V1_RequestFrame
        do {
            request = try body.withUnsafeReadableBytes { bytes throws(SkewlessError) in try RequestDecoding.frame(bytes) }
        } catch {
            // Not logged per frame (a flood would drown the log): the error budget's close is.
            logger.debug("undecodable request frame of \(body.readableBytes) bytes: \(error)")
            count(method: NodeMetrics.undecodableMethodIndex, .invalidArgument, since: state.readArrival)
            send(.failure(requestID: 0, SkewlessError(.invalidArgument, "the frame body is not a valid RequestFrame (\(error)); see docs/protocol.md")), state.frameUndecodable(), context: context)
            return
        }
        switch state.requestDecoded(timeoutMicros: request.timeoutMicros, now: now) {
        case .ignore:
            return
        case .handshake:
            switch processor.handshake(request, certificatePrincipal: certificatePrincipal(context: context), peer: peer, now: now) {
            case .success(let (response, caller)):
                self.caller = caller
                checksEachRequest = !caller.checksNothing
                if caller.rights != nil {
                    logger[metadataKey: "principal"] = "\(caller.name)"
                }
                count(method: NodeMetrics.methodIndex(.handshake), nil, since: state.readArrival)
                send(response, state.handshakeAnswered(accepted: true), context: context)
            case .failure(let error):
                count(method: NodeMetrics.methodIndex(.handshake), error.code, since: state.readArrival)
                logger.info("handshake refused: \(error.message)")
                send(.failure(requestID: request.requestID, error), state.handshakeAnswered(accepted: false), context: context)
            }
        case .answerDeadlineExceeded(let waitedMicros):
            let error = SkewlessError(.deadlineExceeded, "the request waited \(waitedMicros) µs on the node behind other requests, past its deadline of \(request.timeoutMicros) µs; it was not executed")
            count(method: NodeMetrics.methodIndex(request.method), error.code, since: state.readArrival)
            send(.failure(requestID: request.requestID, error), state.answered(failure: error.code), context: context)
        case .execute:
            if checksEachRequest, refused(request, now: now, context: context) {
                return
            }
            if let later = processor.respondLater(to: request, caller: caller, on: context.eventLoop) {
                // A long-running method (MATERIALIZE) is answered off the event loop; it counts
                // as in flight until its response is written, so a drain waits for it.
                state.longRequestStarted()
                let requestID = request.requestID
                let method = NodeMetrics.methodIndex(request.method)
                let started = state.readArrival
                later.assumeIsolated().whenComplete { [self] result in
                    self.answeredLater(result, requestID: requestID, method: method, started: started, context: context)
                }
                return
            }
            let answer = processor.respond(to: request, caller: caller, allocator: context.channel.allocator)
            count(method: NodeMetrics.methodIndex(request.method), answer.failure, since: state.readArrival)
            carryOut(state.answered(failure: answer.failure), frame: answer.frame, context: context)
        }
    }

    /// Answers `request` with a refusal when its caller's credential has expired, its rate is
    /// spent or it may not call the method; false when the request may go on.
    private func refused(_ request: Skewless_V1_RequestFrame, now: NIODeadline, context: ChannelHandlerContext) -> Bool {
        let audit = processor.security.audit
        if let expiresAt = caller.expiresAt, now >= expiresAt {
            let error = SkewlessError(.unauthenticated, "the credential of this connection (principal '\(caller.name)') has expired: reconnect with a new one")
            audit.refusedAuthentication(peer: peer, reason: error)
            count(method: NodeMetrics.methodIndex(request.method), error.code, since: state.readArrival)
            send(.failure(requestID: request.requestID, error), state.credentialExpired(), context: context)
            return true
        }
        if let bucket = caller.bucket {
            let nanos = Int64(clamping: now.uptimeNanoseconds)
            if !bucket.take(nowNanos: nanos) {
                audit.rateLimited(principal: caller.name, peer: peer, nowNanos: nanos)
                let limit = processor.security.rateLimiter.limit.requestsPerSecond
                let error = SkewlessError(.resourceExhausted, "rate limit: '\(caller.name)' may send \(limit) requests a second to this node over all its connections; retry in \(bucket.retryAfterMilliseconds(nowNanos: nanos)) ms (docs/protocol.md, rate limits)")
                count(method: NodeMetrics.methodIndex(request.method), error.code, since: state.readArrival)
                send(.failure(requestID: request.requestID, error), state.rateLimited(), context: context)
                return true
            }
        }
        if let rights = caller.rights {
            do {
                try rights.checkMethod(request.method)
            } catch {
                audit.denied(principal: caller.name, peer: peer, method: request.method.rawValue, reason: error)
                count(method: NodeMetrics.methodIndex(request.method), error.code, since: state.readArrival)
                send(.failure(requestID: request.requestID, error), state.answered(failure: error.code), context: context)
                return true
            }
        }
        return false
    }

    /// The common name of the client's certificate, verified by the TLS handshake (mutual TLS).
    private func certificatePrincipal(context: ChannelHandlerContext) -> String? {
        guard processor.security.isTLSOn,
              let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
        else { return nil }
        return TLSContexts.principalName(of: certificate)
    }

    /// Writes the late answer of a long-running request.
    private func answeredLater(
        _ result: Result<RequestProcessor.Answer, any Error>, requestID: UInt64, method: Int, started: NIODeadline?, context: ChannelHandlerContext
    ) {
        let frame: ByteBuffer?
        let failure: SkewlessError.Code?
        switch result {
        case .success(let answer):
            frame = answer.frame
            failure = answer.failure
        case .failure(let error):
            // The processor answers every failure with a status; this is a bug, but the
            // client still gets an answer rather than waiting for its own timer.
            frame = encode(.failure(requestID: requestID, SkewlessError(.internal, "the node could not answer: \(error)")), context: context)
            failure = .internal
        }
        count(method: method, failure, since: started)
        let action = state.longRequestFinished(failure: failure)
        guard let frame else { return }  // not encoded: the connection is closing
        switch action {
        case .drop:
            return
        case .write(let progress):
            if let metrics {
                bytesSent &+= frame.readableBytes
                flushByteCounts(metrics)
            }
            context.write(wrapOutboundOut(frame), promise: nil)
            context.flush()
            carryOut(progress, context: context)
        case .writeThenClose(let reason):
            write(frame, thenCloseFor: reason, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let metrics { flushByteCounts(metrics) }
        let progress = state.readComplete()
        context.flush()
        carryOut(progress, context: context)
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        switch state.readRequested() {
        case .read:
            context.read()
        case .hold(let settleWrites):
            if settleWrites { writeBarrier(context: context) }  // may find them written at once and read
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            if case .startDraining = state.quiesce() {
                logger.debug("draining connection", metadata: ["in_flight": "\(state.inFlight)"])
                context.flush()
                scheduleDrainCheck(context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .close = state.closeRequested() else { return }
        closeReason = closeReason ?? .error
        logger.info("closing connection after error: \(error)")
        context.close(promise: nil)
    }

    /// The byte stream cannot be split into frames any more: a frame over the size limit is
    /// answered with RESOURCE_EXHAUSTED before closing, anything else just closes.
    private func frameFailed(_ error: any Error, context: ChannelHandlerContext) {
        guard case .close = state.closeRequested() else { return }
        closeReason = closeReason ?? .badFrame
        logger.info("closing connection: \(error)")
        if let frameError = error as? FrameError, case .frameTooLarge = frameError {
            closeAfterWriting(frameError.skewlessError, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: - Carrying out the state machine's actions

    /// Encodes `response` and carries out what the state machine said to do with it.
    private func send(_ response: Skewless_V1_ResponseFrame, _ action: StateMachine.OnAnswer, context: ChannelHandlerContext) {
        if case .drop = action { return }
        guard let frame = encode(response, context: context) else { return }
        carryOut(action, frame: frame, context: context)
    }

    private func carryOut(_ action: StateMachine.OnAnswer, frame: ByteBuffer, context: ChannelHandlerContext) {
        switch action {
        case .drop:
            return
        case .write:
            // No promise per response (a promise each was 5% of the node's CPU on one-row
            // reads): the state machine asks for a settling barrier when it must know.
            if metrics != nil { bytesSent &+= frame.readableBytes }
            context.write(wrapOutboundOut(frame), promise: nil)
        case .writeThenClose(let reason):
            if metrics != nil { bytesSent &+= frame.readableBytes }
            write(frame, thenCloseFor: reason, context: context)
        }
    }

    private func carryOut(_ progress: StateMachine.WriteProgress, context: ChannelHandlerContext) {
        // Resume reading after backpressure, draining or not: requests already in the
        // socket must still be answered during a graceful shutdown.
        if progress.resumeReading {
            context.read()
        }
        switch progress.next {
        case .none:
            break
        case .settleWrites:
            writeBarrier(context: context)
        case .scheduleDrainCheck:
            scheduleDrainCheck(context: context)
        }
    }

    /// Learns how many responses the socket has taken: an empty write with a promise, after
    /// them, completes once every write before it has (NIO completes writes in order).
    /// Needed only while reading is held at the limit or the connection drains.
    private func writeBarrier(context: ChannelHandlerContext) {
        let barrier = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: barrier)
        barrier.futureResult.assumeIsolated().whenComplete { [self] _ in
            self.carryOut(self.state.writesSettled(), context: context)
        }
    }

    /// Closes the connection once no bytes have arrived for the idle timeout and nothing is
    /// left to answer; otherwise checks again when that could next be true.
    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            switch self.state.idleCheckFired(now: context.eventLoop.now) {
            case .none:
                break
            case .reschedule(let at):
                self.scheduleIdleCheck(at: at, context: context)
            case .close:
                self.closeReason = self.closeReason ?? .idle
                self.logger.info("closing idle connection: no bytes for \(self.processor.configuration.idleTimeoutSeconds)s")
                context.close(promise: nil)
            }
        }
    }

    /// Closes a draining connection once it has been quiet for `drainQuietPeriod`.
    private func scheduleDrainCheck(context: ChannelHandlerContext) {
        drainCheck?.cancel()
        drainCheck = context.eventLoop.assumeIsolated().scheduleTask(in: Self.drainQuietPeriod) { [self] in
            self.drainCheck = nil
            switch self.state.drainCheckFired() {
            case .none:
                break
            case .close:
                self.closeReason = self.closeReason ?? .drained
                self.logger.debug("drained: closing connection")
                context.close(promise: nil)
            case .settleWrites:
                self.writeBarrier(context: context)  // its completion checks again
            }
        }
    }

    // MARK: - Metrics

    /// Counts a request of method `method` (`NodeMetrics.methodIndex`) answered now with
    /// `failure` (nil: OK), with its latency since `started`, the read it arrived in.
    @inline(__always)
    private func count(method: Int, _ failure: SkewlessError.Code?, since started: NIODeadline?) {
        guard let metrics else { return }
        let nanoseconds = started.map { (NIODeadline.now() - $0).nanoseconds } ?? 0
        metrics.requests.record(method: method, status: NodeMetrics.statusIndex(failure), nanoseconds: nanoseconds)
    }

    /// Adds the bytes read and written since the last call to the node's counters.
    private func flushByteCounts(_ metrics: NodeMetrics) {
        metrics.transferred(received: bytesReceived, sent: bytesSent)
        bytesReceived = 0
        bytesSent = 0
    }

    // MARK: - Writing and closing

    /// The frame of `response`; nil (and the connection closing) if it cannot be encoded.
    private func encode(_ response: Skewless_V1_ResponseFrame, context: ChannelHandlerContext) -> ByteBuffer? {
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try FrameEncoder.write(response, into: &buffer)
            return buffer
        } catch {
            logger.error("could not encode a response: \(error)")
            closeReason = closeReason ?? .error
            _ = state.closeRequested()
            context.close(promise: nil)
            return nil
        }
    }

    /// Writes the answer `frame`, then closes as the state machine decided.
    private func write(_ frame: ByteBuffer, thenCloseFor reason: StateMachine.CloseReason, context: ChannelHandlerContext) {
        switch reason {
        case .handshakeRefused:
            closeReason = closeReason ?? .handshakeRefused
            context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .credentialExpired:
            logger.info("closing connection: its credential expired")
            context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .invalidRequests(let inARow):
            closeReason = closeReason ?? .invalidRequests
            context.write(wrapOutboundOut(frame), promise: nil)
            logger.info("closing connection: \(inARow) invalid requests in a row, the node's limit")
            closeAfterWriting(SkewlessError(.resourceExhausted, "\(inARow) requests in a row on this connection were invalid (the last was answered just before this), the node's limit: it closes the connection; fix the client (see docs/protocol.md, the error budget)"), context: context)
        }
    }

    /// Tells the client why (request id 0), then closes once the message is written.
    private func closeAfterWriting(_ error: SkewlessError, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 0)
        if (try? FrameEncoder.write(Skewless_V1_ResponseFrame.failure(requestID: 0, error), into: &buffer)) != nil {
            context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }
}
