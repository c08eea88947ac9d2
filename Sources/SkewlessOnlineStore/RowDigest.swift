import SkewlessCluster
import SkewlessCompression
import SkewlessModel

/// The digest of one stored row, the unit replicas are compared by (PARTITION_DIGEST, anti-
/// entropy; docs/protocol.md section 17): xxHash64 (seed 0) of the row's canonical bytes,
///
/// ```
///   key        the entity key's canonical bytes (docs/cluster.md section 1)
///   i64 LE     event time (µs)
///   i64 LE     created time (µs)
///   per field, in view order:
///     00                      null
///     01 <value bytes>        a value:
///        bool          1 byte, 00 or 01
///        int32         4 bytes LE
///        int64         8 bytes LE        timestamp: 8 bytes LE (µs)
///        float         4 bytes LE (IEEE-754 bits as stored)
///        double        8 bytes LE (IEEE-754 bits as stored)
///        string        u32 LE byte count, UTF-8 bytes       bytes: u32 LE count, the bytes
///        embedding[N]  4N bytes: the N float32 LE, decompressed when stored as LZ4
///        int64_list    u32 LE count, 8 bytes LE each
///        string_list   u32 LE count, then each: u32 LE byte count, UTF-8 bytes
/// ```
///
/// Embeddings are hashed decoded, so a vector stored raw on one replica and LZ4 on another
/// (a client's encoding against the segment store's) is the same row. Every other value is
/// hashed exactly as stored and served: `-0.0` and `0.0`, or two NaNs with other bits, differ.
///
/// Rows are grouped into `bucketCount` buckets by the top 6 bits of the key's routing hash
/// (the partition is that hash mod P, so for a power-of-two P the two use disjoint bits): a
/// repair compares bucket digests to narrow down which rows differ without shipping them all.
package enum RowDigest {
    /// Buckets per partition.
    package static let bucketCount = 64

    /// The bucket of a key whose routing hash (`Partitioner.hash(of:)`) is `keyHash`.
    @inline(__always)
    package static func bucket(ofKeyHash keyHash: UInt64) -> Int {
        Int(truncatingIfNeeded: keyHash >> 58)
    }

    /// The bucket of a key.
    package static func bucket(of key: EntityKey) -> Int {
        bucket(ofKeyHash: Partitioner.hash(of: key))
    }

    /// The digest of every row of `batch` (rows with created times, as exported), for a view
    /// with `fields`. Rows of a batch without created times hash created time 0.
    package static func hashes(of batch: WriteBatch, fields: [Field]) -> [UInt64] {
        var hashers = [XXHash64](repeating: XXHash64(), count: batch.rowCount)
        for row in 0..<batch.rowCount {
            batch.keys[row].writeCanonicalBytes(into: &hashers[row])
            hashers[row].appendLittleEndian(UInt64(bitPattern: batch.eventTimes[row]), bytes: 8)
            hashers[row].appendLittleEndian(UInt64(bitPattern: batch.createdTimes?[row] ?? 0), bytes: 8)
        }
        // Column by column: one type dispatch per field, not per value.
        for field in fields.indices {
            guard field < batch.fields.count, let values = batch.fields[field] else {
                for row in hashers.indices { hashers[row].appendLittleEndian(0, bytes: 1) }
                continue
            }
            appendColumn(values, to: &hashers)
        }
        return hashers.map { $0.finalize() }
    }

    private static func appendColumn(_ column: FieldValues, to hashers: inout [XXHash64]) {
        let nulls = column.nullRows
        func each<T>(_ values: [T], _ append: (inout XXHash64, T) -> Void) {
            for row in hashers.indices {
                if let nulls, nulls[row] {
                    hashers[row].appendLittleEndian(0, bytes: 1)
                } else {
                    hashers[row].appendLittleEndian(1, bytes: 1)
                    append(&hashers[row], values[row])
                }
            }
        }
        switch column.values {
        case .bool(let values): each(values) { $0.appendLittleEndian($1 ? 1 : 0, bytes: 1) }
        case .int32(let values): each(values) { $0.appendLittleEndian(UInt64(UInt32(bitPattern: $1)), bytes: 4) }
        case .int64(let values), .timestamp(let values): each(values) { $0.appendLittleEndian(UInt64(bitPattern: $1), bytes: 8) }
        case .float(let values): each(values) { $0.appendLittleEndian(UInt64($1.bitPattern), bytes: 4) }
        case .double(let values): each(values) { $0.appendLittleEndian($1.bitPattern, bytes: 8) }
        case .string(let values): each(values) { $0.appendString($1) }
        case .bytes(let values):
            each(values) { hasher, bytes in
                hasher.appendLittleEndian(UInt64(bytes.count), bytes: 4)
                bytes.withUnsafeBytes { hasher.append($0) }
            }
        case .embedding(let values): each(values) { $0.appendEmbedding($1) }
        case .int64List(let values):
            each(values) { hasher, list in
                hasher.appendLittleEndian(UInt64(list.count), bytes: 4)
                for value in list { hasher.appendLittleEndian(UInt64(bitPattern: value), bytes: 8) }
            }
        case .stringList(let values):
            each(values) { hasher, list in
                hasher.appendLittleEndian(UInt64(list.count), bytes: 4)
                for value in list { hasher.appendString(value) }
            }
        }
    }
}

extension XXHash64 {
    /// Appends the low `bytes` bytes of `value`, little-endian.
    @inline(__always)
    fileprivate mutating func appendLittleEndian(_ value: UInt64, bytes: Int) {
        var word = value.littleEndian
        withUnsafeBytes(of: &word) { append(UnsafeRawBufferPointer(rebasing: $0[0..<bytes])) }
    }

    fileprivate mutating func appendString(_ string: String) {
        var string = string
        appendLittleEndian(UInt64(string.utf8.count), bytes: 4)
        string.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// The vector's float32s, little-endian; stored LZ4 blocks are decompressed first. A
    /// stored value that does not decode (which the write path's checks rule out) hashes as
    /// its stored bytes after a 02 byte, so it still differs from any valid value.
    fileprivate mutating func appendEmbedding(_ embedding: EncodedEmbedding) {
        guard embedding.isCompressed else {
            embedding.bytes.withUnsafeBytes { append($0) }
            return
        }
        do {
            let vector = try EmbeddingCodec.decode(embedding)
            for value in vector { appendLittleEndian(UInt64(value.bitPattern), bytes: 4) }
        } catch {
            appendLittleEndian(2, bytes: 1)
            embedding.bytes.withUnsafeBytes { append($0) }
        }
    }
}
