import Logging
import NIOCore
import SkewlessModel
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
///   INVALID_ARGUMENT response and the connection stays usable.
/// - On quiesce (graceful shutdown) it keeps answering requests that reach it and closes
///   once it has answered everything and the socket has stayed quiet for
///   `drainQuietPeriod`, so requests the client sent before the shutdown (still in the
///   socket's receive buffer) are answered rather than lost to a reset.
/// - A connection idle for the node's idle timeout (no bytes arriving and nothing left to
///   answer) is closed. This handler keeps that clock itself, from the read times it
///   already takes, instead of an `IdleStateHandler` in the pipeline, which read the clock
///   again and added a pipeline hop to every read and write (3% of the node's CPU).
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let processor: RequestProcessor
    private var logger: Logger
    private let maxInFlight: Int
    /// Splits the bytes read into frames. It lives here rather than as a
    /// `ByteToMessageHandler` in front of this handler: the processor is inlinable, so it is
    /// specialized for `FrameDecoder` in this module, where the generic handler looked up
    /// type metadata on every read and added a pipeline hop per frame.
    private let frames: NIOSingleStepByteToMessageProcessor<FrameDecoder>

    private var hasSlot = false
    private var handshaken = false
    /// Long-running requests (MATERIALIZE) not yet answered.
    private var running = 0
    /// Responses handed to the pipeline that the socket may not have taken yet. They are
    /// written without a promise each (a promise per response was 5% of the node's CPU on
    /// one-row reads); `settleWrites` learns how many the socket took when that matters.
    private var unwritten = 0
    /// Of `unwritten`, those written since the last settling barrier.
    private var unsettled = 0
    private var settling = false
    private var readHeld = false
    private var quiescing = false
    private var closing = false
    private var closeCheck: Scheduled<Void>?
    /// When the socket read that the requests now being decoded arrived in happened.
    private var readArrival: NIODeadline?
    /// When bytes last arrived (at first: when the connection opened).
    private var lastArrival = NIODeadline.now()
    private let idleTimeout: TimeAmount
    private var idleCheck: Scheduled<Void>?

    /// What counts against `maxInFlightPerConnection`: requests not yet answered and
    /// answers the socket may not have taken yet.
    private var inFlight: Int { running + unwritten }

    /// How long a draining connection must be quiet (nothing to answer, nothing arriving) before it closes.
    static let drainQuietPeriod = TimeAmount.milliseconds(20)

    init(processor: RequestProcessor, logger: Logger) {
        self.processor = processor
        self.logger = logger
        self.maxInFlight = processor.configuration.maxInFlightPerConnection
        self.idleTimeout = .seconds(processor.configuration.idleTimeoutSeconds)
        self.frames = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: processor.configuration.maxFrameBytes))
    }

    func channelActive(context: ChannelHandlerContext) {
        if let peer = context.remoteAddress {
            logger[metadataKey: "peer"] = "\(peer)"
        }
        guard processor.connections.tryAcquire() else {
            logger.warning("refusing connection: the node is at its limit of \(processor.connections.limit) connections")
            closeWithError(context: context, SkewlessError(.resourceExhausted, "the node is at its limit of \(processor.connections.limit) connections: retry later or use another node"))
            return
        }
        hasSlot = true
        lastArrival = .now()
        scheduleIdleCheck(context: context, at: lastArrival + idleTimeout)
        logger.debug("connection opened")
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closing {
            do {
                try frames.finishProcessing(seenEOF: true) { _ in }  // Too late to answer; only the error matters.
            } catch {
                logger.info("the client closed the connection inside a frame: \(error)")
            }
        }
        idleCheck?.cancel()
        if hasSlot {
            processor.connections.release()
            hasSlot = false
        }
        logger.debug("connection closed")
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let arrival = readArrival ?? NIODeadline.now()
        readArrival = arrival
        lastArrival = arrival
        do {
            try frames.process(buffer: unwrapInboundIn(data)) { body in
                if !closing { answer(body, arrival: arrival, context: context) }
            }
        } catch {
            frameFailed(error, context: context)
        }
    }

    /// Answers one request frame (its body, after the length prefix).
    private func answer(_ body: ByteBuffer, arrival: NIODeadline, context: ChannelHandlerContext) {
        let request: Skewless_V1_RequestFrame
        do {
            request = try body.withUnsafeReadableBytes { bytes throws(SkewlessError) in try RequestDecoding.frame(bytes) }
        } catch {
            logger.info("undecodable request frame of \(body.readableBytes) bytes: \(error)")
            send(.failure(requestID: 0, SkewlessError(.invalidArgument, "the frame body is not a valid RequestFrame (\(error)); see docs/protocol.md")), context: context)
            return
        }
        guard handshaken else {
            switch processor.handshake(request) {
            case .success(let response):
                handshaken = true
                send(response, context: context)
            case .failure(let error):
                logger.info("handshake refused: \(error.message)")
                closeWithError(context: context, error, requestID: request.requestID)
            }
            return
        }
        closeCheck?.cancel()
        if request.timeoutMicros > 0 {
            let waitedMicros = (NIODeadline.now() - arrival).nanoseconds / 1_000
            if waitedMicros >= Int64(clamping: request.timeoutMicros) {
                send(.failure(requestID: request.requestID, SkewlessError(.deadlineExceeded, "the request waited \(waitedMicros) µs on the node behind other requests, past its deadline of \(request.timeoutMicros) µs; it was not executed")), context: context)
                return
            }
        }
        if let later = processor.respondLater(to: request, on: context.eventLoop) {
            // A long-running method (MATERIALIZE) is answered off the event loop; it counts
            // as in flight until its response is written, so a drain waits for it.
            running += 1
            later.assumeIsolated().whenComplete { [self] result in
                self.running -= 1
                guard !self.closing, case .success(let buffer) = result else { return }
                self.write(buffer, context: context)
                context.flush()
                self.writesMayHaveSettled(context: context)
            }
            return
        }
        write(processor.respond(to: request, allocator: context.channel.allocator), context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readArrival = nil
        context.flush()
        if quiescing { writesMayHaveSettled(context: context) }
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        if inFlight >= maxInFlight {
            readHeld = true
            settleWrites(context: context)  // may find them written at once and read
            return
        }
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            quiescing = true
            logger.debug("draining connection", metadata: ["in_flight": "\(inFlight)"])
            context.flush()
            scheduleDrainCheck(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.info("closing connection after error: \(error)")
        close(context: context)
    }

    /// The byte stream cannot be split into frames any more: a frame over the size limit is
    /// answered with RESOURCE_EXHAUSTED before closing, anything else just closes.
    private func frameFailed(_ error: any Error, context: ChannelHandlerContext) {
        logger.info("closing connection: \(error)")
        if let frameError = error as? FrameError, case .frameTooLarge = frameError {
            closeWithError(context: context, frameError.skewlessError)
        } else {
            close(context: context)
        }
    }

    // MARK: - Writing

    private func send(_ response: Skewless_V1_ResponseFrame, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 0)
        do {
            try FrameEncoder.write(response, into: &buffer)
        } catch {
            logger.error("could not encode a response: \(error)")
            close(context: context)
            return
        }
        write(buffer, context: context)
    }

    /// Writes one encoded response frame, counting it in flight until the socket is known
    /// to have taken it (`settleWrites`).
    private func write(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        unwritten += 1
        unsettled += 1
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    /// Learns how many responses the socket has taken: an empty write with a promise, after
    /// them, completes once every write before it has (NIO completes writes in order).
    /// Needed only while reading is held at the limit or the connection drains.
    private func settleWrites(context: ChannelHandlerContext) {
        guard unsettled > 0, !settling else { return }
        let covered = unsettled
        unsettled = 0
        settling = true
        let barrier = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: barrier)
        barrier.futureResult.assumeIsolated().whenComplete { [self] _ in
            self.settling = false
            self.unwritten -= covered
            self.writesMayHaveSettled(context: context)
        }
    }

    /// Resumes held reading once below the limit, and lets a draining connection close once
    /// everything is answered and written; settles writes again when that is still unknown.
    private func writesMayHaveSettled(context: ChannelHandlerContext) {
        // Resume reading after backpressure, draining or not: requests already in the
        // socket must still be answered during a graceful shutdown.
        if readHeld {
            if inFlight < maxInFlight {
                readHeld = false
                context.read()
            } else {
                settleWrites(context: context)
            }
        }
        if quiescing {
            if inFlight == 0 {
                scheduleDrainCheck(context: context)
            } else {
                settleWrites(context: context)
            }
        }
    }

    /// Closes the connection once no bytes have arrived for `idleTimeout` and nothing is
    /// left to answer; otherwise checks again when that could next be true.
    private func scheduleIdleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            guard !self.closing else { return }
            let now = NIODeadline.now()
            if self.running > 0 {  // a long request (MATERIALIZE) is still running
                self.scheduleIdleCheck(context: context, at: now + self.idleTimeout)
            } else if now - self.lastArrival < self.idleTimeout {
                self.scheduleIdleCheck(context: context, at: self.lastArrival + self.idleTimeout)
            } else {
                self.logger.info("closing idle connection: no bytes for \(self.processor.configuration.idleTimeoutSeconds)s")
                self.close(context: context)
            }
        }
    }

    /// Closes a draining connection once it has been quiet for `drainQuietPeriod`.
    private func scheduleDrainCheck(context: ChannelHandlerContext) {
        closeCheck?.cancel()
        closeCheck = context.eventLoop.assumeIsolated().scheduleTask(in: Self.drainQuietPeriod) { [self] in
            if self.inFlight == 0 {
                self.close(context: context)
            } else {
                self.settleWrites(context: context)  // its completion checks again
            }
        }
    }

    /// Tells the client why, then closes once the message is written.
    private func closeWithError(context: ChannelHandlerContext, _ error: SkewlessError, requestID: UInt64 = 0) {
        guard !closing else { return }
        closing = true
        var buffer = context.channel.allocator.buffer(capacity: 0)
        if (try? FrameEncoder.write(Skewless_V1_ResponseFrame.failure(requestID: requestID, error), into: &buffer)) != nil {
            context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.close(promise: nil)
        }
    }

    private func close(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        context.close(promise: nil)
    }
}
