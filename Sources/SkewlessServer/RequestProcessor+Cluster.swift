import SkewlessModel
import SkewlessWire

extension RequestProcessor {
    /// GET_CLUSTER_MAP: the node's map as JSON, its epoch, its id, the partitions it has
    /// loaded and the partitions moving to it that it has caught up on. A standalone node answers an empty map and epoch 0.
    func getClusterMap() -> Skewless_V1_GetClusterMapResponse {
        var response = Skewless_V1_GetClusterMapResponse()
        response.nodeID = configuration.nodeID
        guard let membership else { return response }
        let status = membership.status
        response.mapJson = status.mapJSON
        response.epoch = status.epoch
        response.loadedPartitions = status.loadedPartitions.map { UInt32(truncatingIfNeeded: $0) }
        response.caughtUpPartitions = status.caughtUpPartitions.map { UInt32(truncatingIfNeeded: $0) }
        return response
    }

    /// SET_CLUSTER_MAP: installs a newer map (see `ClusterMembership.install(json:)`); refused
    /// by a node that follows the map in etcd.
    func setClusterMap(_ request: Skewless_V1_SetClusterMapRequest) throws(SkewlessError) -> Skewless_V1_SetClusterMapResponse {
        guard let membership else {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) cannot join a cluster: it was started without a cluster membership")
        }
        if let controlPlane = membership.controlPlane {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) follows the cluster map in etcd (\(controlPlane)): change the map there, with fsctl's --etcd \(controlPlane), and every node follows it")
        }
        var response = Skewless_V1_SetClusterMapResponse()
        response.epoch = try membership.install(json: request.mapJson)
        return response
    }
}
