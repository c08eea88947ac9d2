import NIOCore

/// Sits on a node's listening channel and paces its reads (its `accept(2)` calls) by
/// `AcceptPacing`: each read may accept no more connections than the bucket holds (the
/// channel's `maxMessagesPerRead`, set before each read), and an empty bucket holds the next
/// read until it refills; the connections beyond wait in the kernel's accept queue.
final class AcceptPacingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel
    typealias OutboundIn = Channel
    typealias OutboundOut = Channel

    private var pacing: AcceptPacing
    private var delayedRead: Scheduled<Void>?
    /// The listening channel's `maxMessagesPerRead` as this handler last set it.
    private var acceptsPerRead: Int
    /// Accepts per read when the bucket allows (NodeServer sets the channel's option to it).
    static let acceptsPerRead = 16
    private let onDelay: @Sendable () -> Void

    /// `onDelay` runs each time a read is held (for the node's metrics).
    init(perSecond: Int, burst: Int, onDelay: @escaping @Sendable () -> Void = {}) {
        pacing = AcceptPacing(perSecond: perSecond, burst: burst, now: Self.now())
        acceptsPerRead = Self.acceptsPerRead
        self.onDelay = onDelay
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pacing.accepted(now: Self.now())
        context.fireChannelRead(data)
    }

    func read(context: ChannelHandlerContext) {
        // A read already held will be issued when its time comes.
        guard delayedRead == nil else { return }
        switch pacing.nextRead(now: Self.now(), most: Self.acceptsPerRead) {
        case .now(let upTo):
            // The read accepts no more than the bucket holds.
            if upTo != acceptsPerRead {
                acceptsPerRead = upTo
                try? context.channel.syncOptions?.setOption(.maxMessagesPerRead, value: UInt(upTo))
            }
            context.read()
        case .after(let nanoseconds):
            onDelay()
            delayedRead = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                delayedRead = nil
                read(context: context)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        delayedRead?.cancel()
        delayedRead = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        delayedRead?.cancel()
        delayedRead = nil
    }

    private static func now() -> Int64 {
        Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds)
    }
}
