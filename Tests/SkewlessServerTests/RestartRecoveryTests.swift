import Foundation
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import Testing

/// A replica restarted with its cluster map loads its partitions from the segments, then
/// copies what its peers hold for them before serving: writes the other replica took while
/// it was down (never in the segments) are served by it too, so a read does not go back in
/// time when it lands on the restarted node.
@Suite(.timeLimit(.minutes(1)))
struct RestartRecoveryTests {
    typealias Fixture = ClusterNodeFixture

    @Test func aRestartedReplicaServesTheWritesItMissedWhileDown() async throws {
        try await Fixture.withDirectory { directory in
            let segments = directory + "/segments"
            let now = WallClock.nowMicros()
            try await Fixture.withNode("node-b", mapPath: directory + "/b.json", segments: segments) { survivor in
                // Both nodes hold every partition (R = 2); the segments have count 7 for all users.
                let (map, users) = try await Fixture.withNode("node-a", mapPath: directory + "/a.json", segments: segments) { first in
                    let map = try ClusterMap.create(
                        nodes: [
                            ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: first.port)),
                            ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: survivor.port)),
                        ],
                        partitionCount: 16, replicationFactor: 2)
                    let users = Fixture.users(in: 0..<16, of: map, count: 48)
                    try Fixture.ingest(segments, users: users, count: 7, eventTime: now - ClusterNodeFixture.hour)
                    try await Fixture.install(map, on: first)
                    try await Fixture.install(map, on: survivor)
                    try await Fixture.waitUntilLoaded(first, 0..<16, epoch: map.epoch)
                    try await Fixture.waitUntilLoaded(survivor, 0..<16, epoch: map.epoch)
                    return (map, users)
                }
                // node-a is down: writes reach node-b only.
                let written = Array(users.prefix(30))
                #expect(try await Fixture.write(survivor, users: written, count: 20, eventTime: now - 60_000_000).status.code == .ok)

                // node-a comes back with its map file: segments first, then its peer's rows.
                try await Fixture.withNode("node-a", mapPath: directory + "/a.json", segments: segments) { restarted in
                    try await Fixture.waitUntilLoaded(restarted, 0..<16, epoch: map.epoch)
                    let counts = try await Fixture.counts(restarted, users: users)
                    #expect(counts == users.map { written.contains($0) ? 20 : 7 })
                }
            }
        }
    }

    /// With no peer to copy from (the other replica is down too), the restarted node still
    /// loads its partitions from the segments and serves them.
    @Test func withoutAPeerTheSegmentsAreServed() async throws {
        try await Fixture.withDirectory { directory in
            let segments = directory + "/segments"
            let map = try ClusterMap.create(
                nodes: [
                    ClusterNode(id: NodeID("node-a"), address: NodeAddress(host: "127.0.0.1", port: 1)),
                    ClusterNode(id: NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: 2)),
                ],
                partitionCount: 16, replicationFactor: 2)
            let users = Fixture.users(in: 0..<16, of: map, count: 16)
            try Fixture.ingest(segments, users: users, count: 7, eventTime: WallClock.nowMicros() - ClusterNodeFixture.hour)
            try ClusterMapFile.save(map, to: directory + "/a.json")
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json", segments: segments) { restarted in
                try await Fixture.waitUntilLoaded(restarted, 0..<16, epoch: map.epoch)
                #expect(try await Fixture.counts(restarted, users: users) == users.map { _ in 7 })
            }
        }
    }
}
