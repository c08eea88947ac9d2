import Testing
@testable import SkewlessModel
@testable import SkewlessWire

@Suite struct EntityKeyColumnsTests {
    let userID = JoinKey(name: "user_id", type: .int64)
    let merchantID = JoinKey(name: "merchant_id", type: .string)

    @Test func buildsSingleAndCompositeKeysInTheViewsOrder() throws {
        let wire = try Skewless_V1_EntityKeyColumn.columns(
            joinKeys: ["merchant_id", "user_id"],
            rows: [["user_id": 1, "merchant_id": "a"], ["user_id": 2, "merchant_id": "b"]])
        let columns = try EntityKeyColumns(wire)
        #expect(columns.rowCount == 2)
        #expect(try columns.keys(for: [userID], view: "v") == [EntityKey(.int64(1)), EntityKey(.int64(2))])
        #expect(try columns.keys(for: [userID, merchantID], view: "v") == [EntityKey([.int64(1), .string("a")]), EntityKey([.int64(2), .string("b")])])
    }

    @Test func rejectsColumnsOfDifferentLengths() throws {
        var a = Skewless_V1_EntityKeyColumn()
        a.joinKey = "user_id"
        a.int64Values = [1, 2]
        var b = Skewless_V1_EntityKeyColumn()
        b.joinKey = "merchant_id"
        b.stringValues = ["x"]
        #expect(throws: SkewlessError.self) { try EntityKeyColumns([a, b]) }
    }

    @Test func namesTheMissingJoinKeyAndWhatWasSent() throws {
        let columns = try EntityKeyColumns(try Skewless_V1_EntityKeyColumn.columns(joinKeys: ["item_id"], rows: [["item_id": 5]]))
        let error = #expect(throws: SkewlessError.self) { try columns.keys(for: [userID], view: "user_stats@1") }
        #expect(error?.message == "feature view 'user_stats@1' needs join key 'user_id' (int64) but the request sends only: item_id")
    }

    @Test func rejectsAKeyOfTheWrongType() throws {
        let columns = try EntityKeyColumns(try Skewless_V1_EntityKeyColumn.columns(joinKeys: ["user_id"], rows: [["user_id": "42"]]))
        #expect(throws: SkewlessError.self) { try columns.keys(for: [userID], view: "v") }
    }

    @Test func rejectsMixedTypesAndDuplicateColumns() throws {
        #expect(throws: SkewlessError.self) {
            try Skewless_V1_EntityKeyColumn.columns(joinKeys: ["user_id"], rows: [["user_id": 1], ["user_id": "x"]])
        }
        var a = Skewless_V1_EntityKeyColumn()
        a.joinKey = "user_id"
        a.int64Values = [1]
        #expect(throws: SkewlessError.self) { try EntityKeyColumns([a, a]) }
    }

    /// Past eight columns the repeat check uses a set: a request of many columns (which only a
    /// malformed client sends) still gets its answer, or its error, in linear time.
    @Test func findsARepeatedColumnAmongMany() throws {
        func column(_ name: String) -> Skewless_V1_EntityKeyColumn {
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = name
            column.int64Values = [7]
            return column
        }
        let many = (0..<20_000).map { column("k\($0)") }
        let columns = try EntityKeyColumns(many)
        #expect(try columns.keys(for: [JoinKey(name: "k19999", type: .int64)], view: "v") == [EntityKey(.int64(7))])
        for repeated in [many + [column("k5")], [column("a"), column("b"), column("a")]] {
            let error = #expect(throws: SkewlessError.self) { try EntityKeyColumns(repeated) }
            #expect(error?.message.contains("is sent twice") == true)
        }
    }
}
