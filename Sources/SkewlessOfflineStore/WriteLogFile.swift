import SkewlessModel

/// A write log file's header (docs/write-log.md, "Files"): 24 bytes that say what the file
/// is and which schema its records have.
///
/// | Offset | Size | Field |
/// | --- | --- | --- |
/// | 0 | 8 | magic number: the ASCII bytes `SKWLLOG1` |
/// | 8 | 4 | u32 format version, 1 |
/// | 12 | 8 | u64 schema fingerprint of the view (segment-format.md) |
/// | 20 | 4 | u32 CRC32C of bytes 0..<20 |
enum WriteLogFile {
    /// "SKWLLOG1" read as a little-endian u64.
    static let magic: UInt64 = 0x3147_4F4C_4C57_4B53
    static let formatVersion: UInt32 = 1
    static let headerSize = 24

    static func header(schema: SegmentSchema) -> [UInt8] {
        var writer = BinaryWriter(capacity: headerSize)
        writer.append(magic)
        writer.append(formatVersion)
        writer.append(schema.fingerprint)
        writer.append(CRC32C.checksum(of: writer.bytes))
        return writer.bytes
    }

    /// Why `bytes` do not start with a valid header for `schema`, or nil when they do.
    static func checkHeader(_ bytes: [UInt8], schema: SegmentSchema) -> String? {
        guard bytes.count >= headerSize else { return "its header is incomplete (\(bytes.count) bytes)" }
        var reader = BinaryReader(bytes, range: 0..<headerSize, subject: "a log header")
        guard (try? reader.read(UInt64.self, "the magic")) == magic else { return "it does not start with SKWLLOG1" }
        let version = (try? reader.read(UInt32.self, "the version")) ?? 0
        let fingerprint = (try? reader.read(UInt64.self, "the fingerprint")) ?? 0
        let stored = (try? reader.read(UInt32.self, "the CRC")) ?? 0
        guard CRC32C.checksum(of: bytes[0..<20]) == stored else { return "its header's CRC32C does not match" }
        guard version == formatVersion else { return "it has log format version \(version); this build reads version \(formatVersion)" }
        guard fingerprint == schema.fingerprint else { return "its records have another schema (fingerprint \(String(fingerprint, radix: 16)))" }
        return nil
    }

    /// Creates a log file with its header, synced, and syncs the directory.
    static func create(_ path: String, schema: SegmentSchema, directory: String) throws(SkewlessError) -> (DiskFile, UInt64) {
        let created = try DiskFile.create(path)
        do throws(SkewlessError) {
            try created.writeAll(header(schema: schema))
            try created.sync()
        } catch {
            created.closeFile()
            throw error
        }
        created.closeFile()
        try DiskFile.syncDirectory(directory)
        return (try DiskFile.openForAppending(path), UInt64(headerSize))
    }
}
