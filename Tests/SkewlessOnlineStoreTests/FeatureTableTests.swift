import SkewlessCompression
import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

@Suite struct FeatureTableTests {
    typealias F = Fixtures

    // MARK: - Round trips

    /// A view with one field of every type, and a value, a null row and the zero placeholder for each.
    static let allTypesView = FeatureView(
        name: "everything", entities: ["user"],
        fields: [
            Field(name: "b", type: .bool),
            Field(name: "i32", type: .int32),
            Field(name: "i64", type: .int64),
            Field(name: "f", type: .float),
            Field(name: "d", type: .double),
            Field(name: "s", type: .string),
            Field(name: "by", type: .bytes),
            Field(name: "ts", type: .timestamp),
            Field(name: "emb", type: .embedding(dimension: 64)),
            Field(name: "il", type: .int64List),
            Field(name: "sl", type: .stringList),
        ],
        ttlSeconds: 3_600)

    static let sparse = EmbeddingCodec.encode(F.sparseVector(64, seed: 1))
    static let dense = EmbeddingCodec.encode(F.denseVector(64, seed: 2))
    static let zeroEmbedding = EmbeddingCodec.encode([Float](repeating: 0, count: 64))

    /// Rows 1, 2, 3 written; row 2 null in every field; row 4 never written.
    static let written: [ColumnValues] = [
        .bool([true, false, true]),
        .int32([-5, 0, .max]),
        .int64([.min, 0, 42]),
        .float([1.5, 0, -.infinity]),
        .double([.pi, 0, -0.25]),
        .string(["short", "", "a string longer than fifteen bytes, stored on the heap"]),
        .bytes([[0, 1, 255], [], []]),
        .timestamp([1_700_000_000_000_000, 0, -1]),
        .embedding([sparse, sparse, dense]),
        .int64List([[1, 2, 3], [], [Int64.max]]),
        .stringList([["a", "b"], [], ["", "long enough to need a heap buffer, surely"]]),
    ]

    static let zeros: [ColumnValues] = [
        .bool([false]), .int32([0]), .int64([0]), .float([0]), .double([0]), .string([""]), .bytes([[]]),
        .timestamp([0]), .embedding([zeroEmbedding]), .int64List([[]]), .stringList([[]]),
    ]

    @Test func everyTypeRoundTripsWithNullsAndPlaceholders() throws {
        let table = FeatureTable(view: Self.allTypesView, joinKeys: [F.userID])
        let nulls = [false, true, false]
        let batch = WriteBatch(
            keys: F.keys(1, 2, 3), eventTimes: [10, 20, 30], createdTimes: nil,
            fields: Self.written.map { FieldValues(values: $0, nullRows: nulls) })
        #expect(try table.write(batch, nowMicros: 100) == WriteResult(rowsWritten: 3, rowsIgnoredOlder: 0))

        #expect(table.columns.allSatisfy { $0.count == 3 })
        #expect(table.eventTimes.count == 3 && table.createdTimes.count == 3)
        let columns = try table.read(fieldIndexes: Array(0..<11), keys: F.keys(3, 1, 2, 4), nowMicros: 100)
        #expect(columns.count == 11)
        for (field, column) in columns.enumerated() {
            #expect(column.statuses == [.present, .present, .nullValue, .notFound])
            #expect(column.eventTimes == [30, 10, 20, 0])
            #expect(column.values == Self.expected(field: field, rows: [2, 0]), "field \(Self.allTypesView.fields[field].name)")
        }
    }

    /// Values of rows `rows` of field `field`, then two zero placeholders.
    static func expected(field: Int, rows: [Int]) -> ColumnValues {
        func pick<T>(_ values: [T], _ zero: [T]) -> [T] { rows.map { values[$0] } + zero + zero }
        switch (written[field], zeros[field]) {
        case (.bool(let v), .bool(let z)): return .bool(pick(v, z))
        case (.int32(let v), .int32(let z)): return .int32(pick(v, z))
        case (.int64(let v), .int64(let z)): return .int64(pick(v, z))
        case (.float(let v), .float(let z)): return .float(pick(v, z))
        case (.double(let v), .double(let z)): return .double(pick(v, z))
        case (.string(let v), .string(let z)): return .string(pick(v, z))
        case (.bytes(let v), .bytes(let z)): return .bytes(pick(v, z))
        case (.timestamp(let v), .timestamp(let z)): return .timestamp(pick(v, z))
        case (.embedding(let v), .embedding(let z)): return .embedding(pick(v, z))
        case (.int64List(let v), .int64List(let z)): return .int64List(pick(v, z))
        case (.stringList(let v), .stringList(let z)): return .stringList(pick(v, z))
        default: return .bool([])
        }
    }

    @Test func embeddingsAreServedAsStoredCompressedOrRaw() throws {
        #expect(Self.sparse.isCompressed)
        #expect(!Self.dense.isCompressed)
        let table = FeatureTable(view: Self.allTypesView, joinKeys: [F.userID])
        var fields = [FieldValues?](repeating: nil, count: 11)
        fields[8] = FieldValues(values: .embedding([Self.sparse, Self.dense]))
        _ = try table.write(WriteBatch(keys: F.keys(1, 2), eventTimes: [1, 1], fields: fields), nowMicros: 1)
        let column = try #require(try table.read(fieldIndexes: [8], keys: F.keys(1, 2, 3), nowMicros: 1).first)
        guard case .embedding(let served) = column.values else {
            Issue.record("expected embeddings, got \(column.values.typeName)")
            return
        }
        #expect(served[0] == Self.sparse)
        #expect(served[1] == Self.dense)
        #expect(try EmbeddingCodec.decode(served[0]) == F.sparseVector(64, seed: 1))
        #expect(try EmbeddingCodec.decode(served[1]) == F.denseVector(64, seed: 2))
        #expect(try EmbeddingCodec.decode(served[2]) == [Float](repeating: 0, count: 64))
        #expect(column.statuses == [.present, .present, .notFound])
    }

    @Test func embeddingDefaultsAreEncodedOnce() throws {
        let vector = F.denseVector(8, seed: 3)
        let view = FeatureView(
            name: "emb", entities: ["user"],
            fields: [Field(name: "e", type: .embedding(dimension: 8), defaultValue: .embedding(vector))], ttlSeconds: 60)
        let table = FeatureTable(view: view, joinKeys: [F.userID])
        let column = try #require(try table.read(fieldIndexes: [0], keys: F.keys(9), nowMicros: 0).first)
        #expect(column.statuses == [.defaulted])
        #expect(column.values == .embedding([EmbeddingCodec.encode(vector)]))
    }

    @Test func compositeKeysAreMatchedPartByPart() throws {
        let view = FeatureView(name: "pair", entities: ["user", "merchant"], fields: [Field(name: "amount", type: .double)], ttlSeconds: 60)
        let joinKeys = [F.userID, JoinKey(name: "merchant", type: .string)]
        let table = FeatureTable(view: view, joinKeys: joinKeys)
        let keys = [EntityKey([1, "m-1"]), EntityKey([1, "m-2"]), EntityKey([2, "m-1"])]
        _ = try table.write(WriteBatch(keys: keys, eventTimes: [5, 5, 5], fields: [FieldValues(values: .double([1, 2, 3]))]), nowMicros: 5)
        #expect(table.rowCount == 3)
        let column = try #require(try table.read(fieldIndexes: [0], keys: [EntityKey([2, "m-1"]), EntityKey([1, "m-2"]), EntityKey([2, "m-2"])], nowMicros: 5).first)
        #expect(column.values == .double([3, 2, 0]))
        #expect(column.statuses == [.present, .present, .notFound])
    }

    @Test func stringKeysRoundTrip() throws {
        let view = FeatureView(name: "by_name", entities: ["user"], fields: [Field(name: "n", type: .int32)], ttlSeconds: 60)
        let table = FeatureTable(view: view, joinKeys: [JoinKey(name: "name", type: .string)])
        let long = String(repeating: "x", count: 100)
        _ = try table.write(WriteBatch(keys: [EntityKey("ann"), EntityKey(.string(long))], eventTimes: [1, 1], fields: [FieldValues(values: .int32([1, 2]))]), nowMicros: 1)
        let column = try #require(try table.read(fieldIndexes: [0], keys: [EntityKey(.string(long)), EntityKey("ann"), EntityKey("bob")], nowMicros: 1).first)
        #expect(column.values == .int32([2, 1, 0]))
        #expect(table.keyHeapBytes >= 100)
    }

    // MARK: - Row semantics

    @Test func aRowIsWrittenWholeSoAnAbsentFieldBecomesNull() throws {
        let table = FeatureTable(view: F.scoreView(), joinKeys: [F.userID])
        _ = try table.write(F.scoreBatch([1], eventTime: 10, scores: [0.5], counts: [3]), nowMicros: 10)
        _ = try table.write(F.scoreBatch([1], eventTime: 11, counts: [4]), nowMicros: 11)
        let columns = try table.read(fieldIndexes: [0, 1], keys: F.keys(1), nowMicros: 11)
        #expect(columns[0].statuses == [.nullValue])
        #expect(columns[0].values == .float([0]))
        #expect(columns[1].statuses == [.present])
        #expect(columns[1].values == .int64([4]))
    }

    @Test func olderWritesAreIgnoredAndEqualTimesReplace() throws {
        let table = FeatureTable(view: F.scoreView(), joinKeys: [F.userID])
        func score() throws -> (Float?, Int64?) {
            let column = try #require(try table.read(fieldIndexes: [0], keys: F.keys(1), nowMicros: 100).first)
            guard case .float(let values) = column.values else { return (nil, nil) }
            return (values.first, column.eventTimes.first)
        }
        #expect(try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 5, scores: [1]), nowMicros: 100) == WriteResult(rowsWritten: 1, rowsIgnoredOlder: 0))
        // Older event time: ignored, even with a newer created time.
        #expect(try table.write(F.scoreBatch([1], eventTime: 49, createdTime: 99, scores: [2]), nowMicros: 100) == WriteResult(rowsWritten: 0, rowsIgnoredOlder: 1))
        #expect(try score() == (1, 50))
        // Same event time, older created time: ignored.
        #expect(try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 4, scores: [3]), nowMicros: 100) == WriteResult(rowsWritten: 0, rowsIgnoredOlder: 1))
        #expect(try score() == (1, 50))
        // Equal (event, created): replaces.
        #expect(try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 5, scores: [4]), nowMicros: 100) == WriteResult(rowsWritten: 1, rowsIgnoredOlder: 0))
        #expect(try score() == (4, 50))
        // Same event time, newer created time: replaces.
        _ = try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 6, scores: [5]), nowMicros: 100)
        #expect(try score() == (5, 50))
        // Newer event time, older created time: replaces (event time decides first).
        _ = try table.write(F.scoreBatch([1], eventTime: 51, createdTime: 0, scores: [6]), nowMicros: 100)
        #expect(try score() == (6, 51))
        #expect(table.rowCount == 1)
    }

    @Test func missingCreatedTimesAreStampedWithNow() throws {
        let table = FeatureTable(view: F.scoreView(), joinKeys: [F.userID])
        _ = try table.write(F.scoreBatch([1], eventTime: 50, scores: [1]), nowMicros: 1_000)
        #expect(try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 999, scores: [2]), nowMicros: 2_000).rowsIgnoredOlder == 1)
        #expect(try table.write(F.scoreBatch([1], eventTime: 50, createdTime: 1_000, scores: [3]), nowMicros: 2_000).rowsWritten == 1)
    }

    @Test func rowsOfOneBatchApplyInOrder() throws {
        let table = FeatureTable(view: F.scoreView(), joinKeys: [F.userID])
        let batch = WriteBatch(
            keys: F.keys(1, 1, 1, 2, 2), eventTimes: [10, 30, 20, 5, 5], createdTimes: [0, 0, 0, 1, 1],
            fields: [FieldValues(values: .float([1, 3, 2, 7, 8])), nil])
        #expect(try table.write(batch, nowMicros: 40) == WriteResult(rowsWritten: 4, rowsIgnoredOlder: 1))
        let column = try #require(try table.read(fieldIndexes: [0], keys: F.keys(1, 2), nowMicros: 40).first)
        #expect(column.values == .float([3, 8]))
        #expect(column.eventTimes == [30, 5])
        #expect(table.rowCount == 2)
        #expect(table.columns.allSatisfy { $0.count == 2 })
    }

    // MARK: - Memory

    @Test func footprintCountsVariableWidthPayloadsAndFreesOverwrittenOnes() throws {
        let view = FeatureView(name: "texts", entities: ["user"], fields: [Field(name: "t", type: .string)], ttlSeconds: 60)
        let table = FeatureTable(view: view, joinKeys: [F.userID])
        let empty = table.memoryFootprint
        let long = String(repeating: "y", count: 1_000)
        _ = try table.write(WriteBatch(keys: F.keys(1, 2), eventTimes: [1, 1], fields: [FieldValues(values: .string([long, long]))]), nowMicros: 1)
        let withLong = table.memoryFootprint
        #expect(withLong - empty >= 2_000)
        _ = try table.write(WriteBatch(keys: F.keys(1, 2), eventTimes: [2, 2], fields: [FieldValues(values: .string(["s", "t"]))]), nowMicros: 2)
        #expect(withLong - table.memoryFootprint >= 2_000)
    }

    @Test func dictionaryEstimateFollowsTheBucketLayout() {
        #expect(MemoryFootprint.dictionaryBytes(capacity: 0, keyStride: 17, valueStride: 4) == 0)
        // 100k entries need 2^18 buckets (2^17 * 3/4 = 98,304 is too few).
        #expect(MemoryFootprint.dictionaryBytes(capacity: 196_608, keyStride: 24, valueStride: 4)
            == MemoryFootprint.dictionaryHeaderBytes + (1 << 18) / 8 + (1 << 18) * 28)
        var dictionary: [Int: UInt32] = [:]
        for i in 0..<100_000 { dictionary[i] = UInt32(i) }
        #expect(dictionary.capacity == 196_608)
    }
}
