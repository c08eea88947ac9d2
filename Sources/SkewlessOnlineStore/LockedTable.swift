import SkewlessModel

/// A `FeatureTable` behind a reader-writer lock, with its immutable schema outside it so
/// requests are validated before the lock is taken.
///
/// Reads share the lock: a node serves from every event loop, and a read now holds the lock
/// while it encodes its response straight from the table (`withRows`), long enough that
/// with a mutex two loops serving one view waited on each other. The lock prefers writers,
/// so reads cannot starve a write. Read paths must not change the table.
final class LockedTable: Sendable {
    let schema: TableSchema
    let table: ReadWriteLock<FeatureTable>

    /// Rows applied per lock acquisition: about 16k values, between 64 and 1024 rows.
    let sliceRows: Int

    init(schema: TableSchema, expectedRows: Int) {
        self.schema = schema
        self.sliceRows = max(64, min(1_024, 16_384 / max(1, schema.view.fields.count)))
        self.table = ReadWriteLock(FeatureTable(schema: schema, expectedRows: expectedRows))
    }

    /// Validates the whole batch, then applies it in slices of `sliceRows` rows, taking
    /// the lock once per slice so reads wait for at most one slice.
    ///
    /// Concurrent readers may see some rows of a batch before others, each row whole. The
    /// final state does not depend on the slicing (or on how concurrent writers interleave):
    /// each key ends with its newest row by (event time, created time).
    func write(_ batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try applyInSlices(batch) { (table, rows) throws(SkewlessError) in
            try table.applyValidated(batch, rows: rows, nowMicros: nowMicros)
        }
    }

    /// Validates `batch`, then calls `apply` under the lock for each slice of `sliceRows`
    /// rows in order, adding up what the slices wrote and ignored.
    func applyInSlices(
        _ batch: WriteBatch, _ apply: (FeatureTable, Range<Int>) throws(SkewlessError) -> WriteResult
    ) throws(SkewlessError) -> WriteResult {
        try schema.validate(batch)
        var result = WriteResult(rowsWritten: 0, rowsIgnoredOlder: 0)
        var start = 0
        while start < batch.rowCount {
            let rows = start..<min(batch.rowCount, start + sliceRows)
            let slice = try table.withWriteLock { (table) throws(SkewlessError) -> WriteResult in
                try apply(table, rows)
            }
            result.rowsWritten += slice.rowsWritten
            result.rowsIgnoredOlder += slice.rowsIgnoredOlder
            start = rows.upperBound
        }
        return result
    }

    func read(fieldIndexes: [Int], keys: [EntityKey], nowMicros: Int64) throws(SkewlessError) -> [ReadColumn] {
        try schema.validateRead(fieldIndexes: fieldIndexes, keys: keys)
        return try table.withReadLock { (table) throws(SkewlessError) -> [ReadColumn] in
            try table.readValidated(fieldIndexes: fieldIndexes, keys: keys, nowMicros: nowMicros)
        }
    }

    /// Runs `body` with the rows of `keys` under the lock (see `OnlineStore.withRows`).
    func withRows(keys: [EntityKey], nowMicros: Int64, _ body: (ViewRows) throws(SkewlessError) -> Void) throws(SkewlessError) {
        try schema.validateRead(fieldIndexes: [], keys: keys)
        try table.withReadLock { (table) throws(SkewlessError) in
            try body(table.rows(for: keys, nowMicros: nowMicros))
        }
    }

    /// Drops the rows whose key `remove` accepts, rebuilding the table under the lock (reads
    /// and writes of this view wait for the copy); returns how many were dropped.
    func removeRows(where remove: @Sendable (EntityKey) -> Bool) -> Int {
        table.withWriteLock { table in
            guard let smaller = table.removingRows(where: remove) else { return 0 }
            table = smaller.table
            return smaller.removed
        }
    }

    /// A copy of the key index, for an export's snapshot: O(1) under the lock (copy on
    /// write), so the scan of it runs outside.
    var keyIndex: [EntityKey: UInt32] {
        table.withReadLock { $0.index }
    }

    /// The stored rows of `keys` (`FeatureTable.exportedRows(of:)`), under the lock like a
    /// read of that many keys.
    func exportedRows(of keys: [EntityKey]) -> WriteBatch {
        table.withReadLock { $0.exportedRows(of: keys) }
    }

    var rowCount: Int {
        table.withReadLock { $0.rowCount }
    }

    var memoryFootprint: Int {
        table.withReadLock { $0.memoryFootprint }
    }
}
