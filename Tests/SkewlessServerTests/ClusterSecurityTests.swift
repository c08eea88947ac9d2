import Foundation
import Skewless
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import SkewlessTLS
import SkewlessWire
import Testing

/// Two nodes that require mutual TLS and authentication: a write to one is applied on the
/// other over the nodes' own TLS connection, where each node's certificate names it a peer;
/// a client that is not a peer may not apply writes as a replica nor install a map.
@Suite(.timeLimit(.minutes(2)))
struct ClusterSecurityTests {
    static let policy = """
        access:
          admins: [ops]
          peers: [node-a, node-b]
          grants:
            - to: [writer]
              write: {views: [user_transactions]}
        """

    static func client(_ port: Int, pki: TestPKI, as identity: TestPKI.Issued) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: port)) {
            $0.security.tls = .init(trustRootsFile: pki.caFile, certificateFile: identity.certificateFile, privateKeyFile: identity.keyFile)
            $0.timeout = .seconds(10)
            $0.connectTimeout = .seconds(5)
        })
    }

    @Test func writesReachTheOtherReplicaOverMutualTLSBetweenNodes() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let certificates = try ["node-a", "node-b", "writer", "ops", "stranger"].reduce(into: [String: TestPKI.Issued]()) { $0[$1] = try pki.issue($1) }
        let repo = try AccessFixtures.repo(access: Self.policy)
        try await ClusterNodeFixture.withDirectory { directory in
            let store = directory + "/store"
            func configure(_ id: String) -> (inout NodeConfiguration) -> Void {
                { configuration in
                    configuration.nodeID = id
                    configuration.clusterMapPath = directory + "/\(id).json"
                    configuration.segmentsDirectory = store
                    configuration.security.tls = TLSFiles(
                        certificateChain: certificates[id]!.certificateFile, privateKey: certificates[id]!.keyFile, trustRoots: pki.caFile)
                    configuration.security.clientCertificates = .required
                    configuration.security.requireAuthentication = true
                }
            }
            try await TestNode.withNode(repo: repo, configure: configure("node-a")) { a in
                try await TestNode.withNode(repo: repo, configure: configure("node-b")) { b in
                    let map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: a.port)),
                            ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: b.port)),
                        ], partitionCount: 16, replicationFactor: 1)
                    // Installing a map is an admin method: refused to the writer, done by ops.
                    let writerOnA = Self.client(a.port, pki: pki, as: certificates["writer"]!)
                    do {
                        try await writerOnA.installClusterMap(try ClusterMapFile.encode(map))
                        Issue.record("a non-admin installed a cluster map")
                    } catch let error as SkewlessError {
                        #expect(error.code == .permissionDenied)
                    }
                    for node in [a, b] {
                        let ops = Self.client(node.port, pki: pki, as: certificates["ops"]!)
                        try await ops.installClusterMap(try ClusterMapFile.encode(map))
                        let wanted = Set(map.partitionsHeld(by: try NodeID(node.server.configuration.nodeID)))
                        var loaded = false
                        for _ in 0..<1_000 where !loaded {
                            loaded = wanted.isSubset(of: try await ops.clusterState().loadedPartitions)
                            if !loaded { try await Task.sleep(for: .milliseconds(10)) }
                        }
                        #expect(loaded)
                        await ops.close()
                    }
                    // A client write to node-a of users node-b holds: node-a applies it on node-b
                    // over TLS, as peer node-a.
                    let theirs = ClusterNodeFixture.users(in: map.partitionsHeld(by: try NodeID("node-b")), of: map, count: 4)
                    let rows = theirs.map { FeatureWrite(entity: ["user_id": .int64($0)], eventTime: WallClock.nowMicros(), values: ["txn_count_1h": .int64(8)]) }
                    let summary = try await writerOnA.write(view: "user_transactions", rows: rows)
                    #expect(summary.rowsWritten == 4 && summary.missedReplicas.isEmpty, "\(summary)")
                    await writerOnA.close()
                    let peer = Self.client(b.port, pki: pki, as: certificates["node-a"]!)
                    let features = try await peer.getOnlineFeatures(
                        features: [ClusterNodeFixture.countFeature], entities: theirs.map { ["user_id": .int64($0)] })
                    #expect(features.rows.map { $0.int64(ClusterNodeFixture.countFeature) } == theirs.map { _ in 8 })
                    await peer.close()
                    #expect(b.server.store.entityRowCount == 4)
                    // A stranger's replica application is refused.
                    let stranger = Self.client(b.port, pki: pki, as: certificates["stranger"]!)
                    var apply = Skewless_V1_WriteFeaturesRequest()
                    apply.featureView = "user_transactions"
                    apply.replicaApply = true
                    do {
                        _ = try await stranger.replicaCall(.writeFeatures, apply, as: Skewless_V1_WriteFeaturesResponse.self, timeout: .seconds(5))
                        Issue.record("a stranger applied a write as a replica")
                    } catch let error as SkewlessError {
                        #expect(error.code == .permissionDenied)
                    }
                    await stranger.close()
                }
            }
        }
    }
}
