import SkewlessModel

/// The fixed 72 bytes at the end of every segment (docs/segment-format.md, "Footer").
struct SegmentFooter: Sendable, Hashable {
    static let size = 72
    /// "SKWLSEG1" read as a little-endian u64.
    static let magic: UInt64 = 0x3147_4553_4C57_4B53
    static let formatVersion: UInt32 = 1

    var indexOffset: UInt64
    var indexSize: UInt32
    var formatVersion: UInt32 = SegmentFooter.formatVersion
    var rowCount: UInt64
    var minEventTime: Int64
    var maxEventTime: Int64
    var maxCreatedTime: Int64
    var schemaFingerprint: UInt64

    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: Self.size)
        writer.append(indexOffset)
        writer.append(indexSize)
        writer.append(formatVersion)
        writer.append(rowCount)
        writer.append(minEventTime)
        writer.append(maxEventTime)
        writer.append(maxCreatedTime)
        writer.append(schemaFingerprint)
        writer.append(UInt32(0))
        writer.append(CRC32C.checksum(of: writer.bytes))
        writer.append(Self.magic)
        return writer.bytes
    }

    /// Reads a footer, checking magic, checksum and version; `file` names it in errors.
    init(decoding bytes: [UInt8], file: String) throws(SkewlessError) {
        var reader = BinaryReader(bytes, subject: "the footer of \(file)")
        guard bytes.count == Self.size else { throw reader.truncated("the footer") }
        try reader.skip(64, "the footer")
        guard try reader.read(UInt64.self, "the magic number") == Self.magic else {
            throw SkewlessError(.dataLoss, "\(file) is not a Skewless segment or is truncated: its last 8 bytes are not the segment magic number")
        }
        let stored = bytes.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 60, as: UInt32.self)) }
        guard CRC32C.checksum(of: bytes[0..<60]) == stored else {
            throw SkewlessError(.dataLoss, "the footer of \(file) is corrupt: its CRC32C does not match")
        }
        reader = BinaryReader(bytes, range: 0..<60, subject: "the footer of \(file)")
        indexOffset = try reader.read(UInt64.self, "the index offset")
        indexSize = try reader.read(UInt32.self, "the index size")
        formatVersion = try reader.read(UInt32.self, "the format version")
        guard formatVersion == Self.formatVersion else {
            throw SkewlessError(.failedPrecondition, "\(file) has segment format version \(formatVersion); this build reads version \(Self.formatVersion): use a newer Skewless")
        }
        rowCount = try reader.read(UInt64.self, "the row count")
        minEventTime = try reader.read(Int64.self, "the minimum event time")
        maxEventTime = try reader.read(Int64.self, "the maximum event time")
        maxCreatedTime = try reader.read(Int64.self, "the maximum created time")
        schemaFingerprint = try reader.read(UInt64.self, "the schema fingerprint")
    }

    init(indexOffset: UInt64, indexSize: UInt32, rowCount: UInt64, minEventTime: Int64, maxEventTime: Int64, maxCreatedTime: Int64, schemaFingerprint: UInt64) {
        self.indexOffset = indexOffset
        self.indexSize = indexSize
        self.rowCount = rowCount
        self.minEventTime = minEventTime
        self.maxEventTime = maxEventTime
        self.maxCreatedTime = maxCreatedTime
        self.schemaFingerprint = schemaFingerprint
    }
}
