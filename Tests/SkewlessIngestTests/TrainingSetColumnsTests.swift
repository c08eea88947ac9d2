import SkewlessIngest
import SkewlessModel
import Testing

@Suite struct TrainingSetColumnsTests {
    static let view = FeatureView(
        name: "payments", entities: ["user"],
        fields: [Field(name: "amount", type: .double), Field(name: "country", type: .string), Field(name: "flag", type: .bool)],
        ttlSeconds: 86_400)

    @Test func statusesAndEmptyCellsAreNullsAndAFieldWithoutAColumnIsMissing() throws {
        let csv = """
            user_id,timestamp,amount,amount__status,country
            1,1763719200000000,1.5,PRESENT,DE
            2,1763719200000000,,NOT_FOUND,""
            3,1763719200000000,2.5,NULL_VALUE,
            """
        let columns = try TrainingSetColumns.read(Array(csv.utf8), format: .csv, file: "t.csv", view: Self.view, now: 0).get()
        #expect(columns.rowCount == 3)
        #expect(columns.values["amount"] == [.double(1.5), nil, nil], "a status without a value nulls the cell, whatever it holds")
        #expect(columns.values["country"] == [.string("DE"), .string(""), nil], "a quoted empty string is a value, an empty cell null")
        #expect(columns.values["flag"] == nil && columns.missing["flag"] == "the file has no column 'payments__flag' or 'flag'")
    }

    @Test func badCellsAndStatusesAreNamedWithFileRowAndLine() {
        let jsonl = """
            {"user_id": 1, "payments__amount": 1.5, "payments__amount__status": "PRESENT"}
            {"user_id": 2, "payments__amount": "abc", "payments__amount__status": "MISSING"}
            """
        guard case .failure(let problems) = TrainingSetColumns.read(Array(jsonl.utf8), format: .jsonl, file: "t.jsonl", view: Self.view, now: 0) else {
            Issue.record("a bad cell and an unknown status were accepted")
            return
        }
        let text = problems.description
        #expect(text.hasPrefix("t.jsonl: 2 problems; nothing was compared"))
        #expect(text.contains("t.jsonl: line 2, column 'payments__amount': "))
        #expect(text.contains("t.jsonl: line 2, column 'payments__amount__status': 'MISSING' is not a status"))
    }
}
