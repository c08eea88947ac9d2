import Testing
import SkewlessCompression
@testable import SkewlessModel
@testable import SkewlessWire

@Suite struct ValueColumnTests {
    static let samples: [(FeatureType, ColumnValues)] = [
        (.bool, .bool([true, false])),
        (.int32, .int32([.min, .max])),
        (.int64, .int64([.min, .max])),
        (.float, .float([1.5, -0])),
        (.double, .double([.pi, 1e300])),
        (.string, .string(["a", "ü😀"])),
        (.bytes, .bytes([[0, 255], []])),
        (.timestamp, .timestamp([0, 1_700_000_000_000_000])),
        (.embedding(dimension: 3), .embedding([EmbeddingCodec.encode([1, 2, 3]), EmbeddingCodec.encode([0, 0, 0])])),
        (.int64List, .int64List([[1, 2], []])),
        (.stringList, .stringList([["x"], []])),
    ]

    @Test(arguments: samples)
    func everyTypeRoundTrips(_ type: FeatureType, _ values: ColumnValues) throws {
        let wire = Skewless_V1_ValueColumn(values)
        let bytes: [UInt8] = try wire.serializedBytes()
        let decoded = try Skewless_V1_ValueColumn(serializedBytes: bytes)
        #expect(try decoded.columnValues(as: type, count: 2, subject: "f") == values)
    }

    @Test func aColumnOfTheWrongTypeIsRejectedWithWhatToSend() {
        let wire = Skewless_V1_ValueColumn(.float([1, 2]))
        let error = #expect(throws: SkewlessError.self) { try wire.columnValues(as: .int64, count: 2, subject: "field 'n'") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "field 'n' is int64 but the column holds 2 float values: send int64 values")
    }

    @Test func aColumnWithTheWrongRowCountIsRejected() {
        let wire = Skewless_V1_ValueColumn(.int64([1]))
        let error = #expect(throws: SkewlessError.self) { try wire.columnValues(as: .int64, count: 2, subject: "field 'n'") }
        #expect(error?.message.contains("1 values for 2 rows") == true)
    }

    @Test func embeddingsOfAnotherDimensionOrCorruptBlocksAreRejected() {
        let wrongDimension = Skewless_V1_ValueColumn(.embedding([EmbeddingCodec.encode([1, 2])]))
        #expect(throws: SkewlessError.self) { try wrongDimension.columnValues(as: .embedding(dimension: 3), count: 1, subject: "e") }
        var corrupt = Skewless_V1_Embedding()
        corrupt.dimension = 16
        corrupt.lz4 = true
        corrupt.data = Data([0xF0, 0x00, 0x01])
        var column = Skewless_V1_ValueColumn()
        column.embeddingValues = [corrupt]
        #expect(throws: SkewlessError.self) { try column.columnValues(as: .embedding(dimension: 16), count: 1, subject: "e") }
    }

    @Test func embeddingPlaceholdersInNullRowsNeedOnlyTheRightDimension() throws {
        var placeholder = Skewless_V1_Embedding()
        placeholder.dimension = 3
        placeholder.lz4 = true
        placeholder.data = Data([0xFF])  // not a valid block: fine, the row is null
        var column = Skewless_V1_ValueColumn()
        column.embeddingValues = [Skewless_V1_Embedding(EmbeddingCodec.encode([1, 2, 3])), placeholder]
        let values = try column.columnValues(as: .embedding(dimension: 3), count: 2, nullRows: [false, true], subject: "e")
        guard case .embedding(let stored) = values else {
            Issue.record("not an embedding column")
            return
        }
        #expect(try EmbeddingCodec.decode(stored[0]) == [1, 2, 3])
        #expect(try EmbeddingCodec.decode(stored[1]) == [0, 0, 0])
        // The same garbage in a row that is not null is rejected.
        #expect(throws: SkewlessError.self) { try column.columnValues(as: .embedding(dimension: 3), count: 2, subject: "e") }
    }

    @Test func rawEmbeddingsThatCompressWellAreStoredCompressed() throws {
        let sparse = [Float](repeating: 0, count: 256)
        var raw = Skewless_V1_Embedding()
        raw.dimension = 256
        raw.lz4 = false
        raw.data = Data(EmbeddingCodec.encode([Float](repeating: 0, count: 1)).bytes + [UInt8](repeating: 0, count: 255 * 4))
        var column = Skewless_V1_ValueColumn()
        column.embeddingValues = [raw]
        guard case .embedding(let stored) = try column.columnValues(as: .embedding(dimension: 256), count: 1, subject: "e") else {
            Issue.record("not an embedding column")
            return
        }
        #expect(stored[0].isCompressed)
        #expect(try EmbeddingCodec.decode(stored[0]) == sparse)
    }
}

import Foundation
