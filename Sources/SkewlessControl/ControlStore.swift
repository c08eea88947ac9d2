import Foundation
import SkewlessCluster
import SkewlessModel

/// The control plane's state in etcd: the cluster map, the live nodes and the elected
/// controller of one cluster, under `/skewless/<cluster>/` (docs/cluster.md, "The control
/// plane in etcd", has the layout byte by byte).
///
/// ```
/// /skewless/<cluster>/map                  the cluster map: exactly ClusterMapFile.encode's
///                                          JSON; created only if absent, then each new epoch
///                                          written by compare-and-swap on the key's mod
///                                          revision (no lease)
/// /skewless/<cluster>/nodes/<node-id>      a live node's registration, NodeRegistration's
///                                          JSON {"address", "started_micros", "version"},
///                                          attached to the node's lease
/// /skewless/<cluster>/controller           the elected controller's id (UTF-8), attached to
///                                          its lease; created only if absent
/// /skewless/<cluster>/controller-status    the controller's latest status (bytes this store
///                                          does not interpret), attached to its lease
/// ```
///
/// A value; every call is one or two etcd requests, so any number of processes can use the
/// store at once and etcd decides every race.
package struct ControlStore: Sendable {
    package let client: EtcdClient
    /// The cluster's name: the second path element of every key.
    package let cluster: String

    /// - Parameter cluster: 1 to 64 characters from `A-Z a-z 0-9 . _ -` (check user input
    ///   with `checkClusterName` first; a malformed name stops the process).
    package init(client: EtcdClient, cluster: String = "default") {
        precondition((try? Self.checkClusterName(cluster)) != nil, "cluster name '\(cluster)' is not valid; check it with ControlStore.checkClusterName first")
        self.client = client
        self.cluster = cluster
    }

    /// - Throws: `INVALID_ARGUMENT` for a name that is not 1 to 64 characters from
    ///   `A-Z a-z 0-9 . _ -` (the rule of node ids, so it is safe in keys and paths).
    package static func checkClusterName(_ name: String) throws(SkewlessError) {
        do {
            _ = try NodeID(name)
        } catch {
            throw SkewlessError(.invalidArgument, "cluster name '\(name)' is not valid: use 1 to \(NodeID.maximumLength) characters from A-Z a-z 0-9 . _ - (for example default)")
        }
    }

    // MARK: Keys

    /// `/skewless/<cluster>/`: every key of this cluster starts with it.
    package var prefix: String { "/skewless/\(cluster)/" }
    /// The cluster map's key.
    package var mapKey: String { prefix + "map" }
    /// The prefix of every node registration's key.
    package var nodesPrefix: String { prefix + "nodes/" }
    /// `node`'s registration key.
    package func nodeKey(_ node: NodeID) -> String { nodesPrefix + node.rawValue }
    /// The elected controller's key.
    package var controllerKey: String { prefix + "controller" }
    /// The controller's status key.
    package var statusKey: String { prefix + "controller-status" }

    // MARK: The cluster map

    /// The stored map and the key's mod revision (pass it back to `swapMap`), or nil when no cluster exists yet.
    /// - Throws: `DATA_LOSS` when the stored bytes are not a consistent map (naming the key);
    ///   `FAILED_PRECONDITION` for a map of a newer format.
    package func loadMap() async throws(SkewlessError) -> (map: ClusterMap, revision: Int64)? {
        guard let stored = try await client.get(mapKey) else { return nil }
        return (try decodeMap(stored), stored.modRevision)
    }

    /// Stores `map` as the first map. - Returns: false when a map already exists.
    package func createMap(_ map: ClusterMap) async throws(SkewlessError) -> Bool {
        let bytes = try ClusterMapFile.encode(map)
        return try await client.compareAndSwap(mapKey, expectedModRevision: 0, value: Array(bytes)) != nil
    }

    /// Writes `map` only if the stored map is still at `expectedRevision` AND its epoch is below `map.epoch` (two coordinators can never both win).
    ///
    /// The stored map is read first (its epoch checked), then written with a compare-and-swap
    /// on the mod revision read, so the epoch checked is the epoch of the map replaced.
    /// - Returns: the new revision, or nil when another writer changed the map first (reload and decide again).
    /// - Throws: `FAILED_PRECONDITION` when `map.epoch` is not above the stored map's epoch
    ///   (the caller built it from an old map, or forgot to change it); `DATA_LOSS` when the
    ///   stored map is not readable.
    package func swapMap(_ map: ClusterMap, expectedRevision: Int64) async throws(SkewlessError) -> Int64? {
        let stored = try await client.get(mapKey)
        guard (stored?.modRevision ?? 0) == expectedRevision else { return nil }
        if let stored {
            let storedEpoch = try decodeMap(stored).epoch
            guard map.epoch > storedEpoch else {
                throw SkewlessError(.failedPrecondition, "the cluster map in etcd (\(mapKey)) is at epoch \(storedEpoch); a new map must have a higher epoch than that, not \(map.epoch): apply the change to the map loadMap returned")
            }
        }
        let bytes = try ClusterMapFile.encode(map)
        return try await client.compareAndSwap(mapKey, expectedModRevision: expectedRevision, value: Array(bytes))
    }

    private func decodeMap(_ stored: EtcdKeyValue) throws(SkewlessError) -> ClusterMap {
        try ClusterMapFile.decode(Data(stored.value), source: "the cluster map in etcd (key \(stored.key), revision \(stored.modRevision))")
    }

    // MARK: Nodes

    /// When this process first used a control store (close to when it started): the default
    /// `started_micros` of a registration, so that re-registering after a lost lease keeps it.
    package static let processStartMicros = WallClock.nowMicros()

    /// Publishes `node` as live at `address`, for as long as `lease` lives. Registering again
    /// replaces the registration (with a new lease after the old one was lost, say).
    /// - Parameters:
    ///   - startedMicros: when the node's process started (µs since the Unix epoch).
    ///   - version: the node's software version.
    /// - Throws: `NOT_FOUND` when the lease has expired.
    package func register(
        _ node: NodeID, address: NodeAddress, lease: Int64,
        startedMicros: Int64 = ControlStore.processStartMicros, version: String = "unknown"
    ) async throws(SkewlessError) {
        let registration = NodeRegistration(address: address.description, startedMicros: startedMicros, version: version)
        let bytes: Data
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            bytes = try encoder.encode(registration)
        } catch {
            throw SkewlessError(.internal, "could not encode the registration of \(node): \(error)")
        }
        try await client.put(nodeKey(node), Array(bytes), lease: lease)
    }

    /// Removes `node`'s registration now (rather than when its lease expires).
    package func deregister(_ node: NodeID) async throws(SkewlessError) {
        try await client.delete(nodeKey(node))
    }

    /// Nodes whose registration (lease) is alive now.
    /// - Throws: `DATA_LOSS` naming a key under `nodes/` that is not a registration.
    package func liveNodes() async throws(SkewlessError) -> [NodeID: NodeRegistration] {
        var nodes: [NodeID: NodeRegistration] = [:]
        for stored in try await client.list(prefix: nodesPrefix) {
            let name = String(stored.key.dropFirst(nodesPrefix.count))
            let node: NodeID
            let registration: NodeRegistration
            do {
                node = try NodeID(name)
                registration = try JSONDecoder().decode(NodeRegistration.self, from: Data(stored.value))
            } catch {
                throw SkewlessError(.dataLoss, "etcd key \(stored.key) is not a node registration (\(error)): remove it (etcdctl del \(stored.key)); the node registers again with its next lease")
            }
            nodes[node] = registration
        }
        return nodes
    }

    // MARK: The controller

    /// Becomes the controller if no one is (txn: the key's create_revision == 0, then put with `lease`). - Returns: true when `candidate` holds it now (including when it already did with this lease).
    ///
    /// A candidate that holds the key with another lease (its previous one, still alive)
    /// moves the key to `lease` and stays controller.
    /// - Throws: `NOT_FOUND` when `lease` has expired.
    package func campaign(_ candidate: String, lease: Int64) async throws(SkewlessError) -> Bool {
        let id = Array(candidate.utf8)
        // A key that does not exist has mod revision 0 as well as create revision 0.
        if try await client.compareAndSwap(controllerKey, expectedModRevision: 0, value: id, lease: lease) != nil {
            return true
        }
        guard let holder = try await client.get(controllerKey) else {
            // The holder's lease ended between the two requests: try once more.
            return try await client.compareAndSwap(controllerKey, expectedModRevision: 0, value: id, lease: lease) != nil
        }
        guard holder.value == id else { return false }
        if holder.lease == lease { return true }
        return try await client.compareAndSwap(controllerKey, expectedModRevision: holder.modRevision, value: id, lease: lease) != nil
    }

    /// The current controller's id, if any.
    package func controller() async throws(SkewlessError) -> String? {
        guard let holder = try await client.get(controllerKey) else { return nil }
        return String(decoding: holder.value, as: UTF8.self)
    }

    /// Gives up the controller key if `candidate` holds it.
    package func resign(_ candidate: String) async throws(SkewlessError) {
        _ = try await client.delete(controllerKey, ifValue: Array(candidate.utf8))
    }

    /// Publishes the controller's latest status, for as long as `lease` lives.
    package func publishStatus(_ status: [UInt8], lease: Int64) async throws(SkewlessError) {
        try await client.put(statusKey, status, lease: lease)
    }

    /// The controller's latest status, or nil when no controller published one (or its lease ended).
    package func status() async throws(SkewlessError) -> [UInt8]? {
        try await client.get(statusKey)?.value
    }
}
