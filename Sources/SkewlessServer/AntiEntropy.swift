import Dispatch
import Logging
import SkewlessCluster
import SkewlessModel
import SkewlessWire
import Synchronization

/// The node's anti-entropy loop (docs/cluster.md, "Replica repair and anti-entropy"): every
/// `interval` it makes a pass over the partitions this node is the first replica of, comparing
/// each with its other replicas by digest, at most `partitionsPerSecond` partitions a second
/// (`AntiEntropySchedule`), and repairs every difference by the newer-wins rule
/// (`ReplicaRepair`: only the rows of differing buckets travel; each replica is given the rows
/// it lacks or holds older, in memory, never logged again).
///
/// Skipped: partitions in motion (a move in any phase: the catch-up copy is their repair),
/// partitions this node has not loaded yet, and partitions with one replica. A replica that
/// does not answer leaves the partition unverifiable for this pass. Rows created in the last
/// `settleMicros` are left to the write path (a write being applied, or a follower about to).
///
/// A `BackgroundLoop` of its own (a thread, never an event loop), ticking every second; the
/// requests it makes run on the peer connections and the thread pool.
final class AntiEntropy: Sendable {
    struct Options: Sendable {
        var intervalSeconds: Double
        var partitionsPerSecond: Double
        var settleMicros: Int64 = 2_000_000
    }

    private let options: Options
    private let repo: FeatureRepo
    private let membership: ClusterMembership
    private let transport: NodeReplicaTransport
    private let counters: AntiEntropyCounters
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let schedule: Mutex<AntiEntropySchedule>
    private let loop = Mutex<BackgroundLoop?>(nil)

    init(
        options: Options, repo: FeatureRepo, membership: ClusterMembership, transport: NodeReplicaTransport,
        counters: AntiEntropyCounters, logger: Logger, clock: @escaping @Sendable () -> Int64 = WallClock.nowMicros
    ) {
        self.options = options
        self.repo = repo
        self.membership = membership
        self.transport = transport
        self.counters = counters
        self.logger = logger
        self.clock = clock
        self.schedule = Mutex(AntiEntropySchedule(intervalSeconds: options.intervalSeconds, partitionsPerSecond: options.partitionsPerSecond, nowMicros: clock()))
    }

    func start() {
        let loop = BackgroundLoop(name: "sk-anti-entropy", interval: 1) { [self] in
            tick()
            return false
        }
        self.loop.withLock { $0 = loop }
        loop.start()
    }

    /// Ends the loop after the round in progress, and waits for it.
    func stop() {
        loop.withLock { $0 }?.stop()
    }

    private var isStopping: Bool { loop.withLock { $0 }?.isStopping ?? false }

    /// The partitions a pass compares now: this node is their first replica, they have
    /// another, no move touches them and this node has loaded them.
    func eligiblePartitions() -> [Int] {
        guard let map = membership.map, let me = try? NodeID(membership.nodeID) else { return [] }
        let loaded = Set(membership.status.loadedPartitions)
        return (0..<map.partitionCount).filter { partition in
            let replicas = map.replicas(of: partition)
            return replicas.first == me && replicas.count >= 2 && map.move(of: partition) == nil && loaded.contains(partition)
        }
    }

    private func tick() {
        let now = clock()
        let action = schedule.withLock { $0.tick(nowMicros: now) { eligiblePartitions() } }
        guard case .compare(let partitions, let endsPass) = action else { return }
        if !partitions.isEmpty {
            // Partitions may have moved since the pass began.
            let still = Set(eligiblePartitions())
            let chunk = partitions.filter(still.contains)
            if !chunk.isEmpty { Self.waiting { await self.compareAndRepair(chunk) } }
        }
        if endsPass {
            let finished = clock()
            counters.update {
                $0.passes += 1
                $0.lastFullPassMicros = finished
            }
        }
    }

    /// One chunk: compare every partition's replicas, repair what differs.
    private func compareAndRepair(_ partitions: [Int]) async {
        guard let map = membership.map else { return }
        let repair = ReplicaRepair(transport: transport, mapEpoch: map.epoch)
        let sets = partitions.map { ReplicaSet(partition: $0, replicas: map.replicas(of: $0).map(\.rawValue)) }
        let comparison = await repair.compare(sets)
        let unverifiable = Set(comparison.unverifiable.map(\.partition)).count * repo.featureViews.count
        counters.update {
            $0.partitionsCompared += UInt64(comparison.compared)
            $0.partitionsDiffering += UInt64(comparison.differences.count)
            $0.partitionsUnverifiable += UInt64(unverifiable)
        }
        for problem in comparison.unverifiable {
            logger.debug("anti-entropy could not ask a replica", metadata: ["partition": "\(problem.partition)", "replica": "\(problem.node)", "reason": "\(problem.reason)"])
        }
        for difference in comparison.differences where !isStopping {
            do throws(SkewlessError) {
                let outcome = try await repair.repair(difference, settledBeforeMicros: clock() - options.settleMicros)
                let stored = outcome.rowsStored.values.reduce(0, +)
                counters.update { $0.rowsRepaired += UInt64(stored) }
                let each = outcome.difference.replicas.map { "\($0.node): \(outcome.rowsSent[$0.node] ?? 0) sent, \(outcome.rowsStored[$0.node] ?? 0) stored" }
                logger.info("anti-entropy repaired replicas that differed", metadata: [
                    "view": "\(difference.featureView)", "partition": "\(difference.partition)",
                    "replicas": "\(difference.replicas.map { "\($0.node) (\($0.rowCount) rows)" }.joined(separator: ", "))",
                    "rows": "\(each.joined(separator: "; "))", "buckets": "\(outcome.buckets.count)", "left to the write path": "\(outcome.unsettled)",
                ])
            } catch {
                logger.warning("anti-entropy could not repair a partition; the next pass tries again", metadata: [
                    "view": "\(difference.featureView)", "partition": "\(difference.partition)", "error": "\(error.message)",
                ])
            }
        }
    }

    /// Runs `body` and waits for it, on this loop's own thread (never an event loop or a
    /// thread of the concurrency pool).
    private static func waiting(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }
}
