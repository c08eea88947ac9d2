/// What a node says about itself.
public struct NodeHealth: Sendable, Hashable {
    public var nodeID: String
    /// False while the node drains for shutdown.
    public var isServing: Bool
    public var uptimeSeconds: UInt64
    public var entityRows: UInt64
    public var featureViews: Int
    public var openConnections: Int
    /// Each view version materialized from the offline store since the node started, with
    /// its watermark; empty for a node that only received direct writes.
    public var watermarks: [ViewWatermark] = []
    /// The materialization running on the node, if any.
    public var materializing: MaterializationProgress?
}

/// Where one view version's materialization from the offline store stands on a node.
public struct ViewWatermark: Sendable, Hashable {
    /// "name@version".
    public var featureView: String
    /// The newest creation time the view's last materialization read (µs since the epoch):
    /// the next incremental one loads entities with rows created after it. 0 when the view
    /// has no rows yet.
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
