import SkewlessModel

/// Loading many rows at once: what materialization from the offline store uses.
extension OnlineStore {
    /// Writes a batch of rows to one view version like `write` (same validation, same
    /// rule, same final state, applied in slices), through the column-at-a-time path
    /// (`FeatureTable.load`), which is faster for large batches of new keys.
    /// - Throws: as `write`.
    package func load(view: FeatureView, batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try table(for: view).load(batch, nowMicros: nowMicros)
    }

    /// Makes room in one view version's key index for `rows` rows in all, so a load of that
    /// many entities does not rehash the index while it grows (under the table's lock). A
    /// hint: it never shrinks the index; it does nothing for a view this store does not hold.
    package func reserveRows(view: FeatureView, rows: Int) {
        (try? table(for: view))?.reserveRows(rows)
    }
}
