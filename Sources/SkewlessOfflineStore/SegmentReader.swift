import SkewlessModel

/// Reads one segment file written by `SegmentWriter`, checking every block it reads.
///
/// Opening reads and checks the footer (magic, CRC32C, format version, schema fingerprint)
/// and the index block (CRC32C, every block handle within the file). Column blocks are read
/// on demand, one at a time, and each one's CRC32C is checked before a byte of it is
/// decoded: a corrupt block throws `dataLoss` naming the file, the block and the column,
/// and nothing of it is returned.
package final class SegmentReader: Sendable {
    package let path: String
    /// The file name, as errors name it.
    package let name: String
    package let schema: SegmentSchema
    package let rowCount: Int
    package let minEventTime: Int64
    package let maxEventTime: Int64
    package let maxCreatedTime: Int64
    let rowGroups: [SegmentIndex.RowGroup]
    private let file: DiskFile

    /// Opens a segment; with `expecting`, refuses one whose schema fingerprint differs.
    package init(path: String, expecting expected: SegmentSchema? = nil) throws(SkewlessError) {
        self.path = path
        self.name = String(path.split(separator: "/").last ?? Substring(path))
        let file = try DiskFile.openForReading(path)
        do throws(SkewlessError) {
            let size = try file.size()
            guard size >= UInt64(SegmentFooter.size) else {
                throw SkewlessError(.dataLoss, "\(path) is truncated: \(size) bytes is less than a segment footer (\(SegmentFooter.size) bytes)")
            }
            let footerBytes = try file.read(count: SegmentFooter.size, at: size - UInt64(SegmentFooter.size), what: "the footer")
            let footer = try SegmentFooter(decoding: footerBytes, file: path)
            if let expected, footer.schemaFingerprint != expected.fingerprint {
                throw SkewlessError(.failedPrecondition, "\(path) holds rows of another schema (fingerprint \(String(footer.schemaFingerprint, radix: 16)), expected \(String(expected.fingerprint, radix: 16)) for \(expected.canonicalText)): a view's schema cannot change within a version; define a new version")
            }
            let indexEnd = footer.indexOffset + UInt64(footer.indexSize) + 4
            guard indexEnd == size - UInt64(SegmentFooter.size) else {
                throw SkewlessError(.dataLoss, "the footer of \(path) is corrupt: the index block it points to does not end where the footer starts")
            }
            let indexBytes = try Self.readBlock(file, offset: footer.indexOffset, size: footer.indexSize, what: "the index block", path: path)
            var reader = BinaryReader(indexBytes, range: 0..<Int(footer.indexSize), subject: "the index block of \(path)")
            let index = try SegmentIndex(decoding: &reader)
            guard index.schema.fingerprint == footer.schemaFingerprint else {
                throw SkewlessError(.dataLoss, "\(path) is corrupt: the schema in its index does not match the footer's fingerprint")
            }
            guard index.rowGroups.reduce(0, { $0 + $1.rowCount }) == Int(footer.rowCount) else {
                throw SkewlessError(.dataLoss, "\(path) is corrupt: its row groups do not add up to the footer's row count \(footer.rowCount)")
            }
            for (group, rowGroup) in index.rowGroups.enumerated() {
                for (column, block) in rowGroup.blocks.enumerated() where block.offset + UInt64(block.size) + 4 > footer.indexOffset {
                    throw SkewlessError(.dataLoss, "the index block of \(path) is corrupt: the block of row group \(group), \(index.schema.columnName(column)) lies outside the data")
                }
            }
            self.schema = index.schema
            self.rowGroups = index.rowGroups
            self.rowCount = Int(footer.rowCount)
            self.minEventTime = footer.minEventTime
            self.maxEventTime = footer.maxEventTime
            self.maxCreatedTime = footer.maxCreatedTime
            self.file = file
        } catch {
            file.closeFile()
            throw error
        }
    }

    deinit {
        file.closeFile()
    }

    package var rowGroupCount: Int { rowGroups.count }

    package func rowCount(ofGroup group: Int) -> Int { rowGroups[group].rowCount }

    // MARK: - Column blocks

    package func keys(ofGroup group: Int) throws(SkewlessError) -> KeyColumns {
        var parts: [KeyColumn] = []
        for (index, key) in schema.joinKeys.enumerated() {
            var reader = try blockReader(group: group, column: index)
            parts.append(try ColumnBlockCodec.decodeKey(&reader, type: key.type, rows: rowGroups[group].rowCount))
        }
        return KeyColumns(parts: parts)
    }

    package func eventTimes(ofGroup group: Int) throws(SkewlessError) -> [Int64] {
        var reader = try blockReader(group: group, column: schema.eventTimeColumn)
        return try ColumnBlockCodec.decodeTimes(&reader, rows: rowGroups[group].rowCount)
    }

    package func createdTimes(ofGroup group: Int) throws(SkewlessError) -> [Int64] {
        var reader = try blockReader(group: group, column: schema.createdTimeColumn)
        return try ColumnBlockCodec.decodeTimes(&reader, rows: rowGroups[group].rowCount)
    }

    package func field(_ field: Int, ofGroup group: Int) throws(SkewlessError) -> FieldValues {
        var reader = try blockReader(group: group, column: schema.fieldColumn(field))
        let (values, nulls) = try ColumnBlockCodec.decode(&reader, type: schema.fields[field].type, rows: rowGroups[group].rowCount)
        return FieldValues(values: values, nullRows: nulls)
    }

    /// Every column of a row group.
    package func rows(ofGroup group: Int) throws(SkewlessError) -> SegmentRows {
        var fields: [FieldValues] = []
        for index in schema.fields.indices {
            fields.append(try field(index, ofGroup: group))
        }
        return SegmentRows(keys: try keys(ofGroup: group), eventTimes: try eventTimes(ofGroup: group), createdTimes: try createdTimes(ofGroup: group), fields: fields)
    }

    /// Every row of the segment (for tests and small segments).
    package func allRows() throws(SkewlessError) -> SegmentRows {
        var all = SegmentRows(schema: schema)
        for group in rowGroups.indices {
            let rows = try rows(ofGroup: group)
            for row in 0..<rows.count { all.append(from: rows, row: row) }
        }
        return all
    }

    private func blockReader(group: Int, column: Int) throws(SkewlessError) -> BinaryReader {
        let handle = rowGroups[group].blocks[column]
        let what = "block \(group * schema.columnCount + column) (row group \(group), \(schema.columnName(column)))"
        let bytes = try Self.readBlock(file, offset: handle.offset, size: handle.size, what: what, path: path)
        return BinaryReader(bytes, range: 0..<Int(handle.size), subject: "\(what) of \(path)")
    }

    /// Reads a block's payload and trailer, and checks the CRC32C.
    private static func readBlock(_ file: DiskFile, offset: UInt64, size: UInt32, what: String, path: String) throws(SkewlessError) -> [UInt8] {
        let bytes = try file.read(count: Int(size) + 4, at: offset, what: what)
        let payloadSize = Int(size)
        let (computed, stored) = bytes.withUnsafeBytes { raw in
            (CRC32C.checksum(of: UnsafeRawBufferPointer(rebasing: raw[0..<payloadSize])),
             UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: payloadSize, as: UInt32.self)))
        }
        guard computed == stored else {
            throw SkewlessError(.dataLoss, "\(path): \(what) is corrupt: its CRC32C is \(String(computed, radix: 16)) but the block says \(String(stored, radix: 16)); restore the file from a replica or backup, or delete it from the manifest to drop its rows")
        }
        return bytes
    }
}
