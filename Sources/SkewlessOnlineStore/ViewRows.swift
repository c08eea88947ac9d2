import SkewlessModel

/// The rows of one feature view version chosen for a read, with the table they live in:
/// what `OnlineStore.withRows` hands its body while the view's lock is held.
///
/// Every field read through one `ViewRows` comes from the same row of each entity (rows
/// are written whole under the same lock), and the serving rule (`ServingRule`: TTL,
/// defaults, nulls) is applied by each read exactly as `OnlineStore.read` applies it.
/// Use it only inside the body it was passed to: it reaches the table's storage directly,
/// which is safe only under the lock.
package struct ViewRows {
    let table: FeatureTable
    let rows: [RowLookup]
    /// The stored row's event time per requested key, 0 where the key has no row. Shared by
    /// every field of the read.
    package let eventTimes: [Int64]

    init(table: FeatureTable, rows: [RowLookup], eventTimes: [Int64]) {
        self.table = table
        self.rows = rows
        self.eventTimes = eventTimes
    }

    /// Requested keys, in request order.
    package var count: Int { rows.count }

    /// Bytes per value when field `field` is served as packed little-endian values of
    /// fixed width (bool 1, float 4, double 8: their protobuf packed encoding); nil for
    /// every other type, which `column(field:)` reads.
    package func fixedWidth(ofField field: Int) -> Int? {
        table.columns[field].fixedWidth
    }

    /// Loads the stored values of `fields` for the requested rows before they are gathered
    /// one field at a time: a software prefetch. Each field's value of a random entity is a
    /// cache miss of its own (the store keeps one array per field); loaded back to back, the
    /// misses of all fields overlap, instead of one at a time between encoding steps. Worth
    /// it for a few rows (the gather of many rows already overlaps its loads); a no-op for
    /// more than `prefetchRowLimit`.
    package func prefetchFixedWidth(fields: [Int]) {
        guard rows.count <= Self.prefetchRowLimit else { return }
        var folded: UInt64 = 0
        for field in fields {
            folded ^= table.columns[field].touch(rows)
        }
        table.prefetchChecksum = folded
    }

    /// The most requested rows `prefetchFixedWidth(fields:)` loads ahead.
    static let prefetchRowLimit = 4

    /// Writes the served status of field `field` for every requested key into `statuses`,
    /// and its value into `values` (`count` values of `fixedWidth(ofField:)` bytes each,
    /// little-endian, unaligned allowed). The field must have a fixed width.
    package func gatherFixedWidth(field: Int, statuses: UnsafeMutableBufferPointer<ValueStatus>, values: UnsafeMutableRawPointer) {
        table.columns[field].gatherFixedWidth(rows, statuses: statuses, values: values)
    }

    /// The served values of field `field` as a column, for any type.
    package func column(field: Int) -> ReadColumn {
        let (values, statuses) = table.columns[field].read(rows)
        return ReadColumn(statuses: statuses, eventTimes: eventTimes, values: values)
    }
}
