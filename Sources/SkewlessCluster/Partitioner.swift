import SkewlessModel

/// Maps entity keys to partitions: `xxHash64(canonical key bytes, seed 0) mod partitionCount`
/// (docs/cluster.md). The one part of cluster placement a client computes itself; which nodes
/// hold a partition it reads from the cluster map.
package struct Partitioner: Sendable, Hashable {
    /// The default number of partitions of a new cluster: enough that partition counts balance
    /// within a few percent up to about 100 nodes, few enough that per-partition bookkeeping
    /// (the map, move plans, per-partition loading) stays small.
    package static let defaultPartitionCount = 1024
    /// The largest partition count a cluster may have.
    package static let maximumPartitionCount = 65536

    package let partitionCount: Int

    /// - Throws: `INVALID_ARGUMENT` unless `1 <= partitionCount <= 65536`.
    package init(partitionCount: Int = Partitioner.defaultPartitionCount) throws(SkewlessError) {
        guard (1...Self.maximumPartitionCount).contains(partitionCount) else {
            throw SkewlessError(.invalidArgument, "a cluster has 1 to \(Self.maximumPartitionCount) partitions, not \(partitionCount): the default, \(Self.defaultPartitionCount), suits up to about 100 nodes")
        }
        self.partitionCount = partitionCount
    }

    /// The routing hash of a key: xxHash64 of its canonical bytes, seed 0.
    package static func hash(of key: EntityKey) -> UInt64 {
        if key.count == 1, case .int64(let value) = key.part(0).storage {
            return hash(ofInt64: value)
        }
        var hasher = XXHash64()
        key.writeCanonicalBytes(into: &hasher)
        return hasher.finalize()
    }

    package func partition(of key: EntityKey) -> Int {
        partition(forHash: Self.hash(of: key))
    }

    /// The routing hash of a single int64 key: its canonical bytes are tag `01` and the value's
    /// 8 bytes little-endian, so the first 8-byte lane is the tag and the value's low 7 bytes,
    /// and the ninth byte is the value's high byte.
    package static func hash(ofInt64 value: Int64) -> UInt64 {
        let bits = UInt64(bitPattern: value)
        return XXHash64.hashOfNineBytes(lane: UInt64(KeyPart.int64Tag) | bits << 8, last: UInt8(truncatingIfNeeded: bits >> 56))
    }

    /// The partition of a single-part key (allocates nothing).
    package func partition(of part: KeyPart) -> Int {
        if case .int64(let value) = part.storage {
            return partition(ofInt64: value)
        }
        var hasher = XXHash64()
        part.writeCanonicalBytes(into: &hasher)
        return partition(forHash: hasher.finalize())
    }

    /// The partition of a single int64 key, straight from a request's key column.
    package func partition(ofInt64 value: Int64) -> Int {
        partition(forHash: Self.hash(ofInt64: value))
    }

    /// The partition of a single string key, straight from a request's key column.
    package func partition(ofString value: String) -> Int {
        var hasher = XXHash64()
        KeyPart.writeCanonicalBytes(string: value, into: &hasher)
        return partition(forHash: hasher.finalize())
    }

    /// The partition of a key given as its parts in the view's join-key order (a composite
    /// key read across a request's key columns, without building an `EntityKey`).
    package func partition(ofParts parts: some Sequence<KeyPart>) -> Int {
        var hasher = XXHash64()
        for part in parts {
            part.writeCanonicalBytes(into: &hasher)
        }
        return partition(forHash: hasher.finalize())
    }

    package func partition(forHash hash: UInt64) -> Int {
        Int(hash % UInt64(partitionCount))
    }
}
