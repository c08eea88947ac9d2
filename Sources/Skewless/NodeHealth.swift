/// What a node says about itself.
public struct NodeHealth: Sendable, Hashable {
    public var nodeID: String
    /// False while the node drains for shutdown.
    public var isServing: Bool
    public var uptimeSeconds: UInt64
    public var entityRows: UInt64
    public var featureViews: Int
    public var openConnections: Int
}
