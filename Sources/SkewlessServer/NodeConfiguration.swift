import SkewlessWire

/// Everything a node needs to start, with production defaults.
package struct NodeConfiguration: Sendable {
    package var host: String
    /// 0 picks a free port; `NodeServer` reports the bound one.
    package var port: Int
    package var nodeID: String
    /// Where the node keeps its cluster map (docs/cluster.md); nil: standalone only.
    package var clusterMapPath: String? = nil
    /// Largest frame body accepted, in bytes; checked before the body is read.
    package var maxFrameBytes: Int
    /// Connections beyond this are told `RESOURCE_EXHAUSTED` and closed.
    package var maxConnections: Int
    /// Responses not yet written to the socket before the node stops reading from that connection.
    package var maxInFlightPerConnection: Int
    /// Entity rows per GetOnlineFeatures or WriteFeatures request.
    package var maxEntitiesPerRequest: Int
    /// A connection that sends nothing for this long is closed (slow or stuck clients).
    package var idleTimeoutSeconds: Int64
    /// How long a graceful shutdown waits for connections to drain before closing them.
    package var drainTimeoutSeconds: Int64
    package var eventLoopThreads: Int
    /// The offline segment store the node materializes from (docs/segment-format.md); nil
    /// when the node has none, and MATERIALIZE is refused.
    package var segmentsDirectory: String?

    package static var defaults: NodeConfiguration {
        NodeConfiguration(
            host: "127.0.0.1",
            port: 7421,
            nodeID: "node-1",
            maxFrameBytes: ProtocolVersion.defaultMaxFrameBytes,
            maxConnections: 4096,
            maxInFlightPerConnection: 256,
            maxEntitiesPerRequest: 10_000,
            idleTimeoutSeconds: 300,
            drainTimeoutSeconds: 10,
            eventLoopThreads: System.coreCount,
            segmentsDirectory: nil
        )
    }

    package static func defaults(configure: (inout NodeConfiguration) -> Void) -> NodeConfiguration {
        var configuration = defaults
        configure(&configuration)
        return configuration
    }
}

import NIOCore
