import SkewlessModel

// Reading whole stored rows back out, for a cluster node copying partitions to another node
// (EXPORT_ROWS, docs/cluster.md section 7). Read-only: nothing here changes the table.

extension FeatureTable {
    /// The keys of the rows `keep` accepts, in slot order (the order their entities were
    /// first written), from a snapshot of the key index.
    ///
    /// Call it on a copy of `index` taken under the lock (copying the dictionary is O(1)),
    /// so the O(rows) scan runs outside the lock: see `OnlineStore.exportKeys`.
    static func keys(in index: [EntityKey: UInt32], where keep: (EntityKey) -> Bool) -> [EntityKey] {
        var matching: [(key: EntityKey, slot: UInt32)] = []
        for (key, slot) in index where keep(key) {
            matching.append((key, slot))
        }
        matching.sort { $0.slot < $1.slot }
        return matching.map(\.key)
    }

    /// The stored rows of `keys` as a batch that writing to another table of the same view
    /// reproduces exactly: keys, event and created times, every field's values and nulls
    /// (embeddings as stored, raw or LZ4). Keys without a row (dropped since the snapshot)
    /// are left out; the others keep their order.
    func exportedRows(of keys: some Sequence<EntityKey>) -> WriteBatch {
        var found: [EntityKey] = []
        var slots: [Int] = []
        for key in keys {
            if let slot = index[key] {
                found.append(key)
                slots.append(Int(slot))
            }
        }
        return WriteBatch(
            keys: found,
            eventTimes: slots.map { eventTimes[$0] },
            createdTimes: slots.map { createdTimes[$0] },
            fields: columns.map { $0.stored(slots: slots) })
    }
}
