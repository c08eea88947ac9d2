import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessOfflineStore
import SkewlessServer
import SkewlessWire
import Testing

/// Helpers for tests of a node in a cluster: maps, the cluster methods over a raw connection,
/// keys of chosen partitions, and segment files to load from.
enum ClusterNodeFixture {
    /// An hour in microseconds, the unit of event times.
    static let hour: Int64 = 3_600_000_000

    static let countFeature = "user_transactions:txn_count_1h"

    /// A cluster of nodes with these ids (addresses are never dialled by the node).
    static func map(_ ids: [String], partitions: Int = 16, replicas: Int = 1) throws -> ClusterMap {
        var nodes: [ClusterNode] = []
        for (index, id) in ids.enumerated() {
            nodes.append(ClusterNode(id: try NodeID(id), address: try NodeAddress(host: "127.0.0.1", port: 7500 + index)))
        }
        return try ClusterMap.create(nodes: nodes, partitionCount: partitions, replicationFactor: replicas)
    }

    /// `map` with another epoch (a map from another history, or a stale one).
    static func map(_ map: ClusterMap, epoch: UInt64) throws -> ClusterMap {
        try ClusterMap(
            epoch: epoch, partitioner: map.partitioner, replicationFactor: map.replicationFactor,
            nodes: map.nodes, assignment: map.assignment, moves: map.moves)
    }

    static func json(_ map: ClusterMap) throws -> Data {
        try ClusterMapFile.encode(map)
    }

    /// A temporary directory, removed afterwards.
    static func withDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-cluster-node-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(directory)
    }

    /// A node called `nodeID` keeping its map in `mapPath`, loading from `segments` if given.
    static func withNode<T: Sendable>(
        _ nodeID: String, mapPath: String?, segments: String? = nil, repo: FeatureRepo? = nil, _ body: (TestNode) async throws -> T
    ) async throws -> T {
        try await TestNode.withNode(repo: repo, configure: { configuration in
            configuration.nodeID = nodeID
            configuration.clusterMapPath = mapPath
            if let segments { configuration.segmentsDirectory = segments }
        }, body)
    }

    // MARK: Cluster methods

    static func getMap(_ node: TestNode) async throws -> Skewless_V1_GetClusterMapResponse {
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.getClusterMap, Skewless_V1_GetClusterMapRequest())
        }
        let frame = try #require(response)
        try #require(frame.status.code == .ok, "GET_CLUSTER_MAP failed: \(frame.status.message)")
        return try Skewless_V1_GetClusterMapResponse(serializedBytes: frame.payload)
    }

    /// The response frame of SET_CLUSTER_MAP with `json`.
    static func setMap(_ node: TestNode, json: Data) async throws -> Skewless_V1_ResponseFrame {
        var request = Skewless_V1_SetClusterMapRequest()
        request.mapJson = json
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.setClusterMap, request)
        }
        return try #require(response)
    }

    /// Installs `map`, requiring success.
    static func install(_ map: ClusterMap, on node: TestNode) async throws {
        let frame = try await setMap(node, json: json(map))
        try #require(frame.status.code == .ok, "SET_CLUSTER_MAP failed: \(frame.status.message)")
        let answer = try Skewless_V1_SetClusterMapResponse(serializedBytes: frame.payload)
        #expect(answer.epoch == map.epoch)
    }

    /// Polls GET_CLUSTER_MAP until the node has loaded every partition of `partitions`.
    static func waitUntilLoaded(_ node: TestNode, _ partitions: some Sequence<Int>, epoch: UInt64) async throws {
        let wanted = Set(partitions.map { UInt32($0) })
        for _ in 0..<1000 {
            let status = try await getMap(node)
            if status.epoch == epoch, wanted.isSubset(of: status.loadedPartitions) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("node did not load partitions \(wanted.sorted()) at epoch \(epoch) within 10s")
    }

    // MARK: Keys and requests

    /// The first `count` user ids (from 1 up) whose keys fall in `partitions`.
    static func users(in partitions: some Sequence<Int>, of map: ClusterMap, count: Int) -> [Int64] {
        let wanted = Set(partitions)
        var users: [Int64] = []
        var user: Int64 = 1
        while users.count < count {
            if wanted.contains(map.partitioner.partition(ofInt64: user)) {
                users.append(user)
            }
            user += 1
        }
        return users
    }

    /// A raw GetOnlineFeatures of txn_count_1h for `users`.
    static func read(_ node: TestNode, users: [Int64]) async throws -> Skewless_V1_ResponseFrame {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        request.features.features = [countFeature]
        var column = Skewless_V1_EntityKeyColumn()
        column.joinKey = "user_id"
        column.int64Values = users
        request.entities = [column]
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.getOnlineFeatures, request)
        }
        return try #require(response)
    }

    /// A raw WriteFeatures of txn_count_1h = `count` for `users`, at `eventTime`, routed by
    /// map `mapEpoch` (0: the writer says nothing of its map).
    ///
    /// By default a replica application (`replica_apply`, as a write's coordinator sends it
    /// after logging the batch): the node stores the rows in memory, only if its map gives it
    /// their partitions, and logs nothing; these tests are about what one node holds.
    /// `replica: false` sends a client's write, which the node logs and coordinates.
    static func write(
        _ node: TestNode, users: [Int64], count: Int64, eventTime: Int64, mapEpoch: UInt64 = 0, replica: Bool = true, idempotencyKey: String = ""
    ) async throws -> Skewless_V1_ResponseFrame {
        var request = Skewless_V1_WriteFeaturesRequest()
        request.featureView = "user_transactions"
        var column = Skewless_V1_EntityKeyColumn()
        column.joinKey = "user_id"
        column.int64Values = users
        request.entities = [column]
        request.eventTimeMicros = Array(repeating: eventTime, count: users.count)
        var values = Skewless_V1_WriteColumn()
        values.field = "txn_count_1h"
        values.values.int64Values = Array(repeating: count, count: users.count)
        request.columns = [values]
        request.mapEpoch = mapEpoch
        request.idempotencyKey = Data(idempotencyKey.utf8)
        if replica {
            request.replicaApply = true
            request.createdTimeMicros = Array(repeating: WallClock.nowMicros(), count: users.count)
        }
        let response = try await RawConnection.with(port: node.port) { connection in
            try await connection.call(.writeFeatures, request)
        }
        return try #require(response)
    }

    /// txn_count_1h of `users` through the SDK, nil where the node has no row.
    static func counts(_ node: TestNode, users: [Int64]) async throws -> [Int64?] {
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
        let features: OnlineFeatures
        do {
            features = try await client.getOnlineFeatures(features: [countFeature], entities: users.map { ["user_id": .int64($0)] })
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return features.rows.map { row in
            row.status(countFeature) == .present ? row.int64(countFeature) : nil
        }
    }

    // MARK: Segments

    /// Ingests txn_count_1h = `count` for `users` into the offline store at `directory`.
    static func ingest(_ directory: String, users: [Int64], count: Int64, eventTime: Int64) throws {
        let repo = try TestNode.sampleRepo()
        let view = try repo.featureView(qualified: "user_transactions")
        let session = try OfflineStore(directory: directory).beginIngest(view: view, joinKeys: repo.joinKeys(of: view), nowMicros: WallClock.nowMicros())
        let field = try #require(view.fieldIndex(named: "txn_count_1h"))
        for user in users {
            var values: [FeatureValue?] = Array(repeating: nil, count: view.fields.count)
            values[field] = .int64(count)
            try session.append(key: EntityKey(.int64(user)), eventTime: eventTime, createdTime: eventTime, values: values)
        }
        _ = try session.commit()
    }
}
