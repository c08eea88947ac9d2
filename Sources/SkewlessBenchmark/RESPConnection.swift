import NIOCore
import NIOPosix
import NIOSSL
import Skewless
import SkewlessModel
import SkewlessTLS

/// A pipelined RESP2 connection to a Redis server: many batches of commands in flight, each
/// answered in order.
package final class RESPConnection: Sendable {
    let channel: any Channel
    package let peer: String
    /// Runs tasks on the group's event loops, like `FeatureClient.taskExecutor`.
    package let taskExecutor: EventLoopTaskExecutor

    private init(channel: any Channel, peer: String, group: any EventLoopGroup) {
        self.channel = channel
        self.peer = peer
        self.taskExecutor = EventLoopTaskExecutor(group: group)
    }

    package var allocator: ByteBufferAllocator { channel.allocator }

    /// - Parameter tls: TLS to the server (Redis's `tls-port`); nil: plain TCP.
    package static func connect(
        host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, tls: NIOSSLContext? = nil
    ) async throws(SkewlessError) -> RESPConnection {
        let peer = "\(host):\(port)"
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(2))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(TLSContexts.clientHandler(context: tls, host: host, serverName: nil))
                        }
                        try channel.pipeline.syncOperations.addHandler(RESPPipelineHandler(peer: peer))
                    }
                }
                .connect(host: host, port: port)
                .get()
            return RESPConnection(channel: channel, peer: peer, group: group)
        } catch {
            throw SkewlessError(.unavailable, "cannot connect to redis at \(peer): \(error); is redis-server running there?")
        }
    }

    /// Sends `replyCount` commands encoded back to back in `commands` and waits for their replies.
    package func send(_ commands: ByteBuffer, replyCount: Int, timeout: Duration) async throws(SkewlessError) -> [RESPValue] {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let nanoseconds = Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let batch = RESPPipelineHandler.Batch(
            commands: commands, replyCount: replyCount, replies: promise, deadline: .now() + .nanoseconds(nanoseconds))
        let peer = self.peer
        channel.writeAndFlush(batch).whenFailure { error in
            promise.fail(SkewlessError(.unavailable, "could not send to redis at \(peer): \(error)"))
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.unavailable, "request to redis at \(peer) failed: \(error)")
        }
    }

    /// One command, one reply; a Redis error reply is thrown.
    package func command(_ arguments: [String], timeout: Duration = .seconds(10)) async throws(SkewlessError) -> RESPValue {
        var buffer = channel.allocator.buffer(capacity: 64)
        buffer.writeRESPValue(.command(arguments))
        let replies = try await send(buffer, replyCount: 1, timeout: timeout)
        guard let reply = replies.first else { throw SkewlessError(.internal, "redis at \(peer) sent no reply to \(arguments.first ?? "")") }
        if case .error(let message) = reply {
            throw SkewlessError(.failedPrecondition, "redis at \(peer) refused \(arguments.first ?? ""): \(message)")
        }
        return reply
    }

    package func close() async {
        try? await channel.close()
    }
}
