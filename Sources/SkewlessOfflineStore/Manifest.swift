import SkewlessModel

/// The live segments of one view version (docs/segment-format.md, "Manifest"), replaced
/// whole and atomically: write a temporary file, fsync it, rename it over the old one,
/// fsync the directory.
package struct Manifest: Sendable, Hashable {
    /// "SKWLMAN1" read as a little-endian u64.
    static let magic: UInt64 = 0x314E_414D_4C57_4B53
    static let formatVersion: UInt32 = 1

    /// Larger than the number of every segment ever written in the directory.
    package var nextSegmentNumber: UInt64 = 1
    /// In ingestion order.
    package var segments: [SegmentSummary] = []

    package init(nextSegmentNumber: UInt64 = 1, segments: [SegmentSummary] = []) {
        self.nextSegmentNumber = nextSegmentNumber
        self.segments = segments
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
        guard version == Self.formatVersion else {
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
