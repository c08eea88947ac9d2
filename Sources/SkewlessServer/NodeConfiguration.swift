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
    /// New connections the node accepts a second, in bursts of up to
    /// `newConnectionsBurst`; those beyond wait in the kernel's accept queue
    /// (`AcceptPacing`). 0: no limit.
    package var maxNewConnectionsPerSecond = 1_000
    package var newConnectionsBurst = 1_000
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
    /// (1 ms, doubling up to 250 ms) with its reading held; 0: never (docs/protocol.md, the
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
    /// What the GET_HISTORICAL_FEATURES queries on the node may hold together (label rows,
    /// joins and answers waiting to be paged), as estimated before they hold it: a query that
    /// would pass it is refused `RESOURCE_EXHAUSTED` (docs/protocol.md section 18).
    package var historicalMemoryBytes = 1 << 30
    /// A cluster node compares the partitions it is the first replica of with their other
    /// replicas, and repairs differences, in a pass this often (seconds); 0: never (`AntiEntropy`).
    package var antiEntropyIntervalSeconds: Double = 60
    /// ... comparing at most this many partitions a second.
    package var antiEntropyPartitionsPerSecond: Double = 8
    /// TLS, authentication and rate limits (docs/operations.md, "Security"); by default none.
    package var security = NodeSecurity()
    /// The port of the node's Prometheus metrics (`GET /metrics` over HTTP, on `host`:
    /// docs/monitoring.md); 0 picks a free one (`NodeServer.metricsAddress` tells which);
    /// nil: no metrics listener, and no metrics kept.
    package var metricsPort: Int? = nil
    /// The served-feature log (docs/served-log.md), for services with a `log_sample_rate`:
    /// the most bytes of sampled reads queued for its writer (more are dropped, counted) ...
    package var servedLogQueueBytes = 64 << 20
    /// ... how often the writer writes and syncs what is queued (seconds) ...
    package var servedLogFlushSeconds = 0.2
    /// ... and how much of it the node keeps on disk: at most this many bytes ...
    package var servedLogRetainedBytes: UInt64 = 1 << 30
    /// ... and nothing last written longer ago than this (seconds).
    package var servedLogRetainedSeconds: Double = 7 * 86_400
    /// A served log file is closed and a new one started at this size.
    package var servedLogFileBytes: UInt64 = 16 << 20

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
