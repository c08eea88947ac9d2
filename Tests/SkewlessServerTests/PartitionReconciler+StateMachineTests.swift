import SkewlessCluster
import SkewlessModel
import Testing
@testable import SkewlessServer

/// The reconciler's decisions step by step, with no thread, clock or store. (Each step is
/// taken before `#expect`, which may not mutate the machine.)
@Suite struct PartitionReconcilerStateMachineTests {
    typealias Machine = PartitionReconciler.StateMachine
    typealias Fixture = ClusterNodeFixture

    static let a = try! NodeID("node-a")

    static func machine() -> Machine {
        Machine(node: a, firstRetryDelay: 0.2, maximumRetryDelay: 1.6, busyRetryDelay: 0.1)
    }

    static func load(_ action: Machine.Action) -> Machine.Load? {
        if case .load(let load) = action { load } else { nil }
    }

    /// `machine` after a first pass under `map` that loaded every partition it holds.
    static func loaded(_ map: ClusterMap) -> Machine {
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        _ = machine.dropped()
        _ = machine.loadFinished(.loaded)
        return machine
    }

    @Test func withoutAMapTheReconcilerWaitsForAChange() {
        var machine = Self.machine()
        let first = machine.resume()
        #expect(first == .wait(retryAfter: nil))
        machine.configured()
        let second = machine.resume()
        #expect(second == .wait(retryAfter: nil))
        #expect(machine.loaded.isEmpty)
    }

    @Test func aFirstMapDropsWhatTheStandaloneNodeHeldThenLoadsItsPartitions() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let mine = Set(map.partitionsHeld(by: Self.a))
        var machine = Self.machine()
        let installed = machine.install(map)
        #expect(installed)
        let drop = machine.resume()
        #expect(drop == .drop(keeping: mine, partitioner: map.partitioner))
        let dropped = machine.dropped()
        let load = try #require(Self.load(dropped))
        #expect(load.held == mine)
        #expect(load.partitions == mine)
        #expect(machine.loading == mine)
        #expect(machine.loaded.isEmpty)  // not served until loaded
        let after = machine.loadFinished(.loaded)
        #expect(after == .wait(retryAfter: nil))
        #expect(machine.loaded == mine)
        #expect(machine.loading.isEmpty)
    }

    @Test func aMapThatTakesPartitionsAwayUnloadsThemAtOnceAndDropsTheirRows() throws {
        let two = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let three = try Fixture.map(Fixture.map(["node-a", "node-b", "node-c"], partitions: 16), epoch: 2)
        let before = Set(two.partitionsHeld(by: Self.a))
        let after = Set(three.partitionsHeld(by: Self.a))
        try #require(!before.isSubset(of: after))
        var machine = Self.loaded(two)
        _ = machine.install(three)
        // In effect before the reconciler runs: what it no longer holds is not loaded.
        #expect(machine.loaded == before.intersection(after))
        let drop = machine.resume()
        #expect(drop == .drop(keeping: after, partitioner: three.partitioner))
        let next = machine.dropped()
        if after.isSubset(of: before) {
            #expect(next == .wait(retryAfter: nil))
        } else {
            #expect(Self.load(next)?.partitions == after.subtracting(before))
        }
    }

    @Test func aMapNoNewerThanTheOneInEffectChangesNothing() throws {
        let newer = try Fixture.map(Fixture.map(["node-a", "node-b"]), epoch: 5)
        let older = try Fixture.map(Fixture.map(["node-a"]), epoch: 4)
        var machine = Self.machine()
        let tookNewer = machine.install(newer)
        let tookOlder = machine.install(older)
        let tookAgain = machine.install(newer)
        #expect(tookNewer && !tookOlder && !tookAgain)
        #expect(machine.map == newer)
    }

    @Test func aFailedLoadBacksOffDoublingAndASuccessStartsTheBackOffOver() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let mine = Set(map.partitionsHeld(by: Self.a))
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        let dropped = machine.dropped()
        #expect(Self.load(dropped) != nil)
        var waits: [Double?] = []
        for _ in 0..<5 {
            let action = machine.loadFinished(.failed)
            #expect(machine.loading.isEmpty)
            guard case .wait(let seconds) = action else {
                Issue.record("a failed load did not wait: \(action)")
                return
            }
            waits.append(seconds)
            // The retry is due: the same partitions again, without dropping again.
            let retry = machine.resume()
            #expect(Self.load(retry)?.partitions == mine)
        }
        #expect(waits == [0.2, 0.4, 0.8, 1.6, 1.6])
        let done = machine.loadFinished(.loaded)
        #expect(done == .wait(retryAfter: nil))
        #expect(machine.retryDelay == 0.2)
    }

    @Test func aLoadRefusedWhileAnotherMaterializationRunsIsRetriedShortlyWithoutBackingOff() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        let dropped = machine.dropped()
        let first = try #require(Self.load(dropped))
        let busy = machine.loadFinished(.busy)
        #expect(busy == .wait(retryAfter: 0.1))
        let retry = machine.resume()
        #expect(Self.load(retry) == first)
        #expect(machine.retryDelay == 0.2)
    }

    @Test func aMapInstalledDuringALoadIsReconciledRightAfterItWithoutWaiting() throws {
        var map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let before = Set(map.partitionsHeld(by: Self.a))
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        _ = machine.dropped()
        // node-b leaves while node-a loads: its partitions move to node-a.
        try map.begin(map.planRemoveNode(try NodeID("node-b")))
        let installed = machine.install(map)
        #expect(installed)
        let incoming = Set(map.moves.map(\.partition))
        let loaded = machine.loadFinished(.loaded)
        let next = try #require(Self.load(loaded))
        #expect(next.partitions == incoming)
        #expect(next.held == before.union(incoming))
        #expect(machine.loaded == before)
    }

    @Test func aRestartedNodeCopiesItsPeersRowsBeforeItServesItsPartitions() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16, replicas: 2)
        let mine = Set(map.partitionsHeld(by: Self.a))
        var machine = Self.machine()
        _ = machine.install(map, restored: true)
        _ = machine.resume()
        _ = machine.dropped()
        let recover = machine.loadFinished(.loaded)
        #expect(recover == .recover(partitions: mine.sorted(), map: map))
        #expect(machine.loaded.isEmpty)
        let after = machine.recovered()
        #expect(after == .wait(retryAfter: nil))
        #expect(machine.loaded == mine)
    }

    @Test func aMapInstalledByAnOperatorCopiesNothingFromThePeersBeforeServing() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16, replicas: 2)
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        _ = machine.dropped()
        let after = machine.loadFinished(.loaded)
        #expect(after == .wait(retryAfter: nil))
        #expect(machine.loaded == Set(map.partitionsHeld(by: Self.a)))
    }

    @Test func partitionsCatchingUpAreCopiedAfterTheyLoadAndOnlyTheMissingOnesAreRetried() throws {
        var map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        try map.begin(map.planRemoveNode(try NodeID("node-b")))
        let incoming = map.moves.map(\.partition).sorted()
        try #require(incoming.count >= 2)
        // Loaded while the moves are in `loading`: nothing to copy yet.
        var machine = Self.loaded(map)
        #expect(machine.loaded.isSuperset(of: incoming))
        try map.markLoaded()
        _ = machine.install(map)
        let copy = machine.resume()
        #expect(copy == .catchUp(partitions: incoming, map: map))
        let first = Set(incoming.prefix(1))
        let partial = machine.caughtUp(first)
        #expect(partial == .wait(retryAfter: 0.2))
        #expect(machine.caughtUp == first)
        let retry = machine.resume()
        #expect(retry == .catchUp(partitions: Array(incoming.dropFirst()), map: map))
        let done = machine.caughtUp(Set(incoming))
        #expect(done == .wait(retryAfter: nil))
        #expect(machine.caughtUp == Set(incoming))
        #expect(machine.retryDelay == 0.2)
        // The flip ends the moves' catching up.
        try map.flip(nowMicros: 0)
        _ = machine.install(map)
        #expect(machine.caughtUp.isEmpty)
    }

    @Test func afterStopEveryEventAnswersStop() throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        var machine = Self.machine()
        _ = machine.install(map)
        _ = machine.resume()
        _ = machine.dropped()
        machine.stop()
        // The load in progress still counts, but nothing more is started.
        let afterLoad = machine.loadFinished(.loaded)
        #expect(afterLoad == .stop)
        #expect(machine.loaded == Set(map.partitionsHeld(by: Self.a)))
        _ = machine.install(try Fixture.map(map, epoch: 2))
        let next = machine.resume()
        #expect(next == .stop)
    }

    @Test func aNodeNotInTheMapHoldsNothing() throws {
        let map = try Fixture.map(["node-b", "node-c"], partitions: 16)
        var machine = Self.machine()
        _ = machine.install(map)
        // Whatever it held standalone goes; nothing is loaded.
        let drop = machine.resume()
        #expect(drop == .drop(keeping: [], partitioner: map.partitioner))
        let next = machine.dropped()
        #expect(next == .wait(retryAfter: nil))
        #expect(machine.loaded.isEmpty)
    }
}
