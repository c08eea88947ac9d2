import Foundation
import Logging
import SkewlessCluster
import SkewlessModel
import Synchronization

/// The cluster map a node has installed, and its copy on disk at `path` (`ClusterMapFile`:
/// docs/cluster.md, "The map file"): read back at start, and replaced by a newer map only
/// after the epoch rules are checked and the file is written and synced, so the file always
/// holds the map in effect. Without a map the node is standalone.
///
/// Installations take turns (one is checked, persisted and in effect before the next is
/// checked); reading the map never waits for one's fsync.
package final class InstalledMap: Sendable {
    package let nodeID: String
    /// `nodeID` as a cluster node id; nil when it is not a valid one (then the node cannot
    /// join a cluster).
    let node: NodeID?
    /// Where the map is kept; nil: the node cannot join a cluster.
    package let path: String?
    private let logger: Logger
    /// The map in effect and its canonical JSON (empty while standalone).
    private let current = Mutex<(map: ClusterMap?, json: Data)>((nil, Data()))
    /// Held for a whole installation (check, file, memory), so epochs only grow and the
    /// file matches memory.
    private let installing = Mutex<Void>(())

    package init(nodeID: String, path: String?, logger: Logger) {
        self.nodeID = nodeID
        self.node = try? NodeID(nodeID)
        self.path = path
        self.logger = logger
    }

    /// The map in effect; nil while standalone.
    package var map: ClusterMap? {
        current.withLock { $0.map }
    }

    /// The map in effect and its JSON as the file holds it (empty while standalone).
    package var contents: (map: ClusterMap?, json: Data) {
        current.withLock { $0 }
    }

    /// Reads the map file, if the node has one and it exists, and puts its map in effect.
    /// Call once, before serving.
    /// - Returns: the map; nil when there is none (standalone until SET_CLUSTER_MAP).
    /// - Throws: `INVALID_ARGUMENT` for a node id that is not a valid cluster node id; the
    ///   errors of `ClusterMapFile.load` (`DATA_LOSS` for a corrupt file, naming it) except
    ///   `NOT_FOUND`.
    package func restore() throws(SkewlessError) -> ClusterMap? {
        guard let path else { return nil }
        let node = try validNodeID()
        let map: ClusterMap
        do {
            map = try ClusterMapFile.load(from: path)
        } catch where error.code == .notFound {
            logger.info("no cluster map yet: standalone until SET_CLUSTER_MAP", metadata: ["path": "\(path)"])
            return nil
        }
        let json = try ClusterMapFile.encode(map)
        if map.node(node) == nil {
            logger.warning("this node is not in its cluster map: it holds no partitions", metadata: ["epoch": "\(map.epoch)", "node_id": "\(nodeID)"])
        }
        logger.info("cluster map restored", metadata: ["epoch": "\(map.epoch)", "partitions_held": "\(map.partitionsHeld(by: node).count)"])
        installing.withLock { _ in
            current.withLock { $0 = (map, json) }
        }
        return map
    }

    /// Installs a map sent by an operator or the control plane: checked against the map in
    /// effect, persisted (file and directory synced), then in effect. Blocks on the fsyncs:
    /// never call it on an event loop.
    /// - Parameter apply: called with the new map once it is persisted and in effect, before
    ///   any other installation starts (so calls come in epoch order); not called when the
    ///   map is the one in effect (a retry).
    /// - Returns: the node's epoch afterwards.
    /// - Throws: `FAILED_PRECONDITION` when the node has no map file, for an epoch older than
    ///   the node's (naming both) or equal with other content, or another partition count;
    ///   `INVALID_ARGUMENT` for JSON that is not a consistent map; `INTERNAL` when the file
    ///   cannot be written (the node keeps its map).
    package func install(json: Data, apply: (ClusterMap) -> Void) throws(SkewlessError) -> UInt64 {
        guard let path else {
            throw SkewlessError(.failedPrecondition, "node \(nodeID) has no cluster map file: restart it with --cluster-map FILE (or cluster_map in its config file) so it can keep the map across restarts")
        }
        let node = try validNodeID()
        let map: ClusterMap
        do {
            map = try ClusterMapFile.decode(json, source: "the SET_CLUSTER_MAP request's map")
        } catch where error.code == .dataLoss {
            throw SkewlessError(.invalidArgument, error.message)
        }
        let canonical = try ClusterMapFile.encode(map)
        return try installing.withLock { (_) throws(SkewlessError) -> UInt64 in
            if let current = self.map {
                if map.epoch == current.epoch {
                    guard map == current else {
                        throw SkewlessError(.failedPrecondition, "node \(nodeID) already has a different cluster map at epoch \(current.epoch): two maps of one cluster never share an epoch; fetch the node's map (GET_CLUSTER_MAP) and plan from it")
                    }
                    return current.epoch
                }
                guard map.epoch > current.epoch else {
                    throw SkewlessError(.failedPrecondition, "the map's epoch \(map.epoch) is older than node \(nodeID)'s epoch \(current.epoch): fetch the node's map (GET_CLUSTER_MAP) and plan from it")
                }
                guard map.partitionCount == current.partitionCount else {
                    throw SkewlessError(.failedPrecondition, "the map has \(map.partitionCount) partitions but node \(nodeID)'s cluster has \(current.partitionCount): the partition count is fixed when a cluster is created; to create another cluster, stop the node and delete \(path)")
                }
            }
            try ClusterMapFile.save(map, to: path)
            if map.node(node) == nil {
                logger.warning("installed a cluster map without this node: it holds no partitions", metadata: ["epoch": "\(map.epoch)"])
            }
            logger.info("cluster map installed", metadata: ["epoch": "\(map.epoch)", "partitions_held": "\(map.partitionsHeld(by: node).count)"])
            current.withLock { $0 = (map, canonical) }
            apply(map)
            return map.epoch
        }
    }

    /// This node's id as a cluster node id.
    /// - Throws: `INVALID_ARGUMENT` describing what is wrong with it.
    func validNodeID() throws(SkewlessError) -> NodeID {
        guard let node else {
            _ = try NodeID(nodeID)  // throws the descriptive error
            throw SkewlessError(.invalidArgument, "node id '\(nodeID)' is not a valid cluster node id")
        }
        return node
    }
}
