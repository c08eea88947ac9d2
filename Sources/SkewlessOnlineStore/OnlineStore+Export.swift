import SkewlessModel

// Paged reading of whole stored rows, for EXPORT_ROWS (a node copying partitions to
// another). An export is two steps: a snapshot of the matching keys, taken once, then pages
// of rows of those keys, each read under the view's lock like a read of that many keys.

extension OnlineStore {
    /// The keys of one view version's rows that `keep` accepts, in the order their entities
    /// were first written. The table's lock is held only to copy the key index (O(1), copy
    /// on write); the scan runs outside it, so reads and writes of the view do not wait for it.
    /// Rows written after the snapshot are not listed.
    /// - Throws: `notFound` for a view this store does not hold.
    package func exportKeys(view: FeatureView, where keep: (EntityKey) -> Bool) throws(SkewlessError) -> [EntityKey] {
        let index = try table(for: view).keyIndex
        return FeatureTable.keys(in: index, where: keep)
    }

    /// The stored rows of `keys` in one view version, whole: keys, event and created times,
    /// every field's values and nulls. Keys without a row are left out. Writing the batch to
    /// another store reproduces the rows, and never replaces a newer row there (the write rule
    /// compares (event time, created time)).
    /// - Throws: `notFound` for a view this store does not hold.
    package func exportRows(view: FeatureView, keys: some Collection<EntityKey>) throws(SkewlessError) -> WriteBatch {
        try table(for: view).exportedRows(of: Array(keys))
    }
}
