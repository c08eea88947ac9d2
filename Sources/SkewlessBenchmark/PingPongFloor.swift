import Foundation
import Histogram
import NIOCore
import NIOPosix
import SkewlessModel
import SkewlessWire

/// The floor under any NIO service on this machine: one connection, one request in flight,
/// length-prefixed frames of fixed sizes bounced between two channel handlers that do
/// nothing else (no decoding, no store, no Swift Concurrency). Run the responder and the
/// caller in two processes, as a node and its client run, to compare a Skewless read with
/// what the framework and the kernel take for the same bytes (`bench/floor.sh`).
package enum PingPongFloor {
    /// Serves 127.0.0.1:`port` (0 picks one) until `group` shuts down: answers every
    /// request frame with a frame of `responseBytes`.
    package static func serve(port: Int, responseBytes: Int, group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Responder(responseBytes: responseBytes))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
    }

    /// Sends `warmup + requests` request frames of `requestBytes`, each after the previous
    /// answer, and returns the latencies of the last `requests` (nanoseconds).
    package static func call(
        host: String, port: Int, requests: Int, warmup: Int, requestBytes: Int, group: any EventLoopGroup
    ) async throws -> Histogram<UInt64> {
        let eventLoop = group.next()
        let done = eventLoop.makePromise(of: Histogram<UInt64>.self)
        let channel = try await ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Caller(requests: requests, warmup: warmup, requestBytes: requestBytes, done: done))
                }
            }
            .connect(host: host, port: port)
            .get()
        defer { channel.close(promise: nil) }
        return try await done.futureResult.get()
    }

    /// Answers each frame with a fixed one.
    final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let frames = NIOSingleStepByteToMessageProcessor(FrameDecoder())
        private let responseBytes: Int

        init(responseBytes: Int) {
            self.responseBytes = responseBytes
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            do {
                try frames.process(buffer: unwrapInboundIn(data)) { _ in
                    var answer = context.channel.allocator.buffer(capacity: 4 + responseBytes)
                    answer.writeInteger(UInt32(responseBytes))
                    answer.writeRepeatingByte(7, count: responseBytes)
                    context.write(wrapOutboundOut(answer), promise: nil)
                }
            } catch {
                context.close(promise: nil)
            }
        }

        func channelReadComplete(context: ChannelHandlerContext) {
            context.flush()
        }
    }

    /// Sends a frame, times its answer, sends the next.
    final class Caller: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let frames = NIOSingleStepByteToMessageProcessor(FrameDecoder(maxFrameBytes: Int(UInt32.max)))
        private let requests: Int
        private let warmup: Int
        private let requestBytes: Int
        private let done: EventLoopPromise<Histogram<UInt64>>
        private var histogram = RunResult.makeHistogram()
        private var answered = 0
        private var finished = false
        private var sentAt: UInt64 = 0

        init(requests: Int, warmup: Int, requestBytes: Int, done: EventLoopPromise<Histogram<UInt64>>) {
            (self.requests, self.warmup, self.requestBytes, self.done) = (requests, warmup, requestBytes, done)
        }

        func channelActive(context: ChannelHandlerContext) {
            send(context: context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            do {
                try frames.process(buffer: unwrapInboundIn(data)) { _ in
                    let elapsed = DispatchTime.now().uptimeNanoseconds - sentAt
                    answered += 1
                    if answered > warmup { _ = histogram.record(max(1, min(elapsed, RunResult.highestTrackable))) }
                    if answered == warmup + requests {
                        finish(.success(histogram))
                    } else if !finished {
                        send(context: context)
                    }
                }
            } catch {
                finish(.failure(error))
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish(.failure(SkewlessError(.unavailable, "the responder closed the connection after \(answered) answers")))
        }

        private func finish(_ result: Result<Histogram<UInt64>, any Error>) {
            guard !finished else { return }
            finished = true
            done.completeWith(result)
        }

        private func send(context: ChannelHandlerContext) {
            var request = context.channel.allocator.buffer(capacity: 4 + requestBytes)
            request.writeInteger(UInt32(requestBytes))
            request.writeRepeatingByte(1, count: requestBytes)
            sentAt = DispatchTime.now().uptimeNanoseconds
            context.writeAndFlush(wrapOutboundOut(request), promise: nil)
        }
    }
}
