import SkewlessModel
import Synchronization

extension LockedTable {
    /// `write` through the bulk path (`FeatureTable.load`): validates the whole batch, then
    /// applies it in slices of `sliceRows` rows, one lock acquisition each, so reads wait for
    /// at most one slice. The final state is the one `write` gives.
    func load(_ batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try applyInSlices(batch) { (table, rows) throws(SkewlessError) in
            try table.load(batch, rows: rows, nowMicros: nowMicros)
        }
    }

    /// Reserves the key index for `rows` rows in all (see `FeatureTable.reserveRows`).
    func reserveRows(_ rows: Int) {
        table.withWriteLock { $0.reserveRows(rows) }
    }
}
