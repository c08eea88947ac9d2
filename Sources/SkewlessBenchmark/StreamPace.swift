import SkewlessModel

/// The pace of an open-loop write stream: batches of `batchRows` rows at `rowsPerSecond`,
/// so one batch is due every `batchRows / rowsPerSecond` seconds (50,000 rows/s in batches
/// of 500: one every 10 ms). Batch i is due at start + i x interval whatever happened
/// before it, as a stream source produces events whether or not the store keeps up; a
/// store that falls behind shows as a lower achieved rate and acknowledgement latencies
/// counted from each batch's due time.
package struct StreamPace: Sendable, Hashable, CustomStringConvertible {
    package let rowsPerSecond: Double
    package let batchRows: Int

    package init(rowsPerSecond: Double, batchRows: Int) throws(SkewlessError) {
        guard rowsPerSecond.isFinite, rowsPerSecond > 0, batchRows >= 1 else {
            throw SkewlessError(.invalidArgument, "a write stream needs a positive rate and at least one row per batch; got \(rowsPerSecond) rows/s in batches of \(batchRows)")
        }
        guard rowsPerSecond / Double(batchRows) <= 1_000_000 else {
            throw SkewlessError(.invalidArgument, "\(Int(rowsPerSecond)) rows/s in batches of \(batchRows) is over 1,000,000 batches/s; give larger batches")
        }
        self.rowsPerSecond = rowsPerSecond
        self.batchRows = batchRows
    }

    /// Batches per second.
    package var batchRate: Double { rowsPerSecond / Double(batchRows) }

    /// Nanoseconds between two batches.
    package var intervalNanoseconds: Double { 1e9 / batchRate }

    /// When each batch is due, from `start` on the driver's clock.
    package func schedule(start: UInt64) throws(SkewlessError) -> OpenLoopSchedule {
        try OpenLoopSchedule(start: start, rate: batchRate)
    }

    /// "50000 rows/s (500-row batches every 10.0 ms)".
    package var description: String {
        "\(Int(rowsPerSecond.rounded())) rows/s (\(batchRows)-row batches every \(ReportTable.f(intervalNanoseconds / 1e6)) ms)"
    }
}
