import Foundation
import SkewlessCluster
import SkewlessModel
import Testing
@testable import SkewlessControl

@Suite(.enabled(if: etcdInstalled, "etcd is not installed: scripts/setup.sh"))
struct ControlStoreTests {
    static func threeNodeMap() throws -> ClusterMap {
        let nodes = try (1...3).map { index throws(SkewlessError) in
            ClusterNode(id: try NodeID("node-\(index)"), address: try NodeAddress(host: "10.0.0.\(index)", port: 7421))
        }
        return try ClusterMap.create(nodes: nodes, partitionCount: 16, replicationFactor: 2)
    }

    @Test func theFirstMapIsCreatedOnceThenEachEpochSwappedIn() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client, cluster: "alpha")
            #expect(try await store.loadMap() == nil)
            let first = try Self.threeNodeMap()
            #expect(try await store.createMap(first))
            #expect(try await store.createMap(first) == false)

            let (loaded, revision) = try #require(try await store.loadMap())
            #expect(loaded == first)
            // The value is exactly the map file's bytes, so another language reads it the same way.
            #expect(try await client.get("/skewless/alpha/map")?.value == Array(try ClusterMapFile.encode(first)))

            var next = loaded
            try next.markNode(try NodeID("node-2"), .down)
            let newRevision = try #require(try await store.swapMap(next, expectedRevision: revision))
            #expect(newRevision > revision)
            let reloaded = try #require(try await store.loadMap())
            #expect(reloaded.map == next && reloaded.map.epoch == 2 && reloaded.revision == newRevision)

            // Another cluster's keys are its own.
            #expect(try await ControlStore(client: client, cluster: "beta").loadMap() == nil)
        }
    }

    @Test func twoSwapsFromTheSameRevisionHaveExactlyOneWinner() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client)
            #expect(try await store.createMap(try Self.threeNodeMap()))
            let base = try #require(try await store.loadMap()).map
            var downTwo = base
            try downTwo.markNode(try NodeID("node-2"), .down)
            var downThree = base
            try downThree.markNode(try NodeID("node-3"), .down)

            for _ in 0..<3 {
                let current = try #require(try await store.loadMap())
                let one = try downTwo.withEpoch(current.map.epoch + 1)
                let other = try downThree.withEpoch(current.map.epoch + 1)
                async let first = store.swapMap(one, expectedRevision: current.revision)
                async let second = store.swapMap(other, expectedRevision: current.revision)
                let results = try await [first, second]
                #expect(results.compactMap { $0 }.count == 1, "\(results)")
                let stored = try #require(try await store.loadMap())
                #expect(stored.revision == results.compactMap { $0 }.first)
                #expect(stored.map.epoch == current.map.epoch + 1)
            }
        }
    }

    @Test func aMapWhoseEpochIsNotAboveTheStoredOneIsRefused() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client)
            #expect(try await store.createMap(try Self.threeNodeMap()))
            let (stored, revision) = try #require(try await store.loadMap())
            // The same epoch (the caller forgot to change the map) is refused, saying why.
            let error = await #expect(throws: SkewlessError.self) { _ = try await store.swapMap(stored, expectedRevision: revision) }
            #expect(error?.code == .failedPrecondition)
            #expect(error?.message.contains("epoch 1") == true)
            // A stale revision is a lost race, not an error.
            var next = stored
            try next.markNode(try NodeID("node-1"), .down)
            #expect(try await store.swapMap(next, expectedRevision: revision - 1) == nil)
            #expect(try await store.swapMap(next, expectedRevision: revision) != nil)
            // An older epoch at the current revision is refused too.
            let current = try #require(try await store.loadMap())
            await #expect(throws: SkewlessError.self) { _ = try await store.swapMap(stored, expectedRevision: current.revision) }
            #expect(try await store.loadMap()?.map == next)
        }
    }

    @Test func aNodeIsLiveWhileItsLeaseIs() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client, cluster: "c1")
            let one = try NodeID("node-1")
            let two = try NodeID("node-2")
            // 10 s: long enough to outlive the checks below on a loaded machine (3 s did not).
            let lease1 = try await client.grantLease(ttlSeconds: 10)
            let lease2 = try await client.grantLease(ttlSeconds: 60)
            try await store.register(one, address: try NodeAddress(parsing: "10.0.0.1:7421"), lease: lease1, startedMicros: 1_700_000_000_000_000, version: "0.1.0")
            try await store.register(two, address: try NodeAddress(parsing: "[fd00::2]:7421"), lease: lease2)

            let live = try await store.liveNodes()
            #expect(Set(live.keys) == [one, two])
            #expect(live[one] == NodeRegistration(address: "10.0.0.1:7421", startedMicros: 1_700_000_000_000_000, version: "0.1.0"))
            #expect(live[two]?.address == "[fd00::2]:7421")
            let raw = try #require(try await client.get("/skewless/c1/nodes/node-1"))
            #expect(String(decoding: raw.value, as: UTF8.self) == #"{"address":"10.0.0.1:7421","started_micros":1700000000000000,"version":"0.1.0"}"#)
            #expect(raw.lease == lease1)

            // node-1 stops renewing: its registration goes with its lease.
            #expect(try await eventually(within: .seconds(25)) { try await store.liveNodes().keys.sorted() == [two] })
            // A deregistered node is gone at once.
            try await store.deregister(two)
            #expect(try await store.liveNodes().isEmpty)
        }
    }

    @Test func oneCandidateIsControllerUntilItsLeaseEnds() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client)
            let leaseA = try await client.grantLease(ttlSeconds: 30)
            let leaseB = try await client.grantLease(ttlSeconds: 30)
            #expect(try await store.controller() == nil)

            async let a = store.campaign("controller-a", lease: leaseA)
            async let b = store.campaign("controller-b", lease: leaseB)
            let (wonA, wonB) = try await (a, b)
            #expect(wonA != wonB)
            let (winner, winnerLease, loser, loserLease) = wonA
                ? ("controller-a", leaseA, "controller-b", leaseB) : ("controller-b", leaseB, "controller-a", leaseA)
            #expect(try await store.controller() == winner)
            // Campaigning again is idempotent for the holder and still loses for the other.
            #expect(try await store.campaign(winner, lease: winnerLease))
            #expect(try await store.campaign(loser, lease: loserLease) == false)

            try await store.publishStatus(.utf8(#"{"epoch":1}"#), lease: winnerLease)
            #expect(try await store.status() == .utf8(#"{"epoch":1}"#))
            // Resigning someone else's seat does nothing.
            try await store.resign(loser)
            #expect(try await store.controller() == winner)

            // The winner's lease ends: its keys go, and the other candidate wins.
            try await client.revoke(winnerLease)
            #expect(try await store.controller() == nil)
            #expect(try await store.status() == nil)
            #expect(try await store.campaign(loser, lease: loserLease))
            #expect(try await store.controller() == loser)

            // A holder that campaigns with a new lease keeps the seat, on the new lease.
            let renewed = try await client.grantLease(ttlSeconds: 30)
            #expect(try await store.campaign(loser, lease: renewed))
            #expect(try await client.get(store.controllerKey)?.lease == renewed)

            try await store.resign(loser)
            #expect(try await store.controller() == nil)
        }
    }

    @Test func everyKeyIsUnderTheClusterPrefix() async throws {
        try await withEtcd { _, client in
            let store = ControlStore(client: client, cluster: "prod-1")
            let lease = try await client.grantLease(ttlSeconds: 30)
            #expect(try await store.createMap(try Self.threeNodeMap()))
            try await store.register(try NodeID("node-3"), address: try NodeAddress(parsing: "10.0.0.3:7421"), lease: lease)
            #expect(try await store.campaign("ctl-1", lease: lease))
            try await store.publishStatus([1, 2, 3], lease: lease)
            #expect(try await client.list(prefix: "").map(\.key) == [
                "/skewless/prod-1/controller",
                "/skewless/prod-1/controller-status",
                "/skewless/prod-1/map",
                "/skewless/prod-1/nodes/node-3",
            ])
        }
    }

    @Test func aMapLargerThanEtcdTakesIsRefusedSayingWhatToRaise() async throws {
        try await withEtcd { _, client in
            // 32 768 partitions x 3 replicas is about 2 MB of JSON, over etcd's default
            // --max-request-bytes (1.5 MiB); 65 536 (4 MB) is over its gRPC message limit
            // (2 MiB), which etcd words differently.
            let nodes = try (1...16).map { index throws(SkewlessError) in
                ClusterNode(id: try NodeID("node-\(index)"), address: try NodeAddress(host: "10.0.0.\(index)", port: 7421))
            }
            let map = try ClusterMap.create(nodes: nodes, partitionCount: 32_768, replicationFactor: 3)
            let store = ControlStore(client: client)
            let error = await #expect(throws: SkewlessError.self) { _ = try await store.createMap(map) }
            #expect(error?.message.contains("--max-request-bytes") == true, "\(String(describing: error))")
            #expect(try await store.loadMap() == nil)
        }
    }

    @Test func clusterNamesFollowTheNodeIDRule() {
        #expect(throws: Never.self) { try ControlStore.checkClusterName("prod-1") }
        for bad in ["", "a/b", String(repeating: "x", count: 65), "ümlaut"] {
            #expect(throws: SkewlessError.self, "\(bad)") { try ControlStore.checkClusterName(bad) }
        }
    }
}

extension ClusterMap {
    /// This map with another epoch (for racing writers that computed the same next epoch).
    func withEpoch(_ epoch: UInt64) throws -> ClusterMap {
        try ClusterMap(epoch: epoch, partitioner: partitioner, replicationFactor: replicationFactor, nodes: nodes, assignment: assignment, moves: moves)
    }
}
