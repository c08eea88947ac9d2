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
/// column's size, and copies the entries in position order.
///
/// ```
/// var builder = OnlineFeaturesFrameBuilder(columnCount: 2, allocator: allocator)
/// builder.appendColumn(at: 1, servedColumn)                       // any type
/// builder.appendFixedWidthColumn(at: 0, header: header, ...) { statuses, values in ... }
/// builder.writeFrame(requestID: 7, into: &buffer)
/// ```
package struct OnlineFeaturesFrameBuilder {
    /// A column's name and type (`FeatureColumn` fields 1 and 2), encoded once, and the
    /// packed field its values use when they have a fixed width.
    package struct ColumnHeader: Sendable {
        let bytes: [UInt8]
        /// `ValueColumn`'s field for bool (1), float (4) and double (5) values; 0 otherwise.
        let fixedWidthField: Int

        package init(name: String, type: FeatureType) {
            var size = 0
            let nameBytes = name.utf8.count
            if nameBytes > 0 { size += ProtobufSize.fieldSize(length: nameBytes) }
            let typeNumber = OnlineFeaturesCodec.typeNumber(type)
            if typeNumber != 0 { size += 1 + ProtobufSize.varintSize(typeNumber) }
            bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                var out = ProtobufCursor(UnsafeMutableRawBufferPointer(buffer))
                if nameBytes > 0 {
                    out.lengthDelimited(1, length: nameBytes)
                    out.string(name)
                }
                if typeNumber != 0 {
                    out.tag(2, .varint)
                    out.varint(typeNumber)
                }
                initialized = out.offset
            }
            switch type {
            case .bool: fixedWidthField = 1
            case .float: fixedWidthField = 4
            case .double: fixedWidthField = 5
            default: fixedWidthField = 0
            }
        }
    }

    private var scratch: ByteBuffer
    /// Per position: where its entry starts in `scratch` and how long it is (-1: not yet appended).
    private var starts: [Int]
    private var lengths: [Int]

    /// - Parameter columnCount: the response's columns; each position must be appended once.
    package init(columnCount: Int, allocator: ByteBufferAllocator) {
        scratch = allocator.buffer(capacity: 64 * columnCount)
        starts = [Int](repeating: 0, count: columnCount)
        lengths = [Int](repeating: -1, count: columnCount)
    }

    /// Event times as packed varints (`FeatureColumn` field 4's payload), encoded once per
    /// view and copied into each of its fixed-width columns: a view's columns share their
    /// rows' times, and encoding them per column was a tenth of a 100 x 50 read.
    package static func packedEventTimes(_ eventTimes: [Int64]) -> [UInt8] {
        let size = OnlineFeaturesCodec.packedVarintSize(eventTimes)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var out = ProtobufCursor(UnsafeMutableRawBufferPointer(buffer))
            out.varints(eventTimes)
            initialized = out.offset
        }
    }

    /// Appends the column at `position` whose values have a fixed width (`header` made for
    /// a bool, float or double feature), filled in place by `gather`: it must write a
    /// status per row into its first argument and `rowCount` little-endian values of
    /// `width` bytes (1, 4 or 8) at its second.
    /// - Parameter eventTimes: `packedEventTimes(_:)` of the rows' event times.
    package mutating func appendFixedWidthColumn(
        at position: Int,
        header: ColumnHeader,
        rowCount: Int,
        eventTimes: [UInt8],
        width: Int,
        gather: (UnsafeMutableBufferPointer<ValueStatus>, UnsafeMutableRawPointer) -> Void
    ) {
        precondition(header.fixedWidthField != 0, "appendFixedWidthColumn needs a bool, float or double column")
        let valueBytes = width * rowCount
        let valuesSize = rowCount == 0 ? 0 : ProtobufSize.fieldSize(length: valueBytes)
        var columnSize = header.bytes.count + ProtobufSize.fieldSize(length: valuesSize)
        if rowCount > 0 { columnSize += ProtobufSize.fieldSize(length: rowCount) }
        if !eventTimes.isEmpty { columnSize += ProtobufSize.fieldSize(length: eventTimes.count) }
        let entrySize = ProtobufSize.fieldSize(length: columnSize)
        starts[position] = scratch.writerIndex
        lengths[position] = entrySize
        _ = withUnsafeTemporaryAllocation(of: ValueStatus.self, capacity: rowCount) { statuses in
            scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: entrySize) { region in
                var out = ProtobufCursor(region)
                out.lengthDelimited(1, length: columnSize)
                header.bytes.withUnsafeBytes { out.bytes($0) }
                let statusBytes: UnsafeMutableRawPointer?
                if rowCount > 0 {
                    out.lengthDelimited(3, length: rowCount)
                    statusBytes = out.reserve(rowCount)
                } else {
                    statusBytes = nil
                }
                if !eventTimes.isEmpty {
                    out.lengthDelimited(4, length: eventTimes.count)
                    eventTimes.withUnsafeBytes { out.bytes($0) }
                }
                out.lengthDelimited(5, length: valuesSize)
                if rowCount > 0 {
                    out.lengthDelimited(header.fixedWidthField, length: valueBytes)
                    gather(statuses, out.reserve(valueBytes))
                }
                if let statusBytes {
                    for (row, status) in statuses.enumerated() {
                        statusBytes.storeBytes(of: OnlineFeaturesCodec.statusNumber(status), toByteOffset: row, as: UInt8.self)
                    }
                }
                assert(out.offset == entrySize, "column entry computed as \(entrySize) bytes but \(out.offset) written")
                return out.offset
            }
        }
    }

    /// Appends the column at `position`, of any type.
    package mutating func appendColumn(at position: Int, _ column: ServedColumn) {
        let values = OnlineFeaturesCodec.valuesSize(column.values)
        let times = OnlineFeaturesCodec.packedVarintSize(column.eventTimes)
        let size = OnlineFeaturesCodec.columnSize(column, valuesSize: values, timesSize: times)
        let entrySize = ProtobufSize.fieldSize(length: size)
        starts[position] = scratch.writerIndex
        lengths[position] = entrySize
        scratch.writeWithUnsafeMutableBytes(minimumWritableBytes: entrySize) { region in
            var out = ProtobufCursor(region)
            out.lengthDelimited(1, length: size)
            OnlineFeaturesCodec.write(column, sizes: OnlineFeaturesCodec.ColumnSizes(column: size, values: values, times: times), into: &out)
            assert(out.offset == entrySize, "column entry computed as \(entrySize) bytes but \(out.offset) written")
            return out.offset
        }
    }

    /// Appends the whole frame (length prefix, `ResponseFrame` with status OK, the response
    /// with every column in position order) to `buffer`. Every position must have been appended.
    package func writeFrame(requestID: UInt64, into buffer: inout ByteBuffer) {
        var payload = 0
        for length in lengths {
            precondition(length >= 0, "a response column was never appended")
            payload += length
        }
        var frame = 2  // status: an empty message (code OK), always present
        if requestID != 0 { frame += 1 + ProtobufSize.varintSize(requestID) }
        if payload > 0 { frame += ProtobufSize.fieldSize(length: payload) }
        let total = ProtocolVersion.lengthPrefixBytes + frame
        scratch.withUnsafeReadableBytes { entries in
            let base = scratch.readerIndex
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: total) { region in
                var out = ProtobufCursor(region)
                out.bigEndianUInt32(UInt32(frame))
                if requestID != 0 {
                    out.tag(1, .varint)
                    out.varint(requestID)
                }
                out.lengthDelimited(2, length: 0)
                if payload > 0 {
                    out.lengthDelimited(3, length: payload)
                    for (start, length) in zip(starts, lengths) {
                        out.bytes(UnsafeRawBufferPointer(rebasing: entries[(start - base)..<(start - base + length)]))
                    }
                }
                assert(out.offset == total, "frame size computed as \(total) but \(out.offset) bytes written")
                return out.offset
            }
        }
    }
}
