import SkewlessModel

/// The bool, float and double values of one table, stored row by row: each row slot is one
/// `stride`-byte record holding every such field at its own offset.
///
/// Why: a read gathers every requested field of a few random rows. Stored one array per
/// field, each (row, field) was a cache miss of its own (50 for a row of 50 floats); stored
/// together, a row of 50 floats is 200 bytes, four cache lines next to each other. Other
/// types (integers, strings, lists, embeddings) keep one `ChunkedArray` per field.
///
/// Rows live in chunks of `chunkRows` records, so growing never moves existing rows; the
/// last chunk grows by doubling up to that size, so small tables stay small. New records
/// are zeroed (every fixed-width type's zero value and the vacant value of null rows).
///
/// The chunk table is a plain pointer, not an array: a read loads a chunk address without
/// retaining anything (tables are read from several event loops at once, and atomic
/// reference counting on a shared object is what reads must avoid). Reached only under the
/// table's lock, like the columns.
final class RowBlock {
    /// Bytes per row record, a multiple of 8.
    let stride: Int
    /// log2 of the records per chunk.
    static let chunkShift = 12
    static var chunkRows: Int { 1 << chunkShift }

    private var chunkTable: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private var chunkTableCapacity = 4
    private var chunkCount = 0
    /// Records allocated in the last chunk.
    private var lastChunkRows = 0
    /// Records in use: the most any field has.
    private(set) var rows = 0

    /// - Parameter stride: bytes per record; rounded up to a multiple of 8.
    init(stride: Int) {
        self.stride = max(8, (stride + 7) & ~7)
        chunkTable = .allocate(capacity: chunkTableCapacity)
    }

    deinit {
        for chunk in 0..<chunkCount {
            chunkTable[chunk].deallocate()
        }
        chunkTable.deallocate()
    }

    /// The record of row `row`, which must be below `rows`.
    @inline(__always)
    func record(_ row: Int) -> UnsafeMutableRawPointer {
        chunkTable[row >> Self.chunkShift] + (row & (Self.chunkRows - 1)) &* stride
    }

    /// Loads every cache line of each requested row's record and folds a byte of each into
    /// a checksum, so the cache misses of all the rows overlap before their fields are
    /// gathered one at a time (see `ViewRows.prefetchFixedWidth`).
    func touch(_ rows: [RowLookup]) -> UInt64 {
        var folded: UInt64 = 0
        for row in rows where row.slot >= 0 {
            let record = self.record(row.slot)
            var offset = 0
            while offset < stride {
                folded ^= UInt64(record.load(fromByteOffset: offset, as: UInt8.self))
                offset += 64
            }
            folded ^= UInt64(record.load(fromByteOffset: stride - 1, as: UInt8.self))
        }
        return folded
    }

    /// Grows to at least `count` rows, zeroing the new records.
    func ensureRows(_ count: Int) {
        guard count > rows else { return }
        var remaining = count - rows
        while remaining > 0 {
            let used = rows & (Self.chunkRows - 1)
            if used == 0 && (chunkCount == 0 || lastChunkRows == Self.chunkRows) {
                addChunk(rows: min(Self.chunkRows, max(16, remaining)))
            }
            let room = Self.chunkRows - used
            let take = min(remaining, room)
            if used + take > lastChunkRows {
                growLastChunk(to: min(Self.chunkRows, max(used + take, lastChunkRows * 2)))
            }
            rows += take
            remaining -= take
        }
    }

    private func addChunk(rows capacity: Int) {
        if chunkCount == chunkTableCapacity {
            let bigger = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: chunkTableCapacity * 2)
            bigger.moveInitialize(from: chunkTable, count: chunkCount)
            chunkTable.deallocate()
            chunkTable = bigger
            chunkTableCapacity *= 2
        }
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity * stride, alignment: 16)
        chunk.initializeMemory(as: UInt8.self, repeating: 0, count: capacity * stride)
        (chunkTable + chunkCount).initialize(to: chunk)
        chunkCount += 1
        lastChunkRows = capacity
    }

    private func growLastChunk(to capacity: Int) {
        let old = chunkTable[chunkCount - 1]
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: capacity * stride, alignment: 16)
        chunk.copyMemory(from: old, byteCount: lastChunkRows * stride)
        (chunk + lastChunkRows * stride).initializeMemory(as: UInt8.self, repeating: 0, count: (capacity - lastChunkRows) * stride)
        old.deallocate()
        chunkTable[chunkCount - 1] = chunk
        lastChunkRows = capacity
    }

    /// Bytes allocated for records and the chunk table.
    var allocatedBytes: Int {
        let full = max(0, chunkCount - 1) * Self.chunkRows
        return (full + (chunkCount > 0 ? lastChunkRows : 0)) * stride + chunkTableCapacity * MemoryLayout<UnsafeMutableRawPointer>.stride
    }

    /// The record offset of each field stored here (nil for fields of other types): wider
    /// values first, so each is aligned to its width; and the record size.
    static func layout(of fields: [Field]) -> (offsets: [Int?], stride: Int) {
        var offsets = [Int?](repeating: nil, count: fields.count)
        var offset = 0
        for width in [8, 4, 1] {
            for (index, field) in fields.enumerated() where Self.width(of: field.type) == width {
                offsets[index] = offset
                offset += width
            }
        }
        return (offsets, offset)
    }

    /// Bytes per value of the types stored row by row; nil for the others.
    static func width(of type: FeatureType) -> Int? {
        switch type.storage {
        case .double: return 8
        case .float: return 4
        case .bool: return 1
        default: return nil
        }
    }
}
