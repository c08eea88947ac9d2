import NIOCore
import NIOHTTP1
import NIOPosix

/// The node's metrics listener: HTTP/1.1 on a port of its own, on the node's event loops,
/// answering `GET /metrics` (`MetricsHTTPHandler`). Bound by the node before it serves,
/// closed (with its connections) when the node has stopped.
final class MetricsServer: Sendable {
    private let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// The bound address (its port, when configured as 0).
    var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `host:port` on `group`.
    /// - Parameter render: the exposition, called on NIO's thread pool for each scrape.
    static func bind(host: String, port: Int, group: any EventLoopGroup, render: @escaping @Sendable () -> [UInt8]) async throws -> MetricsServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(render: render))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        return MetricsServer(channel: try await bootstrap.bind(host: host, port: port).get())
    }

    /// Closes the listener; the event loops' shutdown closes the connections still open.
    func close() async {
        try? await channel.close()
    }
}
