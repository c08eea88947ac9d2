import SkewlessModel

/// The payload of a column block (docs/segment-format.md, "Column blocks"): a null marker,
/// an optional null bitmap, then the values of the block's rows in the type's layout.
enum ColumnBlockCodec {
    // MARK: - Encoding

    static func encode(_ values: ColumnValues, nulls: [Bool]?, rows range: Range<Int>, into writer: inout BinaryWriter) {
        encodeNulls(nulls, rows: range, into: &writer)
        switch values {
        case .bool(let v): for row in range { writer.append(v[row] ? UInt8(1) : 0) }
        case .int32(let v): writer.append(contentsOf: Array(v[range]))
        case .int64(let v), .timestamp(let v): writer.append(contentsOf: Array(v[range]))
        case .float(let v): writer.append(contentsOf: v[range].map(\.bitPattern))
        case .double(let v): writer.append(contentsOf: v[range].map(\.bitPattern))
        case .string(let v): encodeStrings(v[range].lazy.map { Array($0.utf8) }, into: &writer)
        case .bytes(let v): encodeStrings(v[range], into: &writer)
        case .embedding(let v):
            for row in range { writer.append(v[row].isCompressed ? UInt8(1) : 0) }
            encodeStrings(v[range].lazy.map(\.bytes), into: &writer)
        case .int64List(let v):
            var offset: UInt32 = 0
            writer.append(offset)
            for row in range {
                offset += UInt32(v[row].count)
                writer.append(offset)
            }
            for row in range { writer.append(contentsOf: v[row]) }
        case .stringList(let v):
            var offset: UInt32 = 0
            writer.append(offset)
            for row in range {
                offset += UInt32(v[row].count)
                writer.append(offset)
            }
            encodeStrings(v[range].lazy.flatMap { $0 }.map { Array($0.utf8) }, into: &writer)
        }
    }

    static func encode(_ column: KeyColumn, rows range: Range<Int>, into writer: inout BinaryWriter) {
        writer.append(UInt8(0))
        switch column {
        case .int64(let v): writer.append(contentsOf: Array(v[range]))
        case .string(let v): encodeStrings(v[range].lazy.map { Array($0.utf8) }, into: &writer)
        }
    }

    static func encode(times: [Int64], rows range: Range<Int>, into writer: inout BinaryWriter) {
        writer.append(UInt8(0))
        writer.append(contentsOf: Array(times[range]))
    }

    private static func encodeNulls(_ nulls: [Bool]?, rows range: Range<Int>, into writer: inout BinaryWriter) {
        guard let nulls, nulls[range].contains(true) else {
            writer.append(UInt8(0))
            return
        }
        writer.append(UInt8(1))
        var byte: UInt8 = 0
        for (position, row) in range.enumerated() {
            if nulls[row] { byte |= 1 << UInt8(position & 7) }
            if position & 7 == 7 {
                writer.append(byte)
                byte = 0
            }
        }
        if range.count & 7 != 0 { writer.append(byte) }
    }

    /// (n + 1) u32 offsets, then the bytes of the n items.
    private static func encodeStrings<C: Collection>(_ items: C, into writer: inout BinaryWriter) where C.Element: Collection<UInt8> {
        var offset: UInt32 = 0
        writer.append(offset)
        for item in items {
            offset += UInt32(item.count)
            writer.append(offset)
        }
        for item in items { writer.append(bytes: item) }
    }

    // MARK: - Decoding

    /// Decodes a field block of `rows` rows; nulls are nil when no row is null.
    static func decode(_ reader: inout BinaryReader, type: FeatureType, rows: Int) throws(SkewlessError) -> (ColumnValues, [Bool]?) {
        let nulls = try decodeNulls(&reader, rows: rows)
        let values: ColumnValues
        switch type.storage {
        case .bool:
            let range = try reader.readBytes(rows, "the bool values")
            values = .bool(reader.bytes[range].map { $0 != 0 })
        case .int32: values = .int32(try fixedWidth(&reader, rows, "the int32 values"))
        case .int64: values = .int64(try fixedWidth(&reader, rows, "the int64 values"))
        case .timestamp: values = .timestamp(try fixedWidth(&reader, rows, "the timestamp values"))
        case .float: values = .float(try fixedWidth(&reader, rows, "the float values", as: UInt32.self).map(Float.init(bitPattern:)))
        case .double: values = .double(try fixedWidth(&reader, rows, "the double values", as: UInt64.self).map(Double.init(bitPattern:)))
        case .string: values = .string(try strings(&reader, rows, "the string values"))
        case .bytes: values = .bytes(try byteStrings(&reader, rows, "the bytes values").map { Array(reader.bytes[$0]) })
        case .embedding(let dimension):
            let flags = try reader.readBytes(rows, "the embedding flags")
            let ranges = try byteStrings(&reader, rows, "the embedding values")
            var embeddings: [EncodedEmbedding] = []
            embeddings.reserveCapacity(rows)
            for (row, range) in ranges.enumerated() {
                let isNull = nulls?[row] ?? false
                let compressed = reader.bytes[flags.lowerBound + row]
                guard compressed <= 1 else {
                    throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: row \(row) has embedding flag \(compressed)")
                }
                guard isNull || compressed == 1 || range.count == dimension * 4 else {
                    throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: row \(row)'s raw embedding has \(range.count) bytes, not \(dimension * 4)")
                }
                embeddings.append(EncodedEmbedding(dimension: isNull ? 0 : dimension, isCompressed: compressed == 1, bytes: Array(reader.bytes[range])))
            }
            values = .embedding(embeddings)
        case .int64List:
            let offsets = try self.offsets(&reader, rows, "the int64 list offsets")
            let items: [Int64] = try fixedWidth(&reader, Int(offsets.last ?? 0), "the int64 list items")
            values = .int64List((0..<rows).map { Array(items[Int(offsets[$0])..<Int(offsets[$0 + 1])]) })
        case .stringList:
            let offsets = try self.offsets(&reader, rows, "the string list offsets")
            let items = try strings(&reader, Int(offsets.last ?? 0), "the string list items")
            values = .stringList((0..<rows).map { Array(items[Int(offsets[$0])..<Int(offsets[$0 + 1])]) })
        }
        try expectEnd(reader)
        return (values, nulls)
    }

    static func decodeKey(_ reader: inout BinaryReader, type: KeyType, rows: Int) throws(SkewlessError) -> KeyColumn {
        guard try decodeNulls(&reader, rows: rows) == nil else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: a key column has nulls")
        }
        let column: KeyColumn = type == .int64
            ? .int64(try fixedWidth(&reader, rows, "the key values"))
            : .string(try strings(&reader, rows, "the key values"))
        try expectEnd(reader)
        return column
    }

    static func decodeTimes(_ reader: inout BinaryReader, rows: Int) throws(SkewlessError) -> [Int64] {
        guard try decodeNulls(&reader, rows: rows) == nil else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: a time column has nulls")
        }
        let times: [Int64] = try fixedWidth(&reader, rows, "the times")
        try expectEnd(reader)
        return times
    }

    private static func expectEnd(_ reader: BinaryReader) throws(SkewlessError) {
        guard reader.isAtEnd else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(reader.remaining) bytes after the values")
        }
    }

    private static func decodeNulls(_ reader: inout BinaryReader, rows: Int) throws(SkewlessError) -> [Bool]? {
        let marker = try reader.read(UInt8.self, "the null marker")
        switch marker {
        case 0: return nil
        case 1:
            let range = try reader.readBytes((rows + 7) / 8, "the null bitmap")
            let bytes = reader.bytes
            return (0..<rows).map { bytes[range.lowerBound + $0 >> 3] & (1 << UInt8($0 & 7)) != 0 }
        default:
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: null marker \(marker)")
        }
    }

    private static func fixedWidth<T: FixedWidthInteger>(_ reader: inout BinaryReader, _ count: Int, _ what: String, as _: T.Type = T.self) throws(SkewlessError) -> [T] {
        let range = try reader.readBytes(count * MemoryLayout<T>.size, what)
        return reader.bytes.withUnsafeBytes { raw in
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0, let base = buffer.baseAddress, let source = raw.baseAddress {
                    UnsafeMutableRawPointer(base).copyMemory(from: source + range.lowerBound, byteCount: range.count)
                }
                #if _endian(big)
                for index in 0..<count { buffer[index] = T(littleEndian: buffer[index]) }
                #endif
                initialized = count
            }
        }
    }

    private static func offsets(_ reader: inout BinaryReader, _ count: Int, _ what: String) throws(SkewlessError) -> [UInt32] {
        let offsets: [UInt32] = try fixedWidth(&reader, count + 1, what)
        guard offsets.first == 0, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(what) do not start at 0 and grow")
        }
        return offsets
    }

    /// The byte ranges of `count` items laid out as offsets then bytes.
    private static func byteStrings(_ reader: inout BinaryReader, _ count: Int, _ what: String) throws(SkewlessError) -> [Range<Int>] {
        let offsets = try self.offsets(&reader, count, what)
        let data = try reader.readBytes(Int(offsets[count]), what)
        return (0..<count).map { data.lowerBound + Int(offsets[$0])..<data.lowerBound + Int(offsets[$0 + 1]) }
    }

    private static func strings(_ reader: inout BinaryReader, _ count: Int, _ what: String) throws(SkewlessError) -> [String] {
        let ranges = try byteStrings(&reader, count, what)
        var strings: [String] = []
        strings.reserveCapacity(count)
        for range in ranges {
            guard let text = String(validating: reader.bytes[range], as: UTF8.self) else {
                throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(what) hold text that is not UTF-8")
            }
            strings.append(text)
        }
        return strings
    }
}
