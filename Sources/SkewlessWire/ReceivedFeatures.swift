import SkewlessCompression
import SkewlessModel

/// One `GetOnlineFeaturesResponse` as received, checked and indexed once, read in place.
///
/// Decoding a response into one typed array per column cost the client an allocation and a
/// copy per column on every call (about 20 µs of a 1 x 50 read); a caller usually reads a
/// few values of each. This keeps the payload bytes and, per column, where its statuses and
/// values start: bool, float and double values and every status are read straight from the
/// bytes by row. Event times (packed varints, one run shared by a view's columns) and the
/// variable-width types are decoded once, into one flat array and one `ColumnValues` per
/// column. Everything is validated at decoding (counts, types, known statuses), so reads
/// cannot fail.
///
/// Encodings that cannot be read in place (unpacked or split arrays, which a conforming
/// protobuf encoder may write but the node does not) are normalized at decoding into bytes
/// appended after the payload, so there is one way to read.
package final class ReceivedFeatures: Sendable {
    /// The payload, then any normalized runs.
    let bytes: [UInt8]
    let columns: [Column]
    /// Every column's event times, one run per distinct encoding.
    let eventTimes: [Int64]
    /// The values of columns of variable-width types (and int32, int64, timestamp).
    let decodedValues: [ColumnValues]
    /// The number of entity rows.
    package let rowCount: Int
    /// The column names, in response order.
    package let names: [String]

    struct Column: Sendable {
        var type: FeatureType
        /// Byte offset of the column's `rowCount` status numbers (one byte each).
        var statusOffset: Int
        /// Index of the column's first event time in `eventTimes`.
        var eventTimeStart: Int
        /// bool, float, double: byte offset of the packed values (1, 4 or 8 bytes each);
        /// other types: index into `decodedValues`.
        var values: Int
    }

    init(bytes: [UInt8], columns: [Column], eventTimes: [Int64], decodedValues: [ColumnValues], rowCount: Int, names: [String]) {
        self.bytes = bytes
        self.columns = columns
        self.eventTimes = eventTimes
        self.decodedValues = decodedValues
        self.rowCount = rowCount
        self.names = names
    }

    package var columnCount: Int { columns.count }

    package func type(ofColumn column: Int) -> FeatureType { columns[column].type }

    package func status(column: Int, row: Int) -> ValueStatus {
        // Checked at decoding: every status byte is a known status.
        OnlineFeaturesCodec.status(bytes[columns[column].statusOffset + row]) ?? .notFound
    }

    /// Whether a value accompanies the cell's status (`ValueStatus.hasValue`: present,
    /// outside TTL, defaulted).
    package func hasValue(column: Int, row: Int) -> Bool {
        let number = bytes[columns[column].statusOffset + row]
        return number == 1 || number == 4 || number == 5
    }

    /// The cell's value, or nil when its status carries none (embeddings decompressed).
    package func value(column: Int, row: Int) -> FeatureValue? {
        guard hasValue(column: column, row: row) else { return nil }
        let entry = columns[column]
        switch entry.type.storage {
        case .bool: return .bool(bytes[entry.values + row] != 0)
        case .float: return .float(Float(bitPattern: load(UInt32.self, at: entry.values + 4 * row)))
        case .double: return .double(Double(bitPattern: load(UInt64.self, at: entry.values + 8 * row)))
        default: return try? decodedValues[entry.values].value(at: row)
        }
    }

    /// The stored row's event time, 0 where there is no stored row.
    package func eventTime(column: Int, row: Int) -> Int64 {
        eventTimes[columns[column].eventTimeStart + row]
    }

    /// The value slot of a bool column (false where there is no value); nil for other types.
    package func bool(column: Int, row: Int) -> Bool? {
        let entry = columns[column]
        guard case .bool = entry.type.storage else { return nil }
        return bytes[entry.values + row] != 0
    }

    /// The value slot of a float column; nil for other types.
    package func float(column: Int, row: Int) -> Float? {
        let entry = columns[column]
        guard case .float = entry.type.storage else { return nil }
        return Float(bitPattern: load(UInt32.self, at: entry.values + 4 * row))
    }

    /// The value slot of a double column; nil for other types.
    package func double(column: Int, row: Int) -> Double? {
        let entry = columns[column]
        guard case .double = entry.type.storage else { return nil }
        return Double(bitPattern: load(UInt64.self, at: entry.values + 8 * row))
    }

    /// The decoded values of a column of any other type; nil for bool, float and double.
    package func decodedValues(column: Int) -> ColumnValues? {
        let entry = columns[column]
        switch entry.type.storage {
        case .bool, .float, .double: return nil
        default: return decodedValues[entry.values]
        }
    }

    /// All of a column's values as one typed array.
    package func values(column: Int) -> ColumnValues {
        if let decoded = decodedValues(column: column) { return decoded }
        let rows = 0..<rowCount
        switch columns[column].type.storage {
        case .bool: return .bool(rows.map { bool(column: column, row: $0)! })
        case .float: return .float(rows.map { float(column: column, row: $0)! })
        default: return .double(rows.map { double(column: column, row: $0)! })
        }
    }

    /// Every column, materialized.
    package func servedColumns() -> [ServedColumn] {
        columns.indices.map { column in
            let times = columns[column].eventTimeStart
            return ServedColumn(
                name: names[column], type: columns[column].type,
                statuses: (0..<rowCount).map { status(column: column, row: $0) },
                eventTimes: Array(eventTimes[times..<times + rowCount]),
                values: values(column: column))
        }
    }

    /// The value at `offset`, checked in release builds too (`loadUnaligned` checks only in
    /// debug builds): a row past `rowCount` traps, as a bool read's array subscript does,
    /// rather than reading past the bytes.
    private func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        bytes.withUnsafeBytes { bytes in
            precondition(offset >= 0 && offset <= bytes.count - MemoryLayout<T>.size, "a value read past the response's bytes: row out of range")
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        }
    }
}
