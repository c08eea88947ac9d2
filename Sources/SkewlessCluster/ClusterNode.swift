/// One node of the cluster map.
package struct ClusterNode: Sendable, Hashable, Codable {
    package var id: NodeID
    package var address: NodeAddress
    package var state: NodeState

    package init(id: NodeID, address: NodeAddress, state: NodeState = .up) {
        self.id = id
        self.address = address
        self.state = state
    }
}
