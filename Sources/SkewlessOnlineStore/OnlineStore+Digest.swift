import SkewlessCluster
import SkewlessModel

// Per-partition digests of what the store holds (PARTITION_DIGEST, anti-entropy; see
// `RowDigest` and docs/protocol.md section 17). Read-only.

extension OnlineStore {
    /// The digest of every partition in `partitions` of one view version, computed from the
    /// rows stored now. Every listed partition has an entry (an empty one: no rows).
    ///
    /// Cost and locking, as an export (`exportKeys`, `exportRows`): the view's lock is held to
    /// copy the key index (O(1); the next write to the view then copies it, once), the scan of
    /// that copy for the partitions' keys runs outside the lock, and rows are read in slices of
    /// `sliceRows` keys, each under the lock like a read of that many keys, and hashed outside
    /// it. So reads and writes of the view go on meanwhile; a row written during the pass may or
    /// may not be counted in its new state, and an entity first written after the copy is not.
    /// Call it off the event loops.
    /// - Throws: `notFound` for a view this store does not hold.
    package func partitionDigests(
        view: FeatureView, partitioner: Partitioner, partitions: Set<Int>, sliceRows: Int = 1_024
    ) throws(SkewlessError) -> [Int: PartitionDigest] {
        let table = try table(for: view)
        var wanted = [Bool](repeating: false, count: partitioner.partitionCount)
        var digests: [Int: PartitionDigest] = [:]
        for partition in partitions where wanted.indices.contains(partition) {
            wanted[partition] = true
            digests[partition] = PartitionDigest()
        }
        // The keys to digest, each with its partition and bucket, from a copy of the index.
        var keys: [EntityKey] = []
        var places: [(partition: Int, bucket: Int)] = []
        do {
            let index = table.keyIndex
            for key in index.keys {
                let hash = Partitioner.hash(of: key)
                let partition = partitioner.partition(forHash: hash)
                guard wanted[partition] else { continue }
                keys.append(key)
                places.append((partition, RowDigest.bucket(ofKeyHash: hash)))
            }
        }
        let fields = view.fields
        var start = 0
        let step = max(1, sliceRows)
        while start < keys.count {
            let end = min(keys.count, start + step)
            let batch = table.exportedRows(of: Array(keys[start..<end]))
            let hashes = RowDigest.hashes(of: batch, fields: fields)
            // The batch lists the slice's keys still stored, in slice order.
            var position = start
            for (row, key) in batch.keys.enumerated() {
                while keys[position] != key { position += 1 }
                let place = places[position]
                digests[place.partition]?.add(rowDigest: hashes[row], bucket: place.bucket)
                position += 1
            }
            start = end
        }
        return digests
    }
}
