import SkewlessModel

/// The live segments of one view version (docs/segment-format.md, "Manifest"), replaced
/// whole and atomically: write a temporary file, fsync it, rename it over the old one,
/// fsync the directory.
package struct Manifest: Sendable, Hashable {
    /// "SKWLMAN1" read as a little-endian u64.
    static let magic: UInt64 = 0x314E_414D_4C57_4B53
    /// Version 2 adds the write log's sealed positions and recently sealed batches; version 1
    /// manifests (no write log) are still read.
    static let formatVersion: UInt32 = 2

    /// Larger than the number of every segment ever written in the directory.
    package var nextSegmentNumber: UInt64 = 1
    /// In ingestion order.
    package var segments: [SegmentSummary] = []

    /// Per node id: how far that node's write log is sealed into segments. Records at or
    /// before a position are in segments (or were dropped as duplicates); readers start there.
    package var logs: [String: LogPosition] = [:]
    /// Batches sealed lately (within the store's deduplication window): a record of the
    /// log with one of these keys is a retry of a batch already stored, and is not stored again.
    package var sealedBatches: [SealedBatch] = []

    package init(nextSegmentNumber: UInt64 = 1, segments: [SegmentSummary] = [], logs: [String: LogPosition] = [:], sealedBatches: [SealedBatch] = []) {
        self.nextSegmentNumber = nextSegmentNumber
        self.segments = segments
        self.logs = logs
        self.sealedBatches = sealedBatches
    }

    package var rowCount: UInt64 { segments.reduce(0) { $0 + $1.rowCount } }

    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        writer.append(Self.magic)
        writer.append(Self.formatVersion)
        writer.append(nextSegmentNumber)
        writer.append(UInt32(segments.count))
        for segment in segments {
            writer.append(segment.number)
            writer.append(segment.rowCount)
            writer.append(segment.minEventTime)
            writer.append(segment.maxEventTime)
            writer.append(segment.maxCreatedTime)
            writer.append(segment.fileSize)
        }
        writer.append(UInt32(logs.count))
        for (node, position) in logs.sorted(by: { $0.key < $1.key }) {
            writer.appendShortString(node)
            writer.append(position.file)
            writer.append(position.offset)
            writer.append(position.sequence)
        }
        writer.append(UInt32(sealedBatches.count))
        for batch in sealedBatches {
            writer.append(batch.keyHash)
            writer.append(batch.acceptedTime)
        }
        writer.append(CRC32C.checksum(of: writer.bytes))
        return writer.bytes
    }

    init(decoding bytes: [UInt8], file: String) throws(SkewlessError) {
        guard bytes.count >= 4 else { throw SkewlessError(.dataLoss, "\(file) is truncated (\(bytes.count) bytes)") }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self)) }
        guard CRC32C.checksum(of: bytes[0..<(bytes.count - 4)]) == stored else {
            throw SkewlessError(.dataLoss, "\(file) is corrupt: its CRC32C does not match; restore it from a backup (the segment files it listed are still in the directory)")
        }
        var reader = BinaryReader(bytes, range: 0..<(bytes.count - 4), subject: file)
        guard try reader.read(UInt64.self, "the magic number") == Self.magic else {
            throw SkewlessError(.dataLoss, "\(file) is not a Skewless manifest")
        }
        let version = try reader.read(UInt32.self, "the format version")
        guard version == 1 || version == Self.formatVersion else {
            throw SkewlessError(.failedPrecondition, "\(file) has manifest format version \(version); this build reads version \(Self.formatVersion): use a newer Skewless")
        }
        nextSegmentNumber = try reader.read(UInt64.self, "the next segment number")
        let count = try reader.read(UInt32.self, "the segment count")
        for _ in 0..<count {
            segments.append(SegmentSummary(
                number: try reader.read(UInt64.self, "a segment number"), rowCount: try reader.read(UInt64.self, "a row count"),
                minEventTime: try reader.read(Int64.self, "an event time"), maxEventTime: try reader.read(Int64.self, "an event time"),
                maxCreatedTime: try reader.read(Int64.self, "a created time"), fileSize: try reader.read(UInt64.self, "a file size")))
        }
        if version >= 2 {
            let logCount = try reader.read(UInt32.self, "the log count")
            for _ in 0..<logCount {
                let node = try reader.readShortString("a node id")
                logs[node] = LogPosition(
                    file: try reader.read(UInt64.self, "a log file number"), offset: try reader.read(UInt64.self, "a log offset"),
                    sequence: try reader.read(UInt64.self, "a log sequence number"))
            }
            let batchCount = try reader.read(UInt32.self, "the sealed batch count")
            for _ in 0..<batchCount {
                sealedBatches.append(SealedBatch(keyHash: try reader.read(UInt64.self, "a key hash"), acceptedTime: try reader.read(Int64.self, "an acceptance time")))
            }
        }
        guard reader.isAtEnd else { throw SkewlessError(.dataLoss, "\(file) is corrupt: \(reader.remaining) bytes after the segments") }
    }

    /// The manifest of a view directory; an empty one when there is none yet.
    static func load(from directory: String, layout: StoreLayout) throws(SkewlessError) -> Manifest {
        let path = layout.manifest(in: directory)
        guard let bytes = try DiskFile.contents(path) else { return Manifest() }
        return try Manifest(decoding: bytes, file: path)
    }

    /// Replaces the directory's manifest atomically. `crashPoint` runs after the temporary
    /// file is synced and before the rename (tests simulate a crash there).
    func write(to directory: String, layout: StoreLayout, beforeRename crashPoint: () throws(SkewlessError) -> Void) throws(SkewlessError) {
        let temporary = layout.manifestTemporary(in: directory)
        try DiskFile.remove(temporary)
        let file = try DiskFile.create(temporary)
        do throws(SkewlessError) {
            try file.writeAll(encoded())
            try file.sync()
            file.closeFile()
        } catch {
            file.closeFile()
            throw error
        }
        try crashPoint()
        try DiskFile.moveAtomically(temporary, to: layout.manifest(in: directory))
        try DiskFile.syncDirectory(directory)
    }
}

/// A place in one node's write log of a view: just past a record.
package struct LogPosition: Sendable, Hashable {
    /// The log file (its name: the sequence number of its first record).
    package var file: UInt64
    /// The byte offset just past the record, in that file.
    package var offset: UInt64
    /// The record's sequence number.
    package var sequence: UInt64

    package init(file: UInt64, offset: UInt64, sequence: UInt64) {
        self.file = file
        self.offset = offset
        self.sequence = sequence
    }
}

/// A batch sealed into segments, remembered for the deduplication window.
package struct SealedBatch: Sendable, Hashable {
    /// FNV-1a 64 of the idempotency key.
    package var keyHash: UInt64
    package var acceptedTime: Int64

    package init(keyHash: UInt64, acceptedTime: Int64) {
        self.keyHash = keyHash
        self.acceptedTime = acceptedTime
    }
}
