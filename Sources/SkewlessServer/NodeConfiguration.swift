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
    /// Requests in a row refused as invalid (`INVALID_ARGUMENT` or `UNIMPLEMENTED`, frames that
    /// are not a RequestFrame included) before the node closes the connection, after
    /// answering the last of them: a client that only sends what cannot succeed is broken or
    /// hostile. Any other answer starts the count again (docs/protocol.md, the error budget).
    package var maxInvalidRequestsPerConnection = 100
    /// How long one connection may keep its event loop busy with requests in one turn (at
    /// least one request) before the loop serves its other connections; what the connection
    /// sent beyond waits for its next turn (docs/protocol.md, fair turns).
    package var turnBudgetMicroseconds: Int64 = 200
    /// After this many invalid answers in a row, each next request of the connection waits
    /// (1 ms, doubling up to 50 ms) with its reading held; 0: never (docs/protocol.md, the
    /// error budget).
    package var slowDownAfterInvalidRequests = 4
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
    /// Load every view from the offline store (segments and write logs) when the node
    /// starts, answering reads `UNAVAILABLE` until it is done: a restarted node serves what
    /// was acknowledged before it went down. A cluster node loads its partitions anyway.
    package var loadOnStart = true
    /// How long a write's coordinator waits for another replica to apply a logged batch
    /// before it acknowledges without it (naming it in `replicas_missed`).
    package var replicaTimeoutMilliseconds: Int64 = 1_000
    /// How long idempotency keys are remembered: a batch retried within it is stored once.
    package var deduplicationWindowSeconds: Int64 = 600
    /// The write log's sealer seals each view at least this often (seconds) ...
    package var sealIntervalSeconds: Double = 5
    /// ... and sooner once this node has logged this many bytes of the view since.
    package var sealAfterBytes: UInt64 = 64 << 20
    /// Writes are refused (`UNAVAILABLE`, retry shortly) while a view's logs hold more than
    /// this many bytes not yet sealed into segments: back-pressure that keeps the backlog,
    /// and with it the memory of readers and sealers, bounded.
    package var maximumUnsealedBytes: UInt64 = 2 << 30
    /// How often the node applies what other nodes logged (for partitions it holds), so a
    /// replica that missed a write catches up by itself (`LogFollower`).
    package var followIntervalSeconds: Double = 1
    /// A cluster node compares the partitions it is the first replica of with their other
    /// replicas, and repairs differences, in a pass this often (seconds); 0: never (`AntiEntropy`).
    package var antiEntropyIntervalSeconds: Double = 60
    /// ... comparing at most this many partitions a second.
    package var antiEntropyPartitionsPerSecond: Double = 8
    /// TLS, authentication and rate limits (docs/operations.md, "Security"); by default none.
    package var security = NodeSecurity()

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
