import Skewless
import SkewlessCluster
import Testing
@testable import SkewlessBenchmark

@Suite struct ReplicaLocatorTests {
    static func node(_ k: Int) throws -> ClusterNode {
        ClusterNode(id: try NodeID("node-\(k)"), address: try NodeAddress(host: "127.0.0.1", port: 7420 + k))
    }

    @Test func aSingleNodeIsTheOnlyReplicaOfEveryRow() {
        let endpoint = Endpoint(host: "127.0.0.1", port: 7421)
        let locator = ReplicaLocator(single: endpoint)
        #expect(locator.replicas(ofInt64: 1) == [endpoint])
        #expect(locator.replicas(ofInt64: 2_000_000_123) == [endpoint])
        #expect(locator.replicationFactor == 1)
        #expect(!locator.isCluster)
    }

    @Test func aClusterRowIsReadFromTheReplicasOfItsPartition() throws {
        let map = try ClusterMap.create(nodes: [Self.node(1), Self.node(2), Self.node(3)], partitionCount: 64, replicationFactor: 2)
        let locator = ReplicaLocator(map: map)
        #expect(locator.isCluster)
        #expect(locator.replicationFactor == 2)
        #expect(Set(locator.nodes) == Set((1...3).map { Endpoint(host: "127.0.0.1", port: 7420 + $0) }))
        var seen = Set<Endpoint>()
        for id: Int64 in 1...200 {
            let replicas = locator.replicas(ofInt64: id)
            let partition = map.partitioner.partition(of: EntityKey(.int64(id)))
            let expected = try map.replicas(of: partition).map { id in
                let node = try #require(map.node(id))
                return Endpoint(host: node.address.host, port: node.address.port)
            }
            #expect(replicas == expected)
            #expect(Set(replicas).count == 2)
            seen.formUnion(replicas)
        }
        #expect(seen.count == 3)
    }
}
