import SkewlessModel

/// One record of a view's write log: one acknowledged write batch (docs/write-log.md,
/// "Records"). Rows are kept as the columns of a segment row group, unsorted, without the
/// created-time column: every row's created time is the record's acceptance time.
package struct WriteLogRecord: Sendable {
    /// Larger than every earlier record's in the same node's log; assigned when written.
    package var sequence: UInt64
    /// When the log accepted the batch, microseconds since the epoch: its rows' created time.
    package var acceptedTime: Int64
    /// The batch's idempotency key (0 to 64 bytes; empty: none).
    package var idempotencyKey: [UInt8]
    /// The rows, in batch order; `createdTimes` all equal `acceptedTime`.
    package var rows: SegmentRows

    package static let maximumKeyBytes = 64
    /// Bytes before the payload: CRC32C and length.
    static let headerSize = 8
    /// A payload larger than this is corruption (a batch is at most a frame, 16 MiB by default).
    static let maximumPayloadBytes = 1 << 30

    package init(sequence: UInt64 = 0, acceptedTime: Int64, idempotencyKey: [UInt8], rows: SegmentRows) {
        self.sequence = sequence
        self.acceptedTime = acceptedTime
        self.idempotencyKey = idempotencyKey
        self.rows = rows
    }

    /// The FNV-1a 64 hash of the idempotency key, as manifests keep it; nil without a key.
    package var keyHash: UInt64? {
        idempotencyKey.isEmpty ? nil : FNV1a64.hash(idempotencyKey)
    }

    // MARK: - Encoding

    /// The whole record: CRC32C, length, payload. `sequence` is written as 0 and set by
    /// `stamp(_:sequence:)` when the log assigns it, which also computes the CRC.
    func encoded() -> [UInt8] {
        var writer = BinaryWriter(capacity: Self.headerSize + 64 + rows.count * 64)
        writer.append(UInt32(0))  // CRC32C, set by stamp
        writer.append(UInt32(0))  // payload length, set below
        writer.append(UInt64(0))  // sequence, set by stamp
        writer.append(acceptedTime)
        writer.append(UInt8(idempotencyKey.count))
        writer.append(bytes: idempotencyKey)
        writer.append(UInt32(rows.count))
        let range = 0..<rows.count
        func block(_ encode: (inout BinaryWriter) -> Void) {
            let lengthAt = writer.bytes.count
            writer.append(UInt32(0))
            encode(&writer)
            writer.set(UInt32(writer.bytes.count - lengthAt - 4), at: lengthAt)
        }
        for part in rows.keys.parts {
            block { ColumnBlockCodec.encode(part, rows: range, into: &$0) }
        }
        block { ColumnBlockCodec.encode(times: rows.eventTimes, rows: range, into: &$0) }
        for field in rows.fields {
            block { ColumnBlockCodec.encode(field.values, nulls: field.nullRows, rows: range, into: &$0) }
        }
        writer.set(UInt32(writer.bytes.count - Self.headerSize), at: 4)
        return writer.bytes
    }

    /// Sets the sequence number of an encoded record and its CRC32C (over the length and
    /// the payload).
    static func stamp(_ record: inout [UInt8], sequence: UInt64) {
        precondition(record.count >= headerSize + 16, "a write log record is at least its header, sequence and time")
        record.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: sequence.littleEndian, toByteOffset: headerSize, as: UInt64.self)
            let crc = CRC32C.checksum(of: UnsafeRawBufferPointer(rebasing: raw[4...]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
        }
    }

    // MARK: - Decoding

    /// What reading a record at some offset found.
    enum ReadResult {
        /// A whole, intact record, and the offset just past it.
        case record(WriteLogRecord, end: Int)
        /// Fewer bytes than a record needs: the end of the log, or a record being written.
        case incomplete
        /// Bytes that are not a valid record (a torn write or corruption), and why.
        case corrupt(String)
    }

    /// Reads the record starting at `offset` of `bytes` (a log file's contents).
    static func read(_ bytes: [UInt8], at offset: Int, schema: SegmentSchema, file: String) -> ReadResult {
        guard bytes.count - offset >= headerSize else { return .incomplete }
        let (stored, length) = bytes.withUnsafeBytes { raw in
            (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
             Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))))
        }
        if stored == 0 && length == 0 {
            // Zeroes where a record would start: space the file system allocated for a write
            // that never completed.
            return .corrupt("zero bytes where a record should start")
        }
        guard length >= 16, length <= maximumPayloadBytes else {
            return .corrupt("a record length of \(length) bytes")
        }
        guard bytes.count - offset - headerSize >= length else { return .incomplete }
        let end = offset + headerSize + length
        let computed = bytes.withUnsafeBytes { raw in
            CRC32C.checksum(of: UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<end]))
        }
        guard computed == stored else {
            return .corrupt("its CRC32C is \(String(computed, radix: 16)) but the record says \(String(stored, radix: 16))")
        }
        do throws(SkewlessError) {
            return .record(try decode(bytes, payload: (offset + headerSize)..<end, schema: schema, file: file), end: end)
        } catch {
            return .corrupt(error.message)
        }
    }

    private static func decode(_ bytes: [UInt8], payload: Range<Int>, schema: SegmentSchema, file: String) throws(SkewlessError) -> WriteLogRecord {
        var reader = BinaryReader(bytes, range: payload, subject: "a record of \(file)")
        let sequence = try reader.read(UInt64.self, "the sequence number")
        let accepted = try reader.read(Int64.self, "the acceptance time")
        let keyLength = Int(try reader.read(UInt8.self, "the key length"))
        guard keyLength <= maximumKeyBytes else {
            throw SkewlessError(.dataLoss, "a record of \(file) is corrupt: an idempotency key of \(keyLength) bytes")
        }
        let key = Array(bytes[try reader.readBytes(keyLength, "the idempotency key")])
        let count = Int(try reader.read(UInt32.self, "the row count"))
        func block() throws(SkewlessError) -> BinaryReader {
            let length = Int(try reader.read(UInt32.self, "a column block's length"))
            let range = try reader.readBytes(length, "a column block")
            return BinaryReader(bytes, range: range, subject: "a record of \(file)")
        }
        var parts: [KeyColumn] = []
        for joinKey in schema.joinKeys {
            var column = try block()
            parts.append(try ColumnBlockCodec.decodeKey(&column, type: joinKey.type, rows: count))
        }
        var times = try block()
        let eventTimes = try ColumnBlockCodec.decodeTimes(&times, rows: count)
        var fields: [FieldValues] = []
        for field in schema.fields {
            var column = try block()
            let (values, nulls) = try ColumnBlockCodec.decode(&column, type: field.type, rows: count)
            fields.append(FieldValues(values: values, nullRows: nulls))
        }
        guard reader.isAtEnd else {
            throw SkewlessError(.dataLoss, "a record of \(file) is corrupt: \(reader.remaining) bytes after its columns")
        }
        let rows = SegmentRows(
            keys: KeyColumns(parts: parts), eventTimes: eventTimes,
            createdTimes: [Int64](repeating: accepted, count: count), fields: fields)
        return WriteLogRecord(sequence: sequence, acceptedTime: accepted, idempotencyKey: key, rows: rows)
    }
}

extension SegmentRows {
    /// The rows of a write batch as segment columns: every field present (a field the batch
    /// leaves out is null in every row), created times `createdTime` unless the batch has its own.
    /// - Throws: `invalidArgument` for keys of the wrong shape or columns of the wrong type or length.
    package init(batch: WriteBatch, createdTime: Int64, schema: SegmentSchema) throws(SkewlessError) {
        let count = batch.rowCount
        guard batch.eventTimes.count == count, batch.createdTimes.map({ $0.count == count }) ?? true, batch.fields.count == schema.fields.count else {
            throw SkewlessError(.invalidArgument, "a write batch needs one event time (and created time, if any) per row and one entry per field")
        }
        var fields: [FieldValues] = []
        for (index, field) in schema.fields.enumerated() {
            if let column = batch.fields[index] {
                guard column.values.count == count, column.nullRows.map({ $0.count == count }) ?? true,
                    ColumnValues.empty(of: field.type).isSameKind(as: column.values)
                else {
                    throw SkewlessError(.invalidArgument, "field '\(field.name)' needs one \(field.type) value per row")
                }
                fields.append(FieldValues(values: column.values, nullRows: column.nullRows.flatMap { $0.contains(true) ? $0 : nil }))
            } else {
                var values = ColumnValues.empty(of: field.type)
                values.appendPlaceholders(count)
                fields.append(FieldValues(values: values, nullRows: [Bool](repeating: true, count: count)))
            }
        }
        self.init(
            keys: try KeyColumns(batch.keys, joinKeys: schema.joinKeys), eventTimes: batch.eventTimes,
            createdTimes: batch.createdTimes ?? [Int64](repeating: createdTime, count: count), fields: fields)
    }
}
