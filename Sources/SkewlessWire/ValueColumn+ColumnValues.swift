import Foundation
import SkewlessCompression
import SkewlessModel

extension Skewless_V1_ValueColumn {
    /// The wire form of a typed column; only the array of its type is filled.
    package init(_ values: ColumnValues) {
        self.init()
        switch values {
        case .bool(let v): boolValues = v
        case .int32(let v): int32Values = v
        case .int64(let v): int64Values = v
        case .float(let v): floatValues = v
        case .double(let v): doubleValues = v
        case .string(let v): stringValues = v
        case .bytes(let v): bytesValues = v.map { Data($0) }
        case .timestamp(let v): timestampValues = v
        case .embedding(let v): embeddingValues = v.map(Skewless_V1_Embedding.init)
        case .int64List(let v): int64ListValues = v.map { list in
            var wire = Skewless_V1_Int64List()
            wire.values = list
            return wire
        }
        case .stringList(let v): stringListValues = v.map { list in
            var wire = Skewless_V1_StringList()
            wire.values = list
            return wire
        }
        }
    }

    /// A one-row column holding `value`.
    package init(_ value: FeatureValue) {
        switch value.storage {
        case .bool(let v): self.init(.bool([v]))
        case .int32(let v): self.init(.int32([v]))
        case .int64(let v): self.init(.int64([v]))
        case .float(let v): self.init(.float([v]))
        case .double(let v): self.init(.double([v]))
        case .string(let v): self.init(.string([v]))
        case .bytes(let v): self.init(.bytes([v]))
        case .timestamp(let v): self.init(.timestamp([v]))
        case .embedding(let v): self.init(.embedding([EmbeddingCodec.encode(v)]))
        case .int64List(let v): self.init(.int64List([v]))
        case .stringList(let v): self.init(.stringList([v]))
        }
    }

    /// (name, count) of every array that holds values, to tell a peer what it sent.
    private var populatedArrays: [(String, Int)] {
        var result: [(String, Int)] = []
        if !boolValues.isEmpty { result.append(("bool", boolValues.count)) }
        if !int32Values.isEmpty { result.append(("int32", int32Values.count)) }
        if !int64Values.isEmpty { result.append(("int64", int64Values.count)) }
        if !floatValues.isEmpty { result.append(("float", floatValues.count)) }
        if !doubleValues.isEmpty { result.append(("double", doubleValues.count)) }
        if !stringValues.isEmpty { result.append(("string", stringValues.count)) }
        if !bytesValues.isEmpty { result.append(("bytes", bytesValues.count)) }
        if !timestampValues.isEmpty { result.append(("timestamp", timestampValues.count)) }
        if !embeddingValues.isEmpty { result.append(("embedding", embeddingValues.count)) }
        if !int64ListValues.isEmpty { result.append(("int64_list", int64ListValues.count)) }
        if !stringListValues.isEmpty { result.append(("string_list", stringListValues.count)) }
        return result
    }

    /// The typed values of this column, checked against the field's type and row count.
    ///
    /// Exactly the array of `type` may hold values, and it must hold `count` of them.
    /// Embeddings are decoded, which checks dimension, size and LZ4 integrity: raw ones are
    /// then encoded again (compressed when that pays), LZ4 ones are kept as sent. Entries of
    /// `nullRows` are placeholders: only their dimension is checked, and a zero vector is kept.
    /// - Parameter subject: names the column in errors, e.g. "field 'score' of view 'stats@1'".
    package func columnValues(as type: FeatureType, count: Int, nullRows: [Bool]? = nil, subject: @autoclosure () -> String) throws(SkewlessError) -> ColumnValues {
        let populated = populatedArrays
        let expectedName = ColumnValues.arrayName(of: type)
        for (name, n) in populated where name != expectedName {
            throw SkewlessError(.invalidArgument, "\(subject()) is \(type) but the column holds \(n) \(name) values: send \(expectedName) values")
        }
        let actual = populated.first?.1 ?? 0
        guard actual == count else {
            throw SkewlessError(.invalidArgument, "\(subject()) has \(actual) values for \(count) rows: send exactly one value per row (a placeholder for null rows)")
        }
        switch type.storage {
        case .bool: return .bool(boolValues)
        case .int32: return .int32(int32Values)
        case .int64: return .int64(int64Values)
        case .float: return .float(floatValues)
        case .double: return .double(doubleValues)
        case .string: return .string(stringValues)
        case .bytes: return .bytes(bytesValues.map { [UInt8]($0) })
        case .timestamp: return .timestamp(timestampValues)
        case .int64List: return .int64List(int64ListValues.map(\.values))
        case .stringList: return .stringList(stringListValues.map(\.values))
        case .embedding(let dimension):
            var encoded: [EncodedEmbedding] = []
            encoded.reserveCapacity(count)
            var placeholder: EncodedEmbedding?
            for (row, wire) in embeddingValues.enumerated() {
                guard wire.dimension == dimension else {
                    throw SkewlessError(.invalidArgument, "\(subject()) row \(row): embedding has dimension \(wire.dimension), the field is \(type)")
                }
                if let nullRows, nullRows[row] {
                    let zero = placeholder ?? EmbeddingCodec.encode([Float](repeating: 0, count: dimension))
                    placeholder = zero
                    encoded.append(zero)
                    continue
                }
                let vector: [Float]
                do {
                    vector = try EmbeddingCodec.decode(dimension: dimension, isCompressed: wire.lz4, bytes: wire.data)
                } catch {
                    throw SkewlessError(.invalidArgument, "\(subject()) row \(row): \(error.message)")
                }
                encoded.append(wire.lz4 ? EncodedEmbedding(dimension: dimension, isCompressed: true, bytes: [UInt8](wire.data)) : EmbeddingCodec.encode(vector))
            }
            return .embedding(encoded)
        }
    }

    /// The single value of a one-row column of `type` (a declared default on the wire).
    package func singleValue(as type: FeatureType, subject: @autoclosure () -> String) throws(SkewlessError) -> FeatureValue {
        let column = try columnValues(as: type, count: 1, subject: subject())
        return try column.value(at: 0)
    }
}

extension ColumnValues {
    /// The wire array name that holds values of `type`.
    package static func arrayName(of type: FeatureType) -> String {
        switch type.storage {
        case .embedding: return "embedding"
        default: return type.description
        }
    }

}

extension Skewless_V1_Embedding {
    package init(_ encoded: EncodedEmbedding) {
        self.init()
        dimension = UInt32(encoded.dimension)
        lz4 = encoded.isCompressed
        data = Data(encoded.bytes)
    }
}
