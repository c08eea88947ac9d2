extension EntityKey {
    /// Part `index` of the key, in join-key order: `parts[index]` without building the
    /// array (validating a write checks every part of every key). `index` must be below `count`.
    @inlinable
    package func part(_ index: Int) -> KeyPart {
        switch storage {
        case .single(let part):
            precondition(index == 0, "part \(index) of a single-part entity key")
            return KeyPart(part)
        case .composite(let parts):
            return parts[index]
        }
    }
}
