import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct JSONLinesRowReaderTests {
    @Test func jsonLines() throws {
        let jsonl = """
            {"user_id": 1, "event_time": "now", "txn_count_24h": 3, "embedding": [1, 2, 3], "tags": ["a"]}

            {"user_id": "2", "event_time": 1763719200000000, "txn_amount_24h": null}\r
            """
        let rows = try Fixtures.writes(jsonl, .jsonl).get()
        #expect(rows.map(\.entity) == [["user_id": .int64(1)], ["user_id": .int64(2)]])
        let expected: [String: FeatureValue?] = ["txn_amount_24h": FeatureValue?.none]
        #expect(rows[1].values == expected)
    }

    @Test func jsonLinesErrors() {
        let jsonl = """
            {"user_id": 1, "event_time": "now", "txn_count_24h": "x"}
            {"user_id": 1, "event_time": "now", "txn_count_24h": 1,}
            [1]
            {"event_time": "now", "tags": "a"}
            {"user_id": 1, "event_time": 1763719200, "emb": [1]}
            """
        #expect(Fixtures.report(jsonl, .jsonl) == """
            data.jsonl: line 1, column 'txn_count_24h': 'x' is not an int64
            data.jsonl: line 2: not valid JSON: column 56: expected a key in double quotes
            data.jsonl: line 3: expected a JSON object such as {"user_id": 1, "event_time": "now"}; found a list
            data.jsonl: line 4, column 'tags': expected a list for type string_list, found the string "a"
            data.jsonl: line 4, column 'user_id': missing: the join key is required (user_transactions@1 is keyed by user_id)
            data.jsonl: line 5, column 'event_time': 1763719200 is 1970-01-01T00:29:23.719200Z when read as microseconds, and looks like seconds: times are microseconds since the epoch (or write an RFC 3339 time)
            data.jsonl: line 5, column 'emb': not a join key or field of user_transactions@1; its columns are user_id, event_time, txn_count_24h, txn_amount_24h, embedding, tags, created_time
            """)
    }
}
