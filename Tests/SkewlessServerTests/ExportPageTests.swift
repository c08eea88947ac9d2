import Foundation
import SkewlessModel
import SkewlessOnlineStore
@testable import SkewlessServer
import SkewlessWire
import Testing

/// An EXPORT_ROWS page carries rows exactly, over the wire and back: every field type, nulls,
/// composite keys, event and created times; a malformed page is refused as DATA_LOSS.
@Suite struct ExportPageTests {
    static let view = FeatureView(
        name: "everything", entities: ["user", "merchant"],
        fields: [
            Field(name: "b", type: .bool),
            Field(name: "i32", type: .int32),
            Field(name: "i64", type: .int64),
            Field(name: "f", type: .float),
            Field(name: "d", type: .double),
            Field(name: "s", type: .string),
            Field(name: "by", type: .bytes),
            Field(name: "ts", type: .timestamp),
            Field(name: "emb", type: .embedding(dimension: 2)),
            Field(name: "il", type: .int64List),
            Field(name: "sl", type: .stringList),
        ],
        ttlSeconds: 3_600)
    static let joinKeys = [JoinKey(name: "user_id", type: .int64), JoinKey(name: "merchant_id", type: .string)]
    /// [1.0, -2.0] as raw little-endian float32s.
    static let embedding = EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0])

    /// A store with three rows; the middle one is null in every field.
    static func source() throws -> OnlineStore {
        let store = OnlineStore(views: [(view, joinKeys)])
        let values: [ColumnValues] = [
            .bool([true, false, false]), .int32([-5, 0, .max]), .int64([.min, 0, 42]), .float([1.5, 0, -.infinity]),
            .double([.pi, 0, -0.25]), .string(["é", "", "long enough to live on the heap, surely"]), .bytes([[0, 255], [], [7]]),
            .timestamp([1_700_000_000_000_000, 0, -1]), .embedding([embedding, embedding, embedding]),
            .int64List([[1, 2], [], [.max]]), .stringList([["a", ""], [], ["z"]]),
        ]
        let batch = WriteBatch(
            keys: [EntityKey([.int64(1), .string("m-1")]), EntityKey([.int64(1), .string("m-2")]), EntityKey([.int64(-9), .string("")])],
            eventTimes: [10, 20, 30], createdTimes: [11, 21, 31],
            fields: values.map { FieldValues(values: $0, nullRows: [false, true, false]) })
        _ = try store.write(view: view, batch: batch, nowMicros: 0)
        return store
    }

    @Test func everyTypeNullsAndCompositeKeysSurviveTheWire() throws {
        let source = try Self.source()
        let keys = try source.exportKeys(view: Self.view) { _ in true }
        let exported = try source.exportRows(view: Self.view, keys: keys)
        let response = ExportPage.response(exported, view: Self.view, joinKeys: Self.joinKeys, epoch: 4)
        #expect(response.entities.map(\.joinKey) == ["user_id", "merchant_id"])
        #expect(response.columns.map(\.field) == Self.view.fields.map(\.name))
        #expect(response.columns.allSatisfy { $0.nullRows == [1] })
        let wire: Data = try response.serializedBytes()
        let decoded = try Skewless_V1_ExportRowsResponse(serializedBytes: wire)
        let batch = try ExportPage.batch(decoded, view: Self.view, joinKeys: Self.joinKeys)
        #expect(batch.keys == exported.keys)
        #expect(batch.eventTimes == [10, 20, 30] && batch.createdTimes == [11, 21, 31])

        let target = OnlineStore(views: [(Self.view, Self.joinKeys)])
        _ = try target.write(view: Self.view, batch: batch, nowMicros: 999)
        let fields = Array(0..<Self.view.fields.count)
        let probe = keys + [EntityKey([.int64(2), .string("m-1")])]
        #expect(try target.read(view: Self.view, fieldIndexes: fields, keys: probe, nowMicros: 40)
            == source.read(view: Self.view, fieldIndexes: fields, keys: probe, nowMicros: 40))
        // The same rows again: nothing changes, nothing is older.
        #expect(try target.write(view: Self.view, batch: batch, nowMicros: 999).rowsIgnoredOlder == 0)
    }

    @Test func aMalformedPageIsDataLoss() throws {
        let exported = try Self.source().exportRows(view: Self.view, keys: [EntityKey([.int64(1), .string("m-1")])])
        var response = ExportPage.response(exported, view: Self.view, joinKeys: Self.joinKeys, epoch: 4)
        var noCreated = response
        noCreated.createdTimeMicros = []
        var wrongType = response
        wrongType.columns[0].values = Skewless_V1_ValueColumn(.int64([1]))
        var unknownField = response
        unknownField.columns[0].field = "nope"
        response.entities.removeLast()
        for page in [noCreated, wrongType, unknownField, response] {
            #expect(throws: SkewlessError.self) { try ExportPage.batch(page, view: Self.view, joinKeys: Self.joinKeys) }
            do {
                _ = try ExportPage.batch(page, view: Self.view, joinKeys: Self.joinKeys)
            } catch {
                #expect(error.code == .dataLoss)
            }
        }
    }
}
