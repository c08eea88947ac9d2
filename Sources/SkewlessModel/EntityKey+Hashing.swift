extension EntityKey {
    /// The hash `Dictionary` and `Set` use, with their per-table `seed`. A single int64 key
    /// hashes as its `Int64` does: the standard library's one-word SipHash (still seeded, so
    /// no easier to flood), instead of a `Hasher` fed through `hash(into:)` and finalized,
    /// which was a quarter of a materialization once the index was reserved (3M entities:
    /// 1.9-2.0 s -> 1.4-1.6 s). The online store's key index hashes every key of every read
    /// and write. Other keys feed `hash(into:)` to a hasher seeded with `seed`. Equal keys
    /// take the same branch, so they hash alike.
    @inlinable
    public func _rawHashValue(seed: Int) -> Int {
        if case .single(.int64(let value)) = storage {
            return value._rawHashValue(seed: seed)
        }
        var hasher = Hasher()
        hasher.combine(seed)
        hash(into: &hasher)
        return hasher.finalize()
    }
}
