import Foundation
import SkewlessModel
import Synchronization
/// Sends a workload to a target's connections under a load model for a while, and records
/// every request. It knows nothing of Skewless or Redis (`TargetConnection`) nor of real
/// time (`BenchmarkClock`), so the schedule and the coordinated-omission correction are
/// tested against a simulated clock and a simulated stall.
package struct LoadDriver: Sendable {
    package var clock: any BenchmarkClock
    package var progress: ProgressCounter?
    /// Open loop: after the run, how long requests that are due but not yet sent (a backlog
    /// behind a stall or an overload) may still go out; the rest count as timeouts.
    package var drainNanoseconds: UInt64
    /// Whether workers run on their connection's `taskExecutor`. Off, they run wherever
    /// Swift Concurrency puts them (`SKEWLESS_TASK_EXECUTOR=0` in fsbench's environment).
    package var usesTargetExecutors: Bool

    package init(
        clock: any BenchmarkClock = MonotonicClock(), progress: ProgressCounter? = nil, drainNanoseconds: UInt64 = 1_000_000_000,
        usesTargetExecutors: Bool = ProcessInfo.processInfo.environment["SKEWLESS_TASK_EXECUTOR"] != "0"
    ) {
        self.clock = clock
        self.progress = progress
        self.drainNanoseconds = drainNanoseconds
        self.usesTargetExecutors = usesTargetExecutors
    }

    /// One measured slice.
    /// - Parameters:
    ///   - connections: `model.connections` open connections of one target.
    ///   - firstWorker: the key stream of worker w is `workload.keyGenerator(worker: firstWorker + w)`;
    ///     give every slice its own range, and two targets the same one to send them the same keys.
    package func run(
        connections: [any TargetConnection], model: LoadModel, workload: Workload, nanoseconds duration: UInt64, firstWorker: Int = 0
    ) async throws(SkewlessError) -> RunResult {
        guard connections.count == model.connections, model.inFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "the load model wants \(model.connections) connections x \(model.inFlight) in flight; got \(connections.count) connections")
        }
        var generators: [KeyGenerator] = []
        for worker in 0..<(connections.count * model.inFlight) {
            generators.append(try workload.keyGenerator(worker: firstWorker + worker))
        }
        // Each worker's histograms (3 x 221 KiB, 42 MiB for 64 workers) are allocated and
        // zeroed before the clock starts: allocated by the workers themselves, they held the
        // event loops for 10-16 ms at the start of every run, and the first requests of an
        // open loop waited behind it.
        let shares = (0..<generators.count).map { _ in WorkerShare() }
        let sum = WorkerShare()
        let start = clock.now()
        let end = start + duration
        let schedule: OpenLoopSchedule?
        if case .open(let rate, _, _) = model {
            schedule = try OpenLoopSchedule(start: start, rate: rate)
        } else {
            schedule = nil
        }
        let due = schedule?.requestCount(within: duration) ?? 0
        let tickets = TicketCounter()
        let entities = workload.entitiesPerRequest
        var total = await withTaskGroup(of: RunResult.self) { group in
            for (index, generator) in generators.enumerated() {
                let connection = connections[index / model.inFlight]
                let share = shares[index]
                group.addTask(executorPreference: usesTargetExecutors ? connection.taskExecutor : nil) {
                    if let schedule {
                        return await openLoopWorker(
                            connection: connection, keys: generator, entities: entities, into: share, schedule: schedule, tickets: tickets,
                            due: due, giveUpAt: end + drainNanoseconds)
                    }
                    return await closedLoopWorker(connection: connection, keys: generator, entities: entities, into: share, until: end)
                }
            }
            for await share in group { sum.result.withLock { $0.add(share) } }
            return sum.result.withLock { $0 }
        }
        total.elapsedSeconds = Double(clock.now() - start) / 1e9
        return total
    }

    private func closedLoopWorker(
        connection: any TargetConnection, keys: KeyGenerator, entities: Int, into share: WorkerShare, until end: UInt64
    ) async -> RunResult {
        var keys = keys
        while clock.now() < end {
            let ids = keys.next(count: entities)
            let sent = clock.now()
            let outcome = await connection.fetch(ids)
            let elapsed = clock.now() - sent
            share.result.withLock { $0.record(outcome, latency: elapsed, serviceTime: elapsed) }
            progress?.record(outcome)
        }
        return share.result.withLock { $0 }
    }

    /// Takes the next due request, waits for its intended time if that is still ahead, sends
    /// it and counts its latency from the intended time. Behind a stall every slot is busy,
    /// due requests pile up, go out late, and each carries its wait.
    private func openLoopWorker(
        connection: any TargetConnection, keys: KeyGenerator, entities: Int, into share: WorkerShare, schedule: OpenLoopSchedule,
        tickets: TicketCounter, due: Int, giveUpAt: UInt64
    ) async -> RunResult {
        var keys = keys
        while let ticket = tickets.take(below: due) {
            let intended = schedule.intendedStart(of: ticket)
            let slept = clock.now() < intended
            await clock.sleep(until: intended)
            let sent = clock.now()
            if slept {
                share.result.withLock { $0.recordWakeLateness(sent > intended ? sent - intended : 0) }
            }
            if sent > giveUpAt {
                share.result.withLock { $0.record(.timeout, latency: 0, serviceTime: 0) }
                progress?.record(.timeout)
                continue
            }
            let outcome = await connection.fetch(keys.next(count: entities))
            let done = clock.now()
            share.result.withLock { $0.record(outcome, latency: done - intended, serviceTime: done - sent) }
            progress?.record(outcome)
        }
        return share.result.withLock { $0 }
    }
}

/// One worker's results, allocated before a run's clock starts and recorded into in place.
/// (A `RunResult` handed to the worker by value would be copied, histograms and all, at its
/// first record, since the caller's copy still shares its storage.) Only its worker touches
/// it until the worker returns; the lock is never contended.
final class WorkerShare: Sendable {
    let result = Mutex(RunResult())
}
