import SkewlessModel

extension FeatureTable {
    /// A new table holding this table's rows except those whose key `remove` accepts, and the
    /// number of rows left out; nil when `remove` accepts none.
    ///
    /// Rows are copied whole (times, values, nulls; embeddings stay encoded) in slot order, so
    /// the new table is dense and sized for what it keeps: dropping rows gives memory back,
    /// which deleting slots in place from the chunked columns would not.
    func removingRows(where remove: @Sendable (EntityKey) -> Bool) -> (table: FeatureTable, removed: Int)? {
        var kept: [(key: EntityKey, slot: Int)] = []
        kept.reserveCapacity(index.count)
        for (key, slot) in index where !remove(key) {
            kept.append((key, Int(slot)))
        }
        let removed = index.count - kept.count
        guard removed > 0 else { return nil }
        kept.sort { $0.slot < $1.slot }
        let slots = kept.map(\.slot)
        let batch = WriteBatch(
            keys: kept.map(\.key),
            eventTimes: slots.map { eventTimes[$0] },
            createdTimes: slots.map { createdTimes[$0] },
            fields: columns.map { $0.stored(slots: slots) })
        let table = FeatureTable(schema: schema, expectedRows: kept.count)
        // Every row carries its created time, so `nowMicros` is unused; the one possible error
        // (more than `maxRows` rows) cannot happen with fewer rows than this table holds.
        _ = try? table.applyValidated(batch, rows: 0..<batch.rowCount, nowMicros: 0)
        return (table, removed)
    }
}
