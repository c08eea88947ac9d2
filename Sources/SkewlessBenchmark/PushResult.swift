import Histogram

/// What one push (or one share of it) did: every batch's acknowledgement latency and
/// outcome (`batches`, a `RunResult` whose requests are batches), the rows acknowledged,
/// and how long building each batch for the target's client took. Mergeable like
/// `RunResult`.
package struct PushResult: Sendable {
    /// Per batch: nanoseconds from the send (closed loop) or the batch's due time (a paced
    /// stream) to the acknowledgement; errors, timeouts, elapsed time.
    package var batches = RunResult()
    /// Rows in acknowledged batches.
    package var rows = 0
    /// Nanoseconds spent building each batch for the client (rows into `FeatureWrite`
    /// values, or RESP bytes) before sending it; not in `batches`' latencies.
    package var prepare = RunResult.makeHistogram()
    /// Acknowledged batches that some replica had not applied in time.
    package var batchesWithMissedReplicas = 0
    /// Acknowledged batches whose acknowledgement carried the write log's accepted time.
    package var durableAcknowledgements = 0

    package init() {}

    package var rowsPerSecond: Double { batches.elapsedSeconds > 0 ? Double(rows) / batches.elapsedSeconds : 0 }

    package mutating func record(_ outcome: PushOutcome, rows: Int, latency: UInt64, serviceTime: UInt64, prepare nanoseconds: UInt64) {
        batches.record(outcome.fetchOutcome, latency: latency, serviceTime: serviceTime)
        _ = prepare.record(max(1, min(nanoseconds, RunResult.highestTrackable)))
        if case .acknowledged(let missed, let accepted) = outcome {
            self.rows += rows
            if missed > 0 { batchesWithMissedReplicas += 1 }
            if accepted { durableAcknowledgements += 1 }
        }
    }

    /// Adds another worker's share (workers run side by side).
    package mutating func add(_ other: PushResult) {
        batches.add(other.batches)
        rows += other.rows
        prepare.add(other.prepare)
        batchesWithMissedReplicas += other.batchesWithMissedReplicas
        durableAcknowledgements += other.durableAcknowledgements
    }

    /// Adds a later slice of the same target (alternating rounds): elapsed times add up.
    package mutating func append(_ slice: PushResult) {
        let elapsed = batches.elapsedSeconds + slice.batches.elapsedSeconds
        add(slice)
        batches.elapsedSeconds = elapsed
    }
}
