import Foundation
import NIOCore
import SkewlessModel

/// Encodes and decodes `GetOnlineFeaturesResponse` (and its `ResponseFrame`) directly
/// between typed columns and bytes, without building generated message values.
///
/// The bytes are exactly what swift-protobuf writes for the same message (fields in
/// number order, numeric arrays packed), which the tests check, so any protobuf library
/// reads them; the decoder accepts anything a conforming encoder may write (packed or
/// unpacked arrays, any field order, unknown fields).
package enum OnlineFeaturesCodec {
    // MARK: - Encoding

    /// Appends one whole frame: the length prefix and a `ResponseFrame` with status OK whose
    /// payload is a `GetOnlineFeaturesResponse` holding `columns` (through
    /// `OnlineFeaturesFrameBuilder`, which the node uses column by column).
    package static func writeFrame(requestID: UInt64, columns: [ServedColumn], into buffer: inout ByteBuffer) {
        var builder = OnlineFeaturesFrameBuilder(columnCount: columns.count, allocator: ByteBufferAllocator())
        for (position, column) in columns.enumerated() {
            builder.appendColumn(at: position, column)
        }
        builder.writeFrame(requestID: requestID, into: &buffer)
    }

    /// The encoded sizes of one `FeatureColumn`: the whole message, its `values` field's
    /// payload, and its packed event times.
    struct ColumnSizes {
        var column: Int
        var values: Int
        var times: Int
    }

    static func typeNumber(_ type: FeatureType) -> UInt64 {
        UInt64(Skewless_V1_ValueType(type).rawValue)
    }

    static func status(_ number: UInt8) -> ValueStatus? {
        switch number {
        case 1: return .present
        case 2: return .notFound
        case 3: return .nullValue
        case 4: return .outsideTTL
        case 5: return .defaulted
        default: return nil
        }
    }

    static func statusNumber(_ status: ValueStatus) -> UInt8 {
        switch status.storage {
        case .present: return 1
        case .notFound: return 2
        case .nullValue: return 3
        case .outsideTTL: return 4
        case .defaulted: return 5
        }
    }

    static func columnSize(_ column: ServedColumn, valuesSize: Int, timesSize times: Int) -> Int {
        var size = 0
        let nameBytes = column.name.utf8.count
        if nameBytes > 0 { size += ProtobufSize.fieldSize(length: nameBytes) }
        let type = typeNumber(column.type)
        size += ProtobufSize.varintFieldSize(type)
        if !column.statuses.isEmpty { size += ProtobufSize.fieldSize(length: column.statuses.count) }
        if times > 0 { size += ProtobufSize.fieldSize(length: times) }
        size += ProtobufSize.fieldSize(length: valuesSize)
        return size
    }

    static func write(_ column: ServedColumn, sizes: ColumnSizes, into out: inout ProtobufCursor) {
        typealias Field = ProtobufField.FeatureColumn
        let nameBytes = column.name.utf8.count
        if nameBytes > 0 {
            out.lengthDelimited(Field.feature, length: nameBytes)
            out.string(column.name)
        }
        let type = typeNumber(column.type)
        out.varintField(Field.type, type)
        if !column.statuses.isEmpty {
            out.lengthDelimited(Field.statuses, length: column.statuses.count)
            let statuses = out.reserve(column.statuses.count)
            for (index, status) in column.statuses.enumerated() { statuses[index] = statusNumber(status) }
        }
        if sizes.times > 0 {
            out.lengthDelimited(Field.eventTimeMicros, length: sizes.times)
            out.varints(column.eventTimes)
        }
        out.lengthDelimited(Field.values, length: sizes.values)
        writeValues(column.values, into: &out)
    }

    static func packedVarintSize(_ values: [Int64]) -> Int {
        var size = 0
        for value in values { size += ProtobufSize.varintSize(value) }
        return size
    }

    /// The size of a `ValueColumn` holding `values`.
    static func valuesSize(_ values: ColumnValues) -> Int {
        func packed(_ length: Int) -> Int { length == 0 ? 0 : ProtobufSize.fieldSize(length: length) }
        switch values {
        case .bool(let v): return packed(v.count)
        case .int32(let v):
            var n = 0
            for x in v { n += ProtobufSize.varintSize(Int64(x)) }
            return packed(n)
        case .int64(let v), .timestamp(let v): return packed(packedVarintSize(v))
        case .float(let v): return packed(4 * v.count)
        case .double(let v): return packed(8 * v.count)
        case .string(let v):
            var n = 0
            for s in v { n += ProtobufSize.fieldSize(length: s.utf8.count) }
            return n
        case .bytes(let v):
            var n = 0
            for b in v { n += ProtobufSize.fieldSize(length: b.count) }
            return n
        case .embedding(let v):
            var n = 0
            for e in v { n += ProtobufSize.fieldSize(length: embeddingSize(e)) }
            return n
        case .int64List(let v):
            var n = 0
            for list in v { n += ProtobufSize.fieldSize(length: packed(packedVarintSize(list))) }
            return n
        case .stringList(let v):
            var n = 0
            for list in v {
                var m = 0
                for s in list { m += ProtobufSize.fieldSize(length: s.utf8.count) }
                n += ProtobufSize.fieldSize(length: m)
            }
            return n
        }
    }

    private static func embeddingSize(_ e: EncodedEmbedding) -> Int {
        var n = 0
        n += ProtobufSize.varintFieldSize(UInt64(e.dimension))
        if e.isCompressed { n += 2 }
        if !e.bytes.isEmpty { n += ProtobufSize.fieldSize(length: e.bytes.count) }
        return n
    }

    private static func writeValues(_ values: ColumnValues, into out: inout ProtobufCursor) {
        typealias Field = ProtobufField.ValueColumn
        switch values {
        case .bool(let v):
            guard !v.isEmpty else { return }
            out.lengthDelimited(Field.boolValues, length: v.count)
            let bools = out.reserve(v.count)
            for (index, x) in v.enumerated() { bools[index] = x ? 1 : 0 }
        case .int32(let v):
            var n = 0
            for x in v { n += ProtobufSize.varintSize(Int64(x)) }
            guard n > 0 else { return }
            out.lengthDelimited(Field.int32Values, length: n)
            for x in v { out.varint(UInt64(bitPattern: Int64(x))) }
        case .int64(let v):
            writePackedVarints(Field.int64Values, v, into: &out)
        case .timestamp(let v):
            writePackedVarints(Field.timestampValues, v, into: &out)
        case .float(let v):
            guard !v.isEmpty else { return }
            out.lengthDelimited(Field.floatValues, length: 4 * v.count)
            out.littleEndian(v)
        case .double(let v):
            guard !v.isEmpty else { return }
            out.lengthDelimited(Field.doubleValues, length: 8 * v.count)
            out.littleEndian(v)
        case .string(let v):
            for s in v {
                out.lengthDelimited(Field.stringValues, length: s.utf8.count)
                out.string(s)
            }
        case .bytes(let v):
            for b in v {
                out.lengthDelimited(Field.bytesValues, length: b.count)
                out.bytes(b)
            }
        case .embedding(let v):
            typealias Embedding = ProtobufField.Embedding
            for e in v {
                out.lengthDelimited(Field.embeddingValues, length: embeddingSize(e))
                out.varintField(Embedding.dimension, UInt64(e.dimension))
                out.varintField(Embedding.lz4, e.isCompressed ? 1 : 0)
                if !e.bytes.isEmpty {
                    out.lengthDelimited(Embedding.data, length: e.bytes.count)
                    out.bytes(e.bytes)
                }
            }
        case .int64List(let v):
            for list in v {
                let n = packedVarintSize(list)
                out.lengthDelimited(Field.int64ListValues, length: n == 0 ? 0 : ProtobufSize.fieldSize(length: n))
                writePackedVarints(ProtobufField.Int64List.values, list, into: &out)
            }
        case .stringList(let v):
            for list in v {
                var m = 0
                for s in list { m += ProtobufSize.fieldSize(length: s.utf8.count) }
                out.lengthDelimited(Field.stringListValues, length: m)
                for s in list {
                    out.lengthDelimited(ProtobufField.StringList.values, length: s.utf8.count)
                    out.string(s)
                }
            }
        }
    }

    private static func writePackedVarints(_ field: some ProtobufFieldNumber, _ values: [Int64], into out: inout ProtobufCursor) {
        let n = packedVarintSize(values)
        guard n > 0 else { return }
        out.lengthDelimited(field, length: n)
        out.varints(values)
    }

    // MARK: - Decoding

    /// Decodes a `GetOnlineFeaturesResponse` for `entityCount` rows into typed columns
    /// (through `ReceivedFeatures`, which the SDK reads in place instead).
    ///
    /// - Parameter expectedNames: the column names of an earlier response of the same
    ///   request; names that match are reused rather than allocated again.
    package static func decodeResponse(
        _ bytes: UnsafeRawBufferPointer,
        entityCount: Int,
        expectedNames: [String] = []
    ) throws(SkewlessError) -> [ServedColumn] {
        try ReceivedFeatures(decoding: bytes, rowCount: entityCount, expectedNames: ColumnNames(expectedNames)).servedColumns()
    }

    /// Decodes a `ValueColumn` of `wireType`: exactly that type's array, `entityCount` long.
    /// Only the array of that type is made (this runs once per such column of every response).
    static func decodeValues(
        _ reader: inout ProtobufReader, wireType: Skewless_V1_ValueType, entityCount: Int, name: String
    ) throws(SkewlessError) -> (FeatureType, ColumnValues) {
        let type: FeatureType
        let column: ColumnValues
        switch wireType {
        case .bool:
            var varints: [UInt64] = []
            varints.reserveCapacity(entityCount)
            try forEachValue(&reader, field: .boolValues, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in try r.readVarints(wireType: t, into: &varints) }
            (type, column) = (.bool, .bool(varints.map { $0 != 0 }))
        case .int32:
            var varints: [UInt64] = []
            varints.reserveCapacity(entityCount)
            try forEachValue(&reader, field: .int32Values, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in try r.readVarints(wireType: t, into: &varints) }
            (type, column) = (.int32, .int32(varints.map { Int32(truncatingIfNeeded: Int64(bitPattern: $0)) }))
        case .int64, .timestamp:
            var int64s: [Int64] = []
            int64s.reserveCapacity(entityCount)
            let isTimestamp = wireType == .timestamp
            try forEachValue(&reader, field: isTimestamp ? .timestampValues : .int64Values, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in try r.readInt64s(wireType: t, into: &int64s) }
            (type, column) = isTimestamp ? (.timestamp, .timestamp(int64s)) : (.int64, .int64(int64s))
        case .float:
            var floats: [Float] = []
            floats.reserveCapacity(entityCount)
            try forEachValue(&reader, field: .floatValues, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in try r.readFloats(wireType: t, into: &floats) }
            (type, column) = (.float, .float(floats))
        case .double:
            var doubles: [Double] = []
            doubles.reserveCapacity(entityCount)
            try forEachValue(&reader, field: .doubleValues, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in try r.readDoubles(wireType: t, into: &doubles) }
            (type, column) = (.double, .double(doubles))
        case .string:
            var strings: [String] = []
            try forEachValue(&reader, field: .stringValues, wireType: wireType, name: name) { (r, _) throws(SkewlessError) in strings.append(try r.readString()) }
            (type, column) = (.string, .string(strings))
        case .bytes:
            var blobs: [[UInt8]] = []
            try forEachValue(&reader, field: .bytesValues, wireType: wireType, name: name) { (r, _) throws(SkewlessError) in blobs.append(try r.readBytes()) }
            (type, column) = (.bytes, .bytes(blobs))
        case .embedding:
            var embeddings: [EncodedEmbedding] = []
            try forEachValue(&reader, field: .embeddingValues, wireType: wireType, name: name) { (r, _) throws(SkewlessError) in
                var sub = try r.readLengthDelimited()
                var dimension: UInt64 = 0
                var lz4 = false
                var data: [UInt8] = []
                while !sub.isAtEnd {
                    let (f, t) = try sub.readTag()
                    switch (ProtobufField.Embedding(rawValue: f), t) {
                    case (.dimension?, 0): dimension = try sub.readVarint()
                    case (.lz4?, 0): lz4 = try sub.readVarint() != 0
                    case (.data?, 2): data = try sub.readBytes()
                    default: try sub.skip(field: f, wireType: t)
                    }
                }
                guard dimension <= UInt64(FeatureType.maxEmbeddingDimension) else {
                    throw SkewlessError(.internal, "embedding of dimension \(dimension) in '\(name)' is out of range")
                }
                embeddings.append(EncodedEmbedding(dimension: Int(dimension), isCompressed: lz4, bytes: data))
            }
            let dimension = embeddings.first?.dimension ?? 1
            guard dimension > 0, embeddings.allSatisfy({ $0.dimension == dimension }) else {
                throw SkewlessError(.internal, "embeddings of column '\(name)' have differing or zero dimensions")
            }
            (type, column) = (.embedding(dimension: dimension), .embedding(embeddings))
        case .int64List:
            var int64Lists: [[Int64]] = []
            try forEachValue(&reader, field: .int64ListValues, wireType: wireType, name: name) { (r, _) throws(SkewlessError) in
                var sub = try r.readLengthDelimited()
                var list: [UInt64] = []
                while !sub.isAtEnd {
                    let (f, t) = try sub.readTag()
                    if f == ProtobufField.Int64List.values.rawValue { try sub.readVarints(wireType: t, into: &list) } else { try sub.skip(field: f, wireType: t) }
                }
                int64Lists.append(list.map { Int64(bitPattern: $0) })
            }
            (type, column) = (.int64List, .int64List(int64Lists))
        case .stringList:
            var stringLists: [[String]] = []
            try forEachValue(&reader, field: .stringListValues, wireType: wireType, name: name) { (r, _) throws(SkewlessError) in
                var sub = try r.readLengthDelimited()
                var list: [String] = []
                while !sub.isAtEnd {
                    let (f, t) = try sub.readTag()
                    if f == ProtobufField.StringList.values.rawValue, t == 2 { list.append(try sub.readString()) } else { try sub.skip(field: f, wireType: t) }
                }
                stringLists.append(list)
            }
            (type, column) = (.stringList, .stringList(stringLists))
        case .unspecified, .UNRECOGNIZED:
            throw SkewlessError(.internal, "unknown value type \(wireType.rawValue) for '\(name)': upgrade the client")
        }
        guard column.count == entityCount else {
            throw SkewlessError(.internal, "the node sent \(column.count) values for \(entityCount) entities in '\(name)'")
        }
        return (type, column)
    }

    /// Calls `read` for each occurrence of `ValueColumn` field `field` (the one of the
    /// column's type), with its wire type; skips fields this client does not know (past
    /// `ProtobufField.ValueColumn`) and refuses values of another known type.
    static func forEachValue(
        _ reader: inout ProtobufReader, field expected: ProtobufField.ValueColumn, wireType: Skewless_V1_ValueType, name: String,
        _ read: (inout ProtobufReader, UInt8) throws(SkewlessError) -> Void
    ) throws(SkewlessError) {
        while !reader.isAtEnd {
            let (field, type) = try reader.readTag()
            guard let known = ProtobufField.ValueColumn(rawValue: field) else {
                try reader.skip(field: field, wireType: type)
                continue
            }
            guard known == expected else {
                throw SkewlessError(.internal, "column '\(name)' is \(wireType) but holds values of field \(field)")
            }
            try read(&reader, type)
        }
    }
}
