import Foundation
import SkewlessCluster
import SkewlessModel
import SkewlessServer
import SkewlessWire
import Testing

/// A cluster node serves only what its map gives it: keys of other partitions get ABORTED with
/// `status.wrong_shard` (the node's epoch and the refused partitions), a rebalance's phases
/// move reads and writes as docs/cluster.md says, and partitions the node gives up are dropped.
@Suite(.timeLimit(.minutes(1)))
struct WrongShardTests {
    typealias Fixture = ClusterNodeFixture

    @Test func keysOfOtherPartitionsGetWrongShardWithTheEpochAndPartitions() async throws {
        try await Fixture.withDirectory { directory in
            let map = try Fixture.map(Fixture.map(["node-a", "node-b"], partitions: 16), epoch: 7)
            let mine = Set(map.partitionsHeld(by: try NodeID("node-a")))
            let theirs = Set(0..<16).subtracting(mine)
            try await Fixture.withNode("node-a", mapPath: directory + "/map.json") { node in
                try await Fixture.install(map, on: node)
                try await Fixture.waitUntilLoaded(node, mine, epoch: 7)
                let own = Fixture.users(in: mine, of: map, count: 4)
                let foreign = Fixture.users(in: theirs, of: map, count: 6)
                let now = WallClock.nowMicros()

                let written = try await Fixture.write(node, users: own, count: 3, eventTime: now)
                #expect(written.status.code == .ok)
                #expect(try await Fixture.counts(node, users: own) == [3, 3, 3, 3])

                // One foreign key refuses the whole request, naming every foreign partition.
                let expected = Set(foreign.map(map.partitioner.partition(ofInt64:))).sorted().map { UInt32($0) }
                let read = try await Fixture.read(node, users: own + foreign)
                #expect(read.status.code == .aborted)
                #expect(read.status.wrongShard.epoch == 7)
                #expect(read.status.wrongShard.partitions == expected)
                #expect(read.status.message.contains("refresh the cluster map"))

                let write = try await Fixture.write(node, users: foreign + own, count: 9, eventTime: now + 1)
                #expect(write.status.code == .aborted)
                #expect(write.status.wrongShard.epoch == 7)
                #expect(write.status.wrongShard.partitions == expected)
                // Nothing of the refused write was stored.
                #expect(try await Fixture.counts(node, users: own) == [3, 3, 3, 3])
            }
        }
    }

    @Test func aRebalanceMovesReadsAndWritesPhaseByPhaseThenDropsTheRows() async throws {
        try await Fixture.withDirectory { directory in
            let a = try NodeID("node-a")
            let b = try NodeID("node-b")
            var map = try Fixture.map(["node-a"], partitions: 16)
            let all = Array(0..<16)
            let users = Fixture.users(in: all, of: map, count: 64)
            let now = WallClock.nowMicros()
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json") { oldOwner in
                try await Fixture.withNode("node-b", mapPath: directory + "/b.json") { newOwner in
                    try await Fixture.install(map, on: oldOwner)
                    try await Fixture.waitUntilLoaded(oldOwner, all, epoch: map.epoch)
                    #expect(try await Fixture.write(oldOwner, users: users, count: 1, eventTime: now).status.code == .ok)

                    // Loading: the old owner serves everything; the new one stores writes of
                    // its incoming partitions but does not serve their reads yet.
                    try map.begin(map.planAddNode(ClusterNode(id: b, address: NodeAddress(host: "127.0.0.1", port: 7501))))
                    let moved = map.moves.map(\.partition)
                    try #require(!moved.isEmpty)
                    let movedUsers = users.filter { moved.contains(map.partitioner.partition(ofInt64: $0)) }
                    let keptUsers = users.filter { !movedUsers.contains($0) }
                    try await Fixture.install(map, on: oldOwner)
                    try await Fixture.install(map, on: newOwner)
                    try await Fixture.waitUntilLoaded(newOwner, moved, epoch: map.epoch)
                    #expect(try await Fixture.read(oldOwner, users: users).status.code == .ok)
                    let early = try await Fixture.read(newOwner, users: movedUsers)
                    #expect(early.status.code == .aborted)
                    #expect(Set(early.status.wrongShard.partitions.map(Int.init)) == Set(moved))
                    for owner in [oldOwner, newOwner] {
                        #expect(try await Fixture.write(owner, users: movedUsers, count: 2, eventTime: now + 1).status.code == .ok)
                    }

                    // Flipped: the new owner serves; the old one drains, still serving clients
                    // with the older map until the deadline.
                    _ = try map.markLoaded()
                    try map.flip(nowMicros: now, gracePeriodMicros: ClusterNodeFixture.hour)
                    try await Fixture.install(map, on: oldOwner)
                    try await Fixture.install(map, on: newOwner)
                    #expect(try await Fixture.counts(newOwner, users: movedUsers) == movedUsers.map { _ in 2 })
                    #expect(try await Fixture.counts(oldOwner, users: movedUsers) == movedUsers.map { _ in 2 })
                    #expect(try await Fixture.write(oldOwner, users: movedUsers, count: 3, eventTime: now + 2).status.code == .ok)

                    // Drained: the old owner refuses the moved partitions and drops their rows.
                    let rowsBefore = oldOwner.server.store.entityRowCount
                    try map.finishDraining(nowMicros: now + 2 * ClusterNodeFixture.hour)
                    try await Fixture.install(map, on: oldOwner)
                    let late = try await Fixture.read(oldOwner, users: movedUsers)
                    #expect(late.status.code == .aborted)
                    #expect(late.status.wrongShard.epoch == map.epoch)
                    #expect(try await Fixture.write(oldOwner, users: movedUsers, count: 4, eventTime: now + 3).status.code == .aborted)
                    #expect(try await Fixture.counts(oldOwner, users: keptUsers) == keptUsers.map { _ in 1 })
                    for _ in 0..<500 where oldOwner.server.store.entityRowCount > keptUsers.count {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    #expect(rowsBefore == users.count)
                    #expect(oldOwner.server.store.entityRowCount == keptUsers.count)
                    #expect(try await Fixture.getMap(oldOwner).loadedPartitions.map(Int.init) == map.partitionsHeld(by: a))
                }
            }
        }
    }

    @Test func aDrainingNodeStopsServingReadsAtItsDeadline() async throws {
        try await Fixture.withDirectory { directory in
            var map = try Fixture.map(["node-a"], partitions: 16)
            let now = WallClock.nowMicros()
            try await Fixture.withNode("node-a", mapPath: directory + "/a.json") { node in
                try map.begin(map.planAddNode(ClusterNode(id: try NodeID("node-b"), address: NodeAddress(host: "127.0.0.1", port: 7501))))
                _ = try map.markLoaded()
                // A deadline already past: the flip happened two hours ago with a one-hour grace.
                try map.flip(nowMicros: now - 2 * ClusterNodeFixture.hour, gracePeriodMicros: ClusterNodeFixture.hour)
                try await Fixture.install(map, on: node)
                let movedUsers = Fixture.users(in: map.moves.map(\.partition), of: map, count: 3)
                let read = try await Fixture.read(node, users: movedUsers)
                #expect(read.status.code == .aborted)
                // Writes still land until the map ends the move, so the node stays current.
                #expect(try await Fixture.write(node, users: movedUsers, count: 1, eventTime: now).status.code == .ok)
            }
        }
    }
}
