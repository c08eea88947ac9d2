import Dispatch
import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import Synchronization
import Testing
@testable import SkewlessServer

/// The reconciler's thread against a real online store, with loaders that record what they
/// are asked and can fail or block: it is woken by changes (no polling period, even during a
/// long back-off), and `stop` waits for the load in progress and leaves no thread running.
/// Bounds are generous (a loaded machine); the assertions are about order, not speed.
@Suite(.timeLimit(.minutes(1)))
struct PartitionReconcilerTests {
    typealias Fixture = ClusterNodeFixture

    /// What happened, in order, across threads.
    final class Events: Sendable {
        private let list = Mutex<[String]>([])
        func note(_ event: String) { list.withLock { $0.append(event) } }
        var all: [String] { list.withLock { $0 } }
        func count(_ event: String) -> Int { all.count(where: { $0 == event }) }
    }

    /// The partitions a loader was asked to keep.
    final class Kept: Sendable {
        private let kept = Mutex<Set<Int>>([])
        func insert(_ partition: Int) { kept.withLock { _ = $0.insert(partition) } }
        var partitions: Set<Int> { kept.withLock { $0 } }
    }

    static func reconciler(firstRetryDelay: Double = 0.2) throws -> PartitionReconciler {
        let repo = try TestNode.sampleRepo()
        let store = OnlineStore(views: repo.featureViews.map { (view: $0, joinKeys: repo.joinKeys(of: $0)) })
        var logger = Logger(label: "skewless.test-reconciler")
        logger.logLevel = .critical
        return PartitionReconciler(node: try NodeID("node-a"), store: store, logger: logger, firstRetryDelay: firstRetryDelay)
    }

    /// Waits up to `seconds` for `condition`, looking every 10 ms.
    static func eventually(within seconds: Int = 20, _ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 100) {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aMapInstallWakesTheReconcilerToLoadTheNodesPartitions() async throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let mine = Set(map.partitionsHeld(by: try NodeID("node-a")))
        let reconciler = try Self.reconciler()
        let events = Events()
        let kept = Kept()
        reconciler.setLoader { keep in
            for user in Fixture.users(in: 0..<16, of: map, count: 64) where keep(EntityKey(.int64(user))) {
                kept.insert(map.partitioner.partition(ofInt64: user))
            }
            events.note("load")
        }
        reconciler.start()
        defer { reconciler.stop() }
        // Started with nothing to do: it waits, it does not load.
        try await Task.sleep(for: .milliseconds(100))
        #expect(events.all.isEmpty)
        reconciler.install(map)
        #expect(try await Self.eventually { reconciler.partitions.loaded == mine })
        #expect(events.all == ["load"])
        #expect(kept.partitions == mine)
        let access = try #require(reconciler.access)
        #expect(access.epoch == map.epoch)
        #expect(access.servedPartitions(nowMicros: 0) == mine.sorted())
    }

    @Test func aNewMapEndsTheBackOffOfAFailedLoadAtOnce() async throws {
        let first = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let second = try Fixture.map(Fixture.map(["node-a", "node-b", "node-c"], partitions: 16), epoch: 2)
        // A back-off far longer than the test may take: only the new map can end it.
        let reconciler = try Self.reconciler(firstRetryDelay: 3_600)
        let events = Events()
        reconciler.setLoader { _ throws(SkewlessError) in
            events.note("load")
            if events.count("load") == 1 {
                throw SkewlessError(.internal, "the disk is gone (on purpose)")
            }
        }
        reconciler.start()
        defer { reconciler.stop() }
        reconciler.install(first)
        #expect(try await Self.eventually { events.count("load") == 1 })
        #expect(reconciler.partitions.loaded.isEmpty)
        reconciler.install(second)
        let mine = Set(second.partitionsHeld(by: try NodeID("node-a")))
        #expect(try await Self.eventually { reconciler.partitions.loaded == mine })
        #expect(events.count("load") == 2)
    }

    @Test func stopWaitsForTheLoadInProgressThenNoThreadIsLeft() async throws {
        let map = try Fixture.map(["node-a", "node-b"], partitions: 16)
        let reconciler = try Self.reconciler()
        let events = Events()
        let release = DispatchSemaphore(value: 0)
        reconciler.setLoader { _ in
            events.note("load started")
            release.wait()
            events.note("load ended")
        }
        reconciler.start()
        reconciler.install(map)
        #expect(try await Self.eventually { events.count("load started") == 1 })
        DispatchQueue.global().async {
            reconciler.stop()
            events.note("stopped")
        }
        try await Task.sleep(for: .milliseconds(300))
        // stop() is waiting for the load: nothing ended, the thread runs.
        #expect(events.all == ["load started"])
        #expect(reconciler.isRunning)
        release.signal()
        #expect(try await Self.eventually { events.count("stopped") == 1 })
        #expect(events.all == ["load started", "load ended", "stopped"])
        #expect(!reconciler.isRunning)
        // Stopped for good: a new map is recorded but nothing loads.
        reconciler.install(try Fixture.map(map, epoch: 2))
        reconciler.start()
        try await Task.sleep(for: .milliseconds(100))
        #expect(!reconciler.isRunning)
        #expect(events.count("load started") == 1)
    }

    @Test func anIdleReconcilerStopsAtOnce() async throws {
        let reconciler = try Self.reconciler()
        reconciler.start()
        #expect(reconciler.isRunning)
        reconciler.stop()
        #expect(!reconciler.isRunning)
    }
}
