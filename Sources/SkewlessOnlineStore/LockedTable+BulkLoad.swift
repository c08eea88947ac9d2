import SkewlessModel
import Synchronization

extension LockedTable {
    /// `write` through the bulk path (`FeatureTable.load`): validates the whole batch, then
    /// applies it in slices of `sliceRows` rows, one lock acquisition each, so reads wait for
    /// at most one slice. The final state is the one `write` gives.
    func load(_ batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try schema.validate(batch)
        var result = WriteResult(rowsWritten: 0, rowsIgnoredOlder: 0)
        var start = 0
        while start < batch.rowCount {
            let rows = start..<min(batch.rowCount, start + sliceRows)
            let slice = try table.withLock { (table) throws(SkewlessError) -> WriteResult in
                try table.load(batch, rows: rows, nowMicros: nowMicros)
            }
            result.rowsWritten += slice.rowsWritten
            result.rowsIgnoredOlder += slice.rowsIgnoredOlder
            start = rows.upperBound
        }
        return result
    }

    /// Reserves the key index for `rows` rows in all (see `FeatureTable.reserveRows`).
    func reserveRows(_ rows: Int) {
        table.withLock { $0.reserveRows(rows) }
    }
}
