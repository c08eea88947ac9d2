import SkewlessModel

/// A served-feature log file's header (docs/served-log.md, "Files"): 16 bytes that say
/// what the file is.
///
/// | Offset | Size | Field |
/// | --- | --- | --- |
/// | 0 | 8 | magic number: the ASCII bytes `SKWLSRV1` |
/// | 8 | 4 | u32 format version, 1 |
/// | 12 | 4 | u32 CRC32C of bytes 0..<12 |
enum ServedLogFile {
    /// "SKWLSRV1" read as a little-endian u64.
    static let magic: UInt64 = 0x3156_5253_4C57_4B53
    static let formatVersion: UInt32 = 1
    static let headerSize = 16

    static func header() -> [UInt8] {
        var writer = BinaryWriter(capacity: headerSize)
        writer.append(magic)
        writer.append(formatVersion)
        writer.append(CRC32C.checksum(of: writer.bytes))
        return writer.bytes
    }

    /// Why `bytes` do not start with a valid header, or nil when they do.
    static func checkHeader(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= headerSize else { return "its header is incomplete (\(bytes.count) bytes)" }
        var reader = BinaryReader(bytes, range: 0..<headerSize, subject: "a served log header")
        guard (try? reader.read(UInt64.self, "the magic")) == magic else { return "it does not start with SKWLSRV1" }
        let version = (try? reader.read(UInt32.self, "the version")) ?? 0
        let stored = (try? reader.read(UInt32.self, "the CRC")) ?? 0
        guard CRC32C.checksum(of: bytes[0..<12]) == stored else { return "its header's CRC32C does not match" }
        guard version == formatVersion else { return "it has served log format version \(version); this build reads version \(formatVersion)" }
        return nil
    }

    /// Creates a log file with its header, synced, and syncs the directory.
    static func create(_ path: String, directory: String) throws(SkewlessError) -> DiskFile {
        let created = try DiskFile.create(path)
        do throws(SkewlessError) {
            try created.writeAll(header())
            try created.sync()
        } catch {
            created.closeFile()
            try? DiskFile.remove(path)
            throw error
        }
        created.closeFile()
        try DiskFile.syncDirectory(directory)
        return try DiskFile.openForAppending(path)
    }
}
