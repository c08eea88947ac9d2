import SkewlessModel

/// Writes one segment file: rows in (key, event time, created time) order, cut into row
/// groups of one block per column, then the index block and the footer, then fsync.
///
/// Rows arrive in order over any number of `append` calls (a sorted run, or the output of a
/// merge); a row out of order is refused. Until `finish` returns, the file is incomplete,
/// and no manifest names it: readers never see it. `abandon` deletes it.
///
///     +---------+---------+-----+---------------+--------+
///     | block 0 | block 1 | ... | index block   | footer |
///     +---------+---------+-----+---------------+--------+
///     block = payload + u32 CRC32C(payload); footer = 72 bytes (see SegmentFooter)
package final class SegmentWriter {
    /// Rows per row group unless told otherwise.
    package static let defaultRowGroupRows = 65_536

    package let path: String
    package let schema: SegmentSchema
    private let number: UInt64
    private let rowGroupRows: Int
    private let file: DiskFile
    private var offset: UInt64 = 0
    /// Where write-behind has started writeback up to (`DiskFile.startWriteback`).
    private var writebackStarted: UInt64 = 0
    /// Write-behind: start writing back every this many bytes, so the final sync has little
    /// left to do and never floods the disk's queue ahead of the write log's small syncs.
    static let writebackBytes: UInt64 = 4 << 20
    private var pending: SegmentRows
    private var rowGroups: [SegmentIndex.RowGroup] = []
    private var rowCount: UInt64 = 0
    private var minEventTime = Int64.max
    private var maxEventTime = Int64.min
    private var maxCreatedTime = Int64.min
    /// The last row written, to check order across calls.
    private var lastRow: SegmentRows?
    private var isClosed = false

    /// Creates the file (it must not exist).
    package init(path: String, number: UInt64, schema: SegmentSchema, rowGroupRows: Int = SegmentWriter.defaultRowGroupRows) throws(SkewlessError) {
        self.path = path
        self.number = number
        self.schema = schema
        self.rowGroupRows = max(1, rowGroupRows)
        self.pending = SegmentRows(schema: schema)
        self.file = try DiskFile.create(path)
    }

    deinit {
        if !isClosed { file.closeFile() }
    }

    /// Appends rows that continue the order of those already appended.
    package func append(_ rows: SegmentRows) throws(SkewlessError) {
        guard rows.count > 0 else { return }
        try checkOrder(rows)
        var start = 0
        // Top up a partial group first, then write whole groups straight from `rows`.
        if pending.count > 0 {
            let take = min(rowGroupRows - pending.count, rows.count)
            for row in 0..<take { pending.append(from: rows, row: row) }
            start = take
            if pending.count == rowGroupRows {
                try writeRowGroup(pending, rows: 0..<pending.count)
                pending = SegmentRows(schema: schema)
            }
        }
        while rows.count - start >= rowGroupRows {
            try writeRowGroup(rows, rows: start..<start + rowGroupRows)
            start += rowGroupRows
        }
        for row in start..<rows.count { pending.append(from: rows, row: row) }
    }

    /// Writes the last row group, the index and the footer, and syncs the file (unless
    /// `sync` is false: a reader's temporary segment, never part of the store).
    package func finish(sync: Bool = true) throws(SkewlessError) -> SegmentSummary {
        if pending.count > 0 {
            try writeRowGroup(pending, rows: 0..<pending.count)
            pending = SegmentRows(schema: schema)
        }
        let index = SegmentIndex(schema: schema, rowGroups: rowGroups).encoded()
        guard index.count <= Int(UInt32.max) else {
            throw SkewlessError(.resourceExhausted, "\(path): the index block would exceed 4 GiB: write fewer rows per segment")
        }
        let indexOffset = offset
        try writeBlock(index)
        let footer = SegmentFooter(
            indexOffset: indexOffset, indexSize: UInt32(index.count), rowCount: rowCount,
            minEventTime: rowCount == 0 ? 0 : minEventTime, maxEventTime: rowCount == 0 ? 0 : maxEventTime,
            maxCreatedTime: rowCount == 0 ? 0 : maxCreatedTime, schemaFingerprint: schema.fingerprint)
        try file.writeAll(footer.encoded())
        offset += UInt64(SegmentFooter.size)
        if sync { try file.sync() }
        file.closeFile()
        isClosed = true
        return SegmentSummary(number: number, rowCount: rowCount, minEventTime: footer.minEventTime, maxEventTime: footer.maxEventTime, maxCreatedTime: footer.maxCreatedTime, fileSize: offset)
    }

    /// Closes and deletes the unfinished file.
    package func abandon() {
        if !isClosed {
            file.closeFile()
            isClosed = true
        }
        try? DiskFile.remove(path)
    }

    private func checkOrder(_ rows: SegmentRows) throws(SkewlessError) {
        if let lastRow, rows.orders(0, before: lastRow, 0) {
            throw SkewlessError(.internal, "\(path): rows appended out of (key, event time, created time) order")
        }
        for row in 1..<rows.count where rows.orders(row, before: rows, row - 1) {
            throw SkewlessError(.internal, "\(path): rows appended out of (key, event time, created time) order at row \(row)")
        }
        var last = SegmentRows(schema: schema)
        last.append(from: rows, row: rows.count - 1)
        lastRow = last
    }

    private func writeRowGroup(_ rows: SegmentRows, rows range: Range<Int>) throws(SkewlessError) {
        var blocks: [SegmentIndex.BlockHandle] = []
        blocks.reserveCapacity(schema.columnCount)
        var writer = BinaryWriter(capacity: range.count * 8 + 64)
        for part in rows.keys.parts {
            ColumnBlockCodec.encode(part, rows: range, into: &writer)
            blocks.append(try writeBlock(&writer))
        }
        ColumnBlockCodec.encode(times: rows.eventTimes, rows: range, into: &writer)
        blocks.append(try writeBlock(&writer))
        ColumnBlockCodec.encode(times: rows.createdTimes, rows: range, into: &writer)
        blocks.append(try writeBlock(&writer))
        for field in rows.fields {
            ColumnBlockCodec.encode(field.values, nulls: field.nullRows, rows: range, into: &writer)
            blocks.append(try writeBlock(&writer))
        }
        var groupMin = Int64.max, groupMax = Int64.min
        for row in range {
            groupMin = min(groupMin, rows.eventTimes[row])
            groupMax = max(groupMax, rows.eventTimes[row])
            maxCreatedTime = max(maxCreatedTime, rows.createdTimes[row])
        }
        minEventTime = min(minEventTime, groupMin)
        maxEventTime = max(maxEventTime, groupMax)
        rowCount += UInt64(range.count)
        rowGroups.append(SegmentIndex.RowGroup(
            rowCount: range.count, minEventTime: groupMin, maxEventTime: groupMax,
            firstKey: rows.keys.slice(range.lowerBound..<range.lowerBound + 1),
            lastKey: rows.keys.slice(range.upperBound - 1..<range.upperBound), blocks: blocks))
    }

    private func writeBlock(_ writer: inout BinaryWriter) throws(SkewlessError) -> SegmentIndex.BlockHandle {
        guard writer.count <= Int(UInt32.max) else {
            throw SkewlessError(.resourceExhausted, "\(path): a column block would exceed 4 GiB: use smaller row groups")
        }
        let handle = SegmentIndex.BlockHandle(offset: offset, size: UInt32(writer.count))
        try writeBlock(writer.bytes)
        writer.removeAll(keepingCapacity: true)
        return handle
    }

    private func writeBlock(_ payload: [UInt8]) throws(SkewlessError) {
        var block = payload
        withUnsafeBytes(of: CRC32C.checksum(of: payload).littleEndian) { block.append(contentsOf: $0) }
        try file.writeAll(block)
        offset += UInt64(block.count)
        if offset - writebackStarted >= Self.writebackBytes {
            file.startWriteback(from: writebackStarted, count: offset - writebackStarted)
            writebackStarted = offset
        }
    }
}
