/// What a node says about itself.
public struct NodeHealth: Sendable, Hashable {
    public var nodeID: String
    /// False while the node drains for shutdown.
    public var isServing: Bool
    public var uptimeSeconds: UInt64
    public var entityRows: UInt64
    public var featureViews: Int
    public var openConnections: Int
    /// Each view version with rows materialized from the offline store since the node
    /// started, with its watermark.
    public var watermarks: [ViewWatermark] = []
    /// The materialization running on the node, if any.
    public var materializing: MaterializationProgress?
    /// Per view version of the repo: how fresh the node's rows are, and the view's write log.
    public var freshness: [ViewFreshness] = []
    /// What the node's anti-entropy loop compared and repaired since it started; nil from a
    /// node that does not report it.
    public var antiEntropy: AntiEntropyStatus?
    /// What the node's served-feature log recorded and dropped since it started; nil from a
    /// node without an offline store.
    public var servedLog: ServedLogStatus?
}

/// A node's served-feature log since it started (docs/served-log.md): what it recorded,
/// and the sampled reads it dropped rather than slow or fail them.
public struct ServedLogStatus: Sendable, Hashable {
    /// The node has an offline store and some service has a `log_sample_rate` above 0.
    public var enabled: Bool
    /// Reads (one record per read and node) and entity rows written to the log.
    public var recordsLogged: UInt64
    public var rowsLogged: UInt64
    public var bytesWritten: UInt64
    /// Sampled reads dropped because the queue was at its byte budget, or because the log
    /// could not be written (a full or failing disk).
    public var droppedQueueFull: UInt64
    public var droppedWriteFailed: UInt64
    /// Sampled reads waiting for the log's writer now, and their bytes.
    public var queuedRecords: UInt64
    public var queuedBytes: UInt64
    /// Bytes of the node's log files, and files deleted by retention.
    public var bytesOnDisk: UInt64
    public var filesDeleted: UInt64
}

/// A node's anti-entropy counters since it started (docs/cluster.md, "Replica repair and
/// anti-entropy").
public struct AntiEntropyStatus: Sendable, Hashable {
    /// The loop runs (a cluster node with an anti-entropy interval above 0).
    public var enabled: Bool
    /// (view, partition) pairs compared with every other replica.
    public var partitionsCompared: UInt64
    /// Of those, pairs whose replicas differed.
    public var partitionsDiffering: UInt64
    /// Pairs that could not be compared (a replica down, loading or refusing).
    public var partitionsUnverifiable: UInt64
    /// Rows given to a replica that lacked them or held older ones.
    public var rowsRepaired: UInt64
    /// Complete passes, and when the last one ended (µs since the epoch; nil: none yet).
    public var passes: UInt64
    public var lastFullPass: Int64?
}

/// How fresh one view version is on a node, and how much of its write log (every node's, in
/// the shared offline store) is not sealed into segments yet (docs/write-log.md).
public struct ViewFreshness: Sendable, Hashable {
    /// "name@version".
    public var featureView: String
    /// The newest event time among the rows the node stored since it started; nil: none.
    public var newestEventTime: Int64?
    /// The newest arrival (created) time among them: when the newest of them reached the
    /// offline store; nil: none.
    public var newestArrival: Int64?
    /// The view's unsealed write log records and bytes, and the acceptance time of the
    /// oldest of them (nil when everything is sealed).
    public var logUnsealedRecords: UInt64
    public var logUnsealedBytes: UInt64
    public var logOldestUnsealed: Int64?
    /// Rows this node logged as a write coordinator since it started.
    public var rowsLogged: UInt64
    /// The values of the view the node served since it started, by status: completeness.
    public var reads = ViewReads()
}

/// How many values of one view version a node has served since it started, by value status
/// (one count per served value: 3 entities x 4 fields add 12; values of a request that
/// failed are not counted). The base of completeness (docs/monitoring.md).
public struct ViewReads: Sendable, Hashable {
    public var present: UInt64 = 0
    public var notFound: UInt64 = 0
    public var nullValue: UInt64 = 0
    public var outsideTTL: UInt64 = 0
    public var defaulted: UInt64 = 0

    public init(present: UInt64 = 0, notFound: UInt64 = 0, nullValue: UInt64 = 0, outsideTTL: UInt64 = 0, defaulted: UInt64 = 0) {
        self.present = present
        self.notFound = notFound
        self.nullValue = nullValue
        self.outsideTTL = outsideTTL
        self.defaulted = defaulted
    }

    /// The count of values served with `status`.
    public subscript(status: ValueStatus) -> UInt64 {
        switch status.storage {
        case .present: return present
        case .notFound: return notFound
        case .nullValue: return nullValue
        case .outsideTTL: return outsideTTL
        case .defaulted: return defaulted
        }
    }

    /// Every value served.
    public var total: UInt64 {
        ValueStatus.allCases.reduce(0) { $0 &+ self[$1] }
    }

    /// Completeness: the share of served values that came from a stored row within the TTL
    /// (`present / total`); nil when nothing was served. Defaults, nulls, stale values served
    /// flagged and missing rows count against it (docs/monitoring.md), as in `fsctl check`.
    public var completeness: Double? {
        let total = self.total
        return total == 0 ? nil : Double(present) / Double(total)
    }

    /// The counts since `earlier` (a snapshot of the same node): the values served between the two.
    public func since(_ earlier: ViewReads) -> ViewReads {
        ViewReads(
            present: present &- earlier.present, notFound: notFound &- earlier.notFound, nullValue: nullValue &- earlier.nullValue,
            outsideTTL: outsideTTL &- earlier.outsideTTL, defaulted: defaulted &- earlier.defaulted)
    }
}

/// Where one view version's materialization from the offline store stands on a node.
public struct ViewWatermark: Sendable, Hashable {
    /// "name@version".
    public var featureView: String
    /// The newest creation time materializations of the view read (µs since the epoch), for
    /// people: incremental runs go by the store's order of arrival (docs/write-log.md). 0
    /// when the view has no rows yet.
    public var watermarkMicros: Int64
    /// Rows the last materialization of the view read from the segments.
    public var rowsScanned: UInt64
    /// Entity rows it wrote into the online store.
    public var entitiesWritten: UInt64
}

/// A materialization in progress on a node.
public struct MaterializationProgress: Sendable, Hashable {
    /// The view version being loaded, "name@version".
    public var featureView: String
    public var viewsDone: Int
    public var viewsTotal: Int
    /// Entity rows of this view written into the online store so far.
    public var entitiesWritten: UInt64
}
