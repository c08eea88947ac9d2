import SkewlessModel

/// Pushes batches of rows to a target's connections and records every acknowledgement.
/// Like `LoadDriver` it knows nothing of Skewless or Redis (`PushConnection`) nor of real
/// time (`BenchmarkClock`), so its pacing is tested against a simulated clock.
///
/// Two ways to push:
/// - `push`, closed loop, for throughput: `inFlight` workers each send a batch and wait for
///   its acknowledgement before sending the next, so at most `inFlight` batches await
///   acknowledgements at any time (a producer with a bounded window). Latency is from the
///   send; the elapsed time runs until the last acknowledgement.
/// - `stream`, open loop, for a background stream at a fixed pace: batch i is due at
///   start + i x interval (`StreamPace`) and built before it is due; up to `inFlight` are
///   outstanding. Latency is from each batch's due time, so a store that falls behind
///   shows it (no coordinated omission), and the achieved rate drops below the pace.
///
/// Batch numbers come from one counter per run starting at `firstBatch`: give two
/// targets the same `firstBatch` to send them the same rows.
package struct PushDriver: Sendable {
    package var clock: any BenchmarkClock
    package var progress: ProgressCounter?

    package init(clock: any BenchmarkClock = MonotonicClock(), progress: ProgressCounter? = nil) {
        self.clock = clock
        self.progress = progress
    }

    /// How much a closed-loop push sends.
    package enum Amount: Sendable, Hashable {
        /// This many batches, then stop.
        case batches(Int)
        /// New batches until this much time has passed; those in flight are still awaited.
        case nanoseconds(UInt64)
    }

    /// A closed-loop push (see the type's description).
    /// - Parameter inFlight: workers, spread over `connections` in turn.
    package func push(
        connections: [any PushConnection], source: PushRowSource, inFlight: Int, amount: Amount, firstBatch: Int = 0
    ) async throws(SkewlessError) -> PushResult {
        guard !connections.isEmpty, inFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "a push needs a connection and at least one batch in flight")
        }
        let tickets = TicketCounter()
        let start = clock.now()
        let limit: Int
        let end: UInt64
        switch amount {
        case .batches(let count):
            guard count >= 1 else { throw SkewlessError(.invalidArgument, "push at least one batch") }
            (limit, end) = (count, UInt64.max)
        case .nanoseconds(let duration):
            (limit, end) = (Int.max, start &+ duration)
        }
        var total = await withTaskGroup(of: PushResult.self) { group in
            for worker in 0..<inFlight {
                let connection = connections[worker % connections.count]
                group.addTask {
                    await closedLoopWorker(connection, source: source, tickets: tickets, limit: limit, end: end, firstBatch: firstBatch)
                }
            }
            var total = PushResult()
            for await share in group { total.add(share) }
            return total
        }
        total.batches.elapsedSeconds = Double(clock.now() - start) / 1e9
        return total
    }

    /// A paced stream until `stop` is set (see the type's description). Batches due but not
    /// yet sent when it is set are not sent. The elapsed time runs until `stop` was set or
    /// the last acknowledgement came, whichever is later.
    package func stream(
        connections: [any PushConnection], source: PushRowSource, pace: StreamPace, inFlight: Int, firstBatch: Int = 0, until stop: StopSignal
    ) async throws(SkewlessError) -> PushResult {
        guard !connections.isEmpty, inFlight >= 1 else {
            throw SkewlessError(.invalidArgument, "a stream needs a connection and at least one batch in flight")
        }
        guard pace.batchRows == source.rowsPerBatch else {
            throw SkewlessError(.invalidArgument, "the stream's pace is for batches of \(pace.batchRows) rows, its rows come in \(source.rowsPerBatch)")
        }
        let start = clock.now()
        let schedule = try pace.schedule(start: start)
        let tickets = TicketCounter()
        var (total, lastAcknowledged) = await withTaskGroup(of: (PushResult, UInt64).self) { group in
            for worker in 0..<inFlight {
                let connection = connections[worker % connections.count]
                group.addTask {
                    await streamWorker(connection, source: source, schedule: schedule, tickets: tickets, firstBatch: firstBatch, stop: stop)
                }
            }
            var total = PushResult()
            var last = start
            for await (share, done) in group {
                total.add(share)
                last = max(last, done)
            }
            return (total, last)
        }
        let end = max(stop.time ?? clock.now(), lastAcknowledged)
        total.batches.elapsedSeconds = Double(end > start ? end - start : 0) / 1e9
        return total
    }

    private func closedLoopWorker<Connection: PushConnection>(
        _ connection: Connection, source: PushRowSource, tickets: TicketCounter, limit: Int, end: UInt64, firstBatch: Int
    ) async -> PushResult {
        var result = PushResult()
        while clock.now() < end, let ticket = tickets.take(below: limit) {
            let batch = source.batch(firstBatch + ticket)
            let building = clock.now()
            let prepared = connection.prepare(batch)
            let sent = clock.now()
            let outcome = await connection.send(prepared, rows: batch.rowCount)
            let elapsed = clock.now() - sent
            result.record(outcome, rows: batch.rowCount, latency: elapsed, serviceTime: elapsed, prepare: sent - building)
            progress?.record(outcome.fetchOutcome)
        }
        return result
    }

    private func streamWorker<Connection: PushConnection>(
        _ connection: Connection, source: PushRowSource, schedule: OpenLoopSchedule, tickets: TicketCounter, firstBatch: Int, stop: StopSignal
    ) async -> (PushResult, lastAcknowledged: UInt64) {
        var result = PushResult()
        var last: UInt64 = 0
        while !stop.isStopped, let ticket = tickets.take(below: Int.max) {
            let batch = source.batch(firstBatch + ticket)
            let building = clock.now()
            let prepared = connection.prepare(batch)
            let built = clock.now()
            let due = schedule.intendedStart(of: ticket)
            let slept = built < due
            await clock.sleep(until: due)
            if stop.isStopped { break }
            let sent = clock.now()
            if slept { result.batches.recordWakeLateness(sent > due ? sent - due : 0) }
            let outcome = await connection.send(prepared, rows: batch.rowCount)
            let done = clock.now()
            last = done
            result.record(outcome, rows: batch.rowCount, latency: done - due, serviceTime: done - sent, prepare: built - building)
            progress?.record(outcome.fetchOutcome)
        }
        return (result, last)
    }
}
