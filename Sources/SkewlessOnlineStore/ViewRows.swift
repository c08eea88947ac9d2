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

    /// Loads the records of the requested rows (`RowBlock`: every bool, float and double
    /// field of a row, side by side) before their fields are gathered one at a time: a
    /// software prefetch. A record of a random entity is a cache miss; this tight loop lets
    /// the misses of all rows overlap, instead of one at a time between encoding steps, and
    /// the gather then reads from the cache. A no-op past `prefetchValueLimit` values,
    /// whose lines would no longer all stay in the cache until they are gathered, and for
    /// views without such fields.
    package func prefetchFixedWidth(fields: [Int]) {
        guard rows.count * fields.count <= Self.prefetchValueLimit, let block = table.rowBlock else { return }
        Self.keep(block.touch(rows))
    }

    /// The most values (rows x fields) `prefetchFixedWidth(fields:)` loads ahead: 64k cache
    /// lines, 4 MiB, at most.
    static let prefetchValueLimit = 65_536

    /// Keeps the loads that computed `value` from being optimized away, without writing
    /// memory: readers of a table run at the same time.
    @_optimize(none)
    @inline(never)
    private static func keep(_ value: UInt64) {}

    /// Writes the served status of field `field` for every requested key into `statuses`,
    /// and its value into `values` (`count` values of `fixedWidth(ofField:)` bytes each,
    /// little-endian, unaligned allowed). The field must have a fixed width, and the buffers
    /// must be exactly that long: checked once per call in release builds too, since the
    /// writes themselves are unchecked.
    package func gatherFixedWidth(field: Int, statuses: UnsafeMutableBufferPointer<ValueStatus>, values: UnsafeMutableRawBufferPointer) {
        table.columns[field].gatherFixedWidth(rows, statuses: statuses, values: values)
    }

    /// The served values of field `field` as a column, for any type.
    package func column(field: Int) -> ReadColumn {
        let (values, statuses) = table.columns[field].read(rows)
        return ReadColumn(statuses: statuses, eventTimes: eventTimes, values: values)
    }
}
