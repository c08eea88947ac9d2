import NIOCore
import NIOPosix
import Skewless
import SkewlessModel
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a hostile client does to a node, for the flood benchmark (bench/flood.sh): `flooders`
/// connections that handshake, then send malformed frames (bodies that are not a
/// RequestFrame, each earning an error) as fast as the socket takes them, reading and
/// dropping the answers, and reconnecting at once when the node closes them; and `churners`
/// connections that open and close in a loop. All on an event loop group of their own, so
/// that the flood takes the CPU it can get from one thread and no more.
package final class HostileLoad: Sendable {
    package struct Options: Sendable {
        package var host: String
        package var port: Int
        package var flooders = 50
        package var churners = 10
        /// Threads of the load's own event loop group.
        package var threads = 1
        /// Malformed frames per write.
        package var framesPerWrite = 512
        /// The nice value the load's threads set for themselves (Linux: a thread's own), so
        /// that a benchmark running the measured processes at a higher priority (a lower nice
        /// value) can keep the attacker at an ordinary one, as if it ran on another machine;
        /// nil: the process's.
        package var nice: Int32?

        package init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    package struct Counts: Sendable, Hashable {
        /// Malformed frames written.
        package var frames: UInt64
        /// Connections opened (flooders' and churners').
        package var connections: UInt64
        /// Answers read (bytes), dropped.
        package var answerBytes: UInt64
        /// Connections that could not be opened.
        package var failedConnects: UInt64
    }

    let options: Options
    private let group: MultiThreadedEventLoopGroup
    private let stopped = Atomic<Bool>(false)
    let frames = Atomic<UInt64>(0)
    let connections = Atomic<UInt64>(0)
    let answerBytes = Atomic<UInt64>(0)
    let failedConnects = Atomic<UInt64>(0)

    package init(_ options: Options) {
        self.options = options
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        if let nice = options.nice {
            for loop in group.makeIterator() {
                // On Linux the nice value is per thread, and `who` 0 is the calling thread.
                #if os(Linux)
                loop.execute { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
                #else
                loop.execute { _ = setpriority(PRIO_PROCESS, 0, nice) }
                #endif
            }
        }
    }

    package var counts: Counts {
        Counts(
            frames: frames.load(ordering: .relaxed), connections: connections.load(ordering: .relaxed),
            answerBytes: answerBytes.load(ordering: .relaxed), failedConnects: failedConnects.load(ordering: .relaxed))
    }

    /// Starts every connection; each keeps going (reconnecting) until `stop`.
    package func start() {
        for _ in 0..<options.flooders { open(flooding: true) }
        for _ in 0..<options.churners { open(flooding: false) }
    }

    /// Stops reconnecting, closes what is open and shuts the load's threads down.
    package func stop() async {
        stopped.store(true, ordering: .relaxed)
        try? await Task.sleep(for: .milliseconds(200))
        try? await group.shutdownGracefully()
    }

    /// The malformed frames of one write: each a 3-byte body (`ff ff ff`) that is no protobuf
    /// message, so the node answers each INVALID_ARGUMENT.
    static func garbage(frames: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        for _ in 0..<frames {
            buffer.writeBytes([0, 0, 0, 3, 0xFF, 0xFF, 0xFF])
        }
        return buffer
    }

    /// A HANDSHAKE frame: request id 1, method 1, a HandshakeRequest with protocol_version 1
    /// (docs/protocol.md, section 3).
    static let handshake = ByteBuffer(bytes: [0, 0, 0, 8, 0x08, 0x01, 0x10, 0x01, 0x22, 0x02, 0x08, 0x01])

    private func open(flooding: Bool) {
        guard !stopped.load(ordering: .relaxed) else { return }
        let garbage = Self.garbage(frames: options.framesPerWrite)
        let framesPerWrite = UInt64(options.framesPerWrite)
        ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        flooding ? FloodHandler(load: self, garbage: garbage, framesPerWrite: framesPerWrite) as any ChannelHandler : ChurnHandler())
                }
            }
            .connect(host: options.host, port: options.port)
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    connections.add(1, ordering: .relaxed)
                    channel.closeFuture.whenComplete { [self] _ in open(flooding: flooding) }
                case .failure:
                    failedConnects.add(1, ordering: .relaxed)
                    // The node may be at its connection limit or its backlog full: try again soon.
                    group.next().scheduleTask(in: .milliseconds(5)) { [self] in open(flooding: flooding) }
                }
            }
    }

    var isStopped: Bool { stopped.load(ordering: .relaxed) }
}

/// Handshakes, then writes malformed frames while the connection lasts, dropping what comes back.
private final class FloodHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let load: HostileLoad
    private let garbage: ByteBuffer
    private let framesPerWrite: UInt64

    init(load: HostileLoad, garbage: ByteBuffer, framesPerWrite: UInt64) {
        self.load = load
        self.garbage = garbage
        self.framesPerWrite = framesPerWrite
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(HostileLoad.handshake), promise: nil)
        pump(context: context)
    }

    /// Writes a batch of frames; the next when the socket has taken it.
    private func pump(context: ChannelHandlerContext) {
        guard context.channel.isActive, !load.isStopped else {
            context.close(promise: nil)
            return
        }
        load.frames.add(framesPerWrite, ordering: .relaxed)
        context.writeAndFlush(wrapOutboundOut(garbage)).assumeIsolated().whenComplete { [self] result in
            if case .success = result { self.pump(context: context) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        load.answerBytes.add(UInt64(unwrapInboundIn(data).readableBytes), ordering: .relaxed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Closes the connection as soon as it is open.
private final class ChurnHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
