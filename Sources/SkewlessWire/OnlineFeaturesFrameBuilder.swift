import NIOCore
import SkewlessModel

/// Builds a GetOnlineFeatures response frame one column at a time, in any order, so a node
/// can encode each feature view's columns straight from its store while that view is
/// locked, then emit the frame with the columns in request order.
///
/// The frame is byte for byte what `OnlineFeaturesCodec.writeFrame(requestID:columns:into:)`
/// writes for the same columns (the tests check it). Each column is encoded once into a
/// scratch buffer as its `GetOnlineFeaturesResponse.columns` entry (tag, length,
/// `FeatureColumn`); `writeFrame` then writes the frame header, whose lengths need every
/// column's size, and copies the entries in position order. `frame(requestID:allocator:)`
/// skips that copy when the entries already lie in position order (a one-view read, or
/// views whose columns come in request order): the scratch buffer keeps room for the
/// header in front of the entries, and becomes the frame.
///
/// ```
/// var builder = OnlineFeaturesFrameBuilder(columnCount: 2, allocator: allocator)
/// builder.appendColumn(at: 1, servedColumn)                       // any type
/// headers.withHeaders { headers in
///     builder.appendFixedWidthColumn(at: 0, header: headers[0], ...) { statuses, values in ... }
/// }
/// let frame = builder.frame(requestID: 7, allocator: allocator)
/// ```
package struct OnlineFeaturesFrameBuilder {
    /// The names and types (`FeatureColumn` fields 1 and 2) of a response's columns,
    /// encoded once (per service, or per feature list), with the packed field each column's
    /// values use when they have a fixed width. Read through `withHeaders`, whose headers are
    /// plain pointers: fetching a column's encoded bytes out of an array per column retained
    /// them, and with two event loops serving the same service those atomic operations on a
    /// shared object were a twentieth of the node's CPU.
    package struct ColumnHeaders: Sendable {
        let bytes: [UInt8]
        /// Header i spans `ends[i - 1] ..< ends[i]` of `bytes`.
        let ends: [Int]
        /// `ValueColumn`'s field for bool, float and double values; 0 otherwise.
        let valuesFields: [Int]

        package init(names: [String], types: [FeatureType]) {
            var bytes: [UInt8] = []
            var ends: [Int] = []
            var fields: [Int] = []
            for (name, type) in zip(names, types) {
                let nameBytes = name.utf8.count
                let typeNumber = OnlineFeaturesCodec.typeNumber(type)
                var size = 0
                if nameBytes > 0 { size += ProtobufSize.fieldSize(length: nameBytes) }
                size += ProtobufSize.varintFieldSize(typeNumber)
                bytes += [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                    var out = ProtobufCursor(UnsafeMutableRawBufferPointer(buffer))
                    if nameBytes > 0 {
                        out.lengthDelimited(ProtobufField.FeatureColumn.feature, length: nameBytes)
                        out.string(name)
                    }
                    out.varintField(ProtobufField.FeatureColumn.type, typeNumber)
                    out.finish(expecting: size, "a column header")
                    initialized = out.offset
                }
                ends.append(bytes.count)
                let wireType = Skewless_V1_ValueType(type)
                fields.append(OnlineFeaturesFrameBuilder.fixedWidth(of: type) == nil ? 0 : ProtobufField.ValueColumn(wireType)?.rawValue ?? 0)
            }
            self.bytes = bytes
            self.ends = ends
            self.valuesFields = fields
        }

        /// Calls `body` with the headers, valid only inside it.
        package func withHeaders<R>(_ body: (Borrowed) throws -> R) rethrows -> R {
            try bytes.withUnsafeBytes { bytes in
                try ends.withUnsafeBufferPointer { ends in
                    try valuesFields.withUnsafeBufferPointer { fields in
                        try body(Borrowed(bytes: bytes, ends: ends, valuesFields: fields))
                    }
                }
            }
        }

        package struct Borrowed {
            let bytes: UnsafeRawBufferPointer
            let ends: UnsafeBufferPointer<Int>
            let valuesFields: UnsafeBufferPointer<Int>

            /// Header `position`, which must be below the number of headers (checked in
            /// release builds too: the reads below are unchecked).
            package subscript(position: Int) -> ColumnHeader {
                precondition(position >= 0 && position < ends.count, "column \(position) of \(ends.count) headers")
                let start = position == 0 ? 0 : ends[position - 1]
                return ColumnHeader(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<ends[position]]), valuesField: valuesFields[position])
            }
        }
    }

    /// One column's encoded name and type, borrowed from `ColumnHeaders.withHeaders`.
    package struct ColumnHeader {
        let bytes: UnsafeRawBufferPointer
        /// `ValueColumn`'s field for a fixed-width type's values; 0 for other types.
        let valuesField: Int

        /// Bytes per value of the column's type when it is bool, float or double; nil otherwise.
        var fixedWidth: Int? {
            switch ProtobufField.ValueColumn(rawValue: valuesField) {
            case .boolValues?: return 1
            case .floatValues?: return 4
            case .doubleValues?: return 8
            default: return nil
            }
        }
    }

    /// Bytes per value of `type` when its values travel as one packed run of fixed-width
    /// little-endian values (bool 1, float 4, double 8); nil for every other type.
    package static func fixedWidth(of type: FeatureType) -> Int? {
        switch type.storage {
        case .bool: return 1
        case .float: return 4
        case .double: return 8
        default: return nil
        }
    }

    private var scratch: ByteBuffer
    /// Per position: where its entry starts in `scratch` and how long it is (-1: not yet
    /// appended). One array of a type of this module: an `[Int]` costs a runtime lookup of
    /// its generic metadata on every creation, which showed in every request's profile.
    private var entries: [EntrySpan]

    private struct EntrySpan {
        var start = 0
        var length = -1
    }

    /// Room in front of the entries for the longest frame header: the length prefix, the
    /// request id (tag and a 10-byte varint), the empty status (2 bytes), the payload's tag
    /// and a length of up to 5 bytes.
    static let headerRoom = ProtocolVersion.lengthPrefixBytes + 11 + 2 + 6

    /// - Parameter columnCount: the response's columns; each position must be appended once.
    package init(columnCount: Int, allocator: ByteBufferAllocator) {
        scratch = allocator.buffer(capacity: Self.headerRoom + 64 * columnCount)
        scratch.moveWriterIndex(to: Self.headerRoom)
        scratch.moveReaderIndex(to: Self.headerRoom)
        entries = [EntrySpan](repeating: EntrySpan(), count: columnCount)
    }

    /// Event times as packed varints (`FeatureColumn` field 4's payload), encoded once per
    /// view and copied into each of its fixed-width columns: a view's columns share their
    /// rows' times, and encoding them per column was a tenth of a 100 x 50 read.
    ///
    /// The bytes live only for `body` (on the stack when small: a one-entity read's time is
    /// at most 10 bytes, and an array cost every read an allocation).
    package static func withPackedEventTimes<Result>(_ eventTimes: [Int64], _ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        let size = OnlineFeaturesCodec.packedVarintSize(eventTimes)
        return try withUnsafeTemporaryAllocation(byteCount: size, alignment: 1) { buffer in
            var out = ProtobufCursor(buffer)
            out.varints(eventTimes)
            out.finish(expecting: size, "packed event times")
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    /// Appends the column at `position` whose values have a fixed width (`header` of a
    /// bool, float or double feature), filled in place by `gather`: it must write a status
    /// per row into its first argument (`rowCount` long) and `rowCount` little-endian
    /// values of `width` bytes (1, 4 or 8, the header's type's) into its second (exactly
    /// `rowCount * width` bytes).
    /// - Parameter eventTimes: the rows' event times, as `withPackedEventTimes` packs them.
    package mutating func appendFixedWidthColumn(
        at position: Int,
        header: ColumnHeader,
        rowCount: Int,
        eventTimes: UnsafeRawBufferPointer,
        width: Int,
        gather: (UnsafeMutableBufferPointer<ValueStatus>, UnsafeMutableRawBufferPointer) -> Void
    ) {
        precondition(header.fixedWidth == width, "a \(width)-byte column needs the header of a bool (1), float (4) or double (8) feature")
        precondition(rowCount >= 0, "a negative row count")
        let sizes = Self.fixedWidthSizes(headerBytes: header.bytes.count, rowCount: rowCount, timesBytes: eventTimes.count, width: width)
        entries[position] = EntrySpan(start: scratch.writerIndex, length: sizes.entry)
        _ = withUnsafeTemporaryAllocation(of: ValueStatus.self, capacity: rowCount) { statuses in
            scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: sizes.entry) { region in
                var out = ProtobufCursor(region)
                let slots = Self.writeFixedWidthEntry(
                    into: &out, header: header, columnSize: sizes.column, rowCount: rowCount, timesBytes: eventTimes.count, width: width)
                out.finish(expecting: sizes.entry, "a fixed-width column entry")
                if let times = eventTimes.baseAddress, let slot = slots.times.baseAddress {
                    slot.copyMemory(from: times, byteCount: eventTimes.count)
                }
                if rowCount > 0 {
                    gather(statuses, slots.values)
                    for (row, status) in statuses.enumerated() {
                        slots.statuses[row] = OnlineFeaturesCodec.statusNumber(status)
                    }
                }
                return out.offset
            }
        }
    }

    /// The sizes of a fixed-width column (`FeatureColumn`) and of its entry (with the tag and
    /// length of `GetOnlineFeaturesResponse.columns`).
    static func fixedWidthSizes(headerBytes: Int, rowCount: Int, timesBytes: Int, width: Int) -> (column: Int, entry: Int) {
        let valuesSize = rowCount == 0 ? 0 : ProtobufSize.fieldSize(length: width * rowCount)
        var columnSize = headerBytes + ProtobufSize.fieldSize(length: valuesSize)
        if rowCount > 0 { columnSize += ProtobufSize.fieldSize(length: rowCount) }
        if timesBytes > 0 { columnSize += ProtobufSize.fieldSize(length: timesBytes) }
        return (columnSize, ProtobufSize.fieldSize(length: columnSize))
    }

    /// Writes a fixed-width column's entry (`columnSize` from `fixedWidthSizes`) but for its
    /// variable bytes, which it skips: returns the regions of `out`'s memory where the
    /// `rowCount` status bytes, the `timesBytes` packed event times and the `width *
    /// rowCount` value bytes go (each exactly that long, empty when there are none). The
    /// one layout both `appendFixedWidthColumn` and `FixedWidthTemplate` write.
    static func writeFixedWidthEntry(
        into out: inout ProtobufCursor, header: ColumnHeader, columnSize: Int, rowCount: Int, timesBytes: Int, width: Int
    ) -> (statuses: UnsafeMutableRawBufferPointer, times: UnsafeMutableRawBufferPointer, values: UnsafeMutableRawBufferPointer) {
        typealias Field = ProtobufField.FeatureColumn
        let none = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var slots = (statuses: none, times: none, values: none)
        out.lengthDelimited(ProtobufField.GetOnlineFeaturesResponse.features, length: columnSize)
        out.bytes(header.bytes)
        if rowCount > 0 {
            out.lengthDelimited(Field.statuses, length: rowCount)
            slots.statuses = out.reserve(rowCount)
        }
        if timesBytes > 0 {
            out.lengthDelimited(Field.eventTimeMicros, length: timesBytes)
            slots.times = out.reserve(timesBytes)
        }
        out.lengthDelimited(Field.values, length: rowCount == 0 ? 0 : ProtobufSize.fieldSize(length: width * rowCount))
        if rowCount > 0 {
            out.lengthDelimited(header.valuesField, length: width * rowCount)
            slots.values = out.reserve(width * rowCount)
        }
        return slots
    }

    /// Appends the columns of `template` at `positions` (one per template column) for a
    /// one-row answer whose packed event time is `eventTime` (`template.timesBytes` bytes):
    /// the template's bytes, then per column the status and the value `gather(i, status,
    /// value)` writes (a status into its first argument, one little-endian value into its
    /// second, exactly the column's width long) and the event time. Byte for byte what
    /// `appendFixedWidthColumn` writes.
    package mutating func appendFixedWidthColumns(
        _ template: FixedWidthTemplate,
        at positions: [Int],
        eventTime: UnsafeRawBufferPointer,
        gather: (_ column: Int, UnsafeMutableBufferPointer<ValueStatus>, UnsafeMutableRawBufferPointer) -> Void
    ) {
        precondition(positions.count == template.columnCount, "a position per template column")
        precondition(eventTime.count == template.timesBytes, "the template is for another event time length")
        guard let time = eventTime.baseAddress, !template.bytes.isEmpty else { return }
        let first = scratch.writerIndex
        for (i, position) in positions.enumerated() {
            entries[position] = EntrySpan(start: first + template.entryStarts[i], length: template.entryLengths[i])
        }
        _ = withUnsafeTemporaryAllocation(of: ValueStatus.self, capacity: 1) { status in
            scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: template.bytes.count) { region in
                // The template's offsets lie inside its bytes (`FixedWidthTemplate.init` wrote
                // them through a checked cursor), so one check of the region covers every write.
                precondition(region.count >= template.bytes.count, "ByteBuffer gave less room than asked")
                let base = region.baseAddress!
                template.bytes.withUnsafeBytes { base.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                for i in 0..<template.columnCount {
                    gather(i, status, UnsafeMutableRawBufferPointer(start: base + template.valueOffsets[i], count: template.widths[i]))
                    base.storeBytes(of: OnlineFeaturesCodec.statusNumber(status[0]), toByteOffset: template.statusOffsets[i], as: UInt8.self)
                    (base + template.timesOffsets[i]).copyMemory(from: time, byteCount: template.timesBytes)
                }
                return template.bytes.count
            }
        }
    }

    /// Appends the column at `position`, of any type.
    package mutating func appendColumn(at position: Int, _ column: ServedColumn) {
        let values = OnlineFeaturesCodec.valuesSize(column.values)
        let times = OnlineFeaturesCodec.packedVarintSize(column.eventTimes)
        let size = OnlineFeaturesCodec.columnSize(column, valuesSize: values, timesSize: times)
        let entrySize = ProtobufSize.fieldSize(length: size)
        entries[position] = EntrySpan(start: scratch.writerIndex, length: entrySize)
        scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: entrySize) { region in
            var out = ProtobufCursor(region)
            out.lengthDelimited(ProtobufField.GetOnlineFeaturesResponse.features, length: size)
            OnlineFeaturesCodec.write(column, sizes: OnlineFeaturesCodec.ColumnSizes(column: size, values: values, times: times), into: &out)
            out.finish(expecting: entrySize, "a column entry")
            return out.offset
        }
    }

    /// The whole frame (length prefix, `ResponseFrame` with status OK, the response with
    /// every column in position order). Every position must have been appended.
    ///
    /// When the entries lie in position order the frame is the scratch buffer itself, the
    /// header written just before them; otherwise they are copied into a new buffer.
    package consuming func frame(requestID: UInt64, allocator: ByteBufferAllocator) -> ByteBuffer {
        let sizes = frameSizes(requestID: requestID)
        var next = scratch.readerIndex
        var inOrder = true
        for entry in entries {
            guard entry.start == next else {
                inOrder = false
                break
            }
            next += entry.length
        }
        let headerBytes = sizes.total - sizes.payload
        guard inOrder, next == scratch.writerIndex, headerBytes <= scratch.readerIndex else {
            var buffer = allocator.buffer(capacity: sizes.total)
            writeFrame(requestID: requestID, sizes: sizes, into: &buffer)
            return buffer
        }
        let start = scratch.readerIndex - headerBytes
        withUnsafeTemporaryAllocation(byteCount: headerBytes, alignment: 1) { header in
            var out = ProtobufCursor(header)
            Self.writeHeader(&out, frame: sizes.frame, requestID: requestID, payload: sizes.payload)
            out.finish(expecting: headerBytes, "a frame header")
            scratch.setBytes(UnsafeRawBufferPointer(header), at: start)
        }
        scratch.moveReaderIndex(to: start)
        return scratch
    }

    /// Appends the whole frame, as `frame(requestID:allocator:)` makes it, to `buffer`.
    package func writeFrame(requestID: UInt64, into buffer: inout ByteBuffer) {
        writeFrame(requestID: requestID, sizes: frameSizes(requestID: requestID), into: &buffer)
    }

    private func writeFrame(requestID: UInt64, sizes: (payload: Int, frame: Int, total: Int), into buffer: inout ByteBuffer) {
        scratch.withUnsafeReadableBytes { written in
            let base = scratch.readerIndex
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: sizes.total) { region in
                var out = ProtobufCursor(region)
                Self.writeHeader(&out, frame: sizes.frame, requestID: requestID, payload: sizes.payload)
                for entry in entries {
                    let start = entry.start - base
                    // Slicing an unsafe buffer is unchecked in release builds.
                    precondition(start >= 0 && entry.length <= written.count - start, "a column entry outside the scratch buffer")
                    out.bytes(UnsafeRawBufferPointer(rebasing: written[start..<start + entry.length]))
                }
                out.finish(expecting: sizes.total, "a frame")
                return out.offset
            }
        }
    }

    /// The response's entries (`payload`), the `ResponseFrame` (`frame`) and the frame with
    /// its length prefix (`total`), in bytes.
    private func frameSizes(requestID: UInt64) -> (payload: Int, frame: Int, total: Int) {
        var payload = 0
        for entry in entries {
            precondition(entry.length >= 0, "a response column was never appended")
            payload += entry.length
        }
        var frame = 2  // status: an empty message (code OK), always present
        frame += ProtobufSize.varintFieldSize(requestID)
        if payload > 0 { frame += ProtobufSize.fieldSize(length: payload) }
        return (payload, frame, ProtocolVersion.lengthPrefixBytes + frame)
    }

    /// Everything before the entries: the length prefix, the request id, the OK status and
    /// (when there are entries) the response's tag and length.
    private static func writeHeader(_ out: inout ProtobufCursor, frame: Int, requestID: UInt64, payload: Int) {
        typealias Field = ProtobufField.ResponseFrame
        out.bigEndianUInt32(UInt32(frame))
        out.varintField(Field.requestID, requestID)
        out.lengthDelimited(Field.status, length: 0)
        if payload > 0 { out.lengthDelimited(Field.payload, length: payload) }
    }
}
