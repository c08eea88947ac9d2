import Foundation
import SkewlessWire

// What fsctl needs to run a cluster: the map a node holds and installing a new one. These
// talk to the node at `configuration.endpoint` only, never through the router.

/// A node's view of the cluster: its map and what it has loaded (GET_CLUSTER_MAP).
package struct NodeClusterState: Sendable {
    /// The map as JSON (docs/cluster.md, section 8); empty when the node is not in a cluster.
    package var mapJSON: Data
    package var epoch: UInt64
    package var nodeID: String
    /// Partitions whose rows the node has loaded and serves, ascending.
    package var loadedPartitions: [Int]
    /// Partitions moving to the node, in `catching_up`, whose rows it has copied from a
    /// current replica, ascending.
    package var caughtUpPartitions: [Int] = []
}

extension FeatureClient {
    /// The node's cluster map and loaded partitions.
    package func clusterState(timeout: Duration? = nil) async throws(SkewlessError) -> NodeClusterState {
        let response: Skewless_V1_GetClusterMapResponse = try await call(.getClusterMap, Skewless_V1_GetClusterMapRequest(), deadline: deadline(timeout))
        return NodeClusterState(
            mapJSON: response.mapJson, epoch: response.epoch, nodeID: response.nodeID,
            loadedPartitions: response.loadedPartitions.map(Int.init).sorted(),
            caughtUpPartitions: response.caughtUpPartitions.map(Int.init).sorted())
    }

    /// Installs a cluster map (JSON) on the node; it keeps its own if that is newer.
    /// - Returns: the epoch the node has now.
    @discardableResult
    package func installClusterMap(_ mapJSON: Data, timeout: Duration? = nil) async throws(SkewlessError) -> UInt64 {
        var request = Skewless_V1_SetClusterMapRequest()
        request.mapJson = mapJSON
        let response: Skewless_V1_SetClusterMapResponse = try await call(.setClusterMap, request, deadline: deadline(timeout))
        return response.epoch
    }

    /// The epoch of the map this client routes by; nil while it talks to one node.
    package var routingEpoch: UInt64? {
        router.topology?.epoch
    }
}
