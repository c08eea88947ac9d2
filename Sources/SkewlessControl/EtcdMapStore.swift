import Foundation
import SkewlessCluster
import SkewlessModel
import Synchronization

/// The etcd mode's map store: the map is the `map` key of the control store, and every new
/// epoch is written with a compare-and-swap on that key's revision, so that of two writers
/// starting from the same map exactly one wins. Nodes follow the key (`NodeAgent`, every
/// 250 ms) and refuse maps pushed to them, so the map in etcd is the only one.
package final class EtcdMapStore: ClusterMapStore {
    package let control: ControlStore
    /// The revision of the `map` key each epoch was read or written at.
    private let revisions = Mutex<[UInt64: Int64]>([:])

    package init(control: ControlStore) {
        self.control = control
    }

    package func load() async throws(SkewlessError) -> ClusterMap {
        guard let (map, revision) = try await control.loadMap() else {
            throw SkewlessError(.failedPrecondition, "etcd holds no cluster map for cluster '\(control.cluster)': create one with fsctl cluster init --etcd ENDPOINTS --nodes ADDR,ADDR,...")
        }
        revisions.withLock { $0[map.epoch] = revision }
        return map
    }

    package func publish(_ map: ClusterMap, replacing previous: ClusterMap) async throws(SkewlessError) -> [(node: ClusterNode, error: SkewlessError)] {
        guard let expected = revisions.withLock({ $0[previous.epoch] }) else {
            throw SkewlessError(.internal, "epoch \(previous.epoch) was not read from etcd by this store: load the map first")
        }
        guard let revision = try await control.swapMap(map, expectedRevision: expected) else {
            let now = try? await control.loadMap()
            throw SkewlessError(.aborted, "another coordinator changed the cluster map first (epoch \(now.map { String($0.map.epoch) } ?? "?") in etcd, this one started from \(previous.epoch)): load it again and decide again")
        }
        revisions.withLock {
            $0 = $0.filter { $0.key >= previous.epoch }
            $0[map.epoch] = revision
        }
        return []
    }
}
