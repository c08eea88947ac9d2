import NIOCore
import SkewlessModel

/// Pairs pipelined RESP commands with their replies on one connection. A request is a batch
/// of commands written at once; Redis answers commands in order, so the next `replyCount`
/// replies belong to the oldest pending batch. A batch whose deadline passes is failed at
/// once; its replies, when they come, are read and dropped.
///
/// It splits the bytes read into replies itself, with NIO's inlinable
/// `NIOSingleStepByteToMessageProcessor`, as the Skewless client's `ResponseDispatcher`
/// does with its frames: the two benchmark targets pay the same for framing.
final class RESPPipelineHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = Batch
    typealias OutboundOut = ByteBuffer

    /// Commands encoded back to back, how many there are, and where their replies go.
    struct Batch: Sendable {
        var commands: ByteBuffer
        var replyCount: Int
        var replies: EventLoopPromise<[RESPValue]>
        var deadline: NIODeadline
    }

    private struct Pending {
        var replyCount: Int
        var replies: [RESPValue]
        var promise: EventLoopPromise<[RESPValue]>
        var timeout: Scheduled<Void>?
        var timedOut: Bool
    }

    private var pending = CircularBuffer<Pending>()
    /// Whether a flush of the batches written in this turn of the loop is queued.
    private var flushQueued = false
    /// Identifies the batch a timeout belongs to (batches complete in order).
    private var sequenceOfFirst = 0
    private let peer: String
    private let replies = NIOSingleStepByteToMessageProcessor(RESPDecoder())

    init(peer: String) {
        self.peer = peer
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let batch = unwrapOutboundIn(data)
        guard batch.replyCount > 0 else {
            batch.replies.succeed([])
            promise?.succeed()
            return
        }
        let sequence = sequenceOfFirst + pending.count
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(deadline: batch.deadline) { [self] in
            let index = sequence - sequenceOfFirst
            guard index >= 0, index < pending.count, !pending[offset: index].timedOut else { return }
            pending[offset: index].timedOut = true
            pending[offset: index].promise.fail(SkewlessError(.deadlineExceeded, "no reply from redis at \(peer) within the deadline"))
        }
        var entry = Pending(replyCount: batch.replyCount, replies: [], promise: batch.replies, timeout: timeout, timedOut: false)
        entry.replies.reserveCapacity(batch.replyCount)
        pending.append(entry)
        context.write(wrapOutboundOut(batch.commands), promise: promise)
    }

    /// Batches written in one turn of the event loop leave in one flush, as the Skewless
    /// client's requests do (`ResponseDispatcher`): the two targets' clients pay the same for
    /// system calls.
    func flush(context: ChannelHandlerContext) {
        guard !flushQueued else { return }
        flushQueued = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushQueued = false
            context.flush()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try replies.process(buffer: unwrapInboundIn(data)) { reply in
                receive(reply, context: context)
            }
        } catch {
            errorCaught(context: context, error: error)
        }
    }

    private func receive(_ reply: RESPValue, context: ChannelHandlerContext) {
        guard !pending.isEmpty else {
            failAll(SkewlessError(.internal, "redis at \(peer) sent a reply nobody asked for; closing the connection"))
            context.close(promise: nil)
            return
        }
        let first = pending.startIndex
        if !pending[first].timedOut {
            pending[first].replies.append(reply)
        }
        pending[first].replyCount -= 1
        if pending[first].replyCount == 0 {
            let done = pending.removeFirst()
            sequenceOfFirst += 1
            done.timeout?.cancel()
            if !done.timedOut { done.promise.succeed(done.replies) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(SkewlessError(.unavailable, "the connection to redis at \(peer) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll((error as? SkewlessError) ?? SkewlessError(.unavailable, "connection to redis at \(peer) failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: SkewlessError) {
        let entries = pending
        pending.removeAll()
        sequenceOfFirst += entries.count
        for entry in entries {
            entry.timeout?.cancel()
            if !entry.timedOut { entry.promise.fail(error) }
        }
    }
}
