import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct CheckedRowStreamTests {
    /// Streams `text` in pieces of `pieceBytes`, reading `readBytes` at a time.
    static func stream(_ text: String, _ format: InputFormat, pieceBytes: Int, readBytes: Int = 3) -> CheckedRowStream {
        var remaining = Array(text.utf8)[...]
        return CheckedRowStream(file: "data.\(format.rawValue)", format: format, validator: Fixtures.validator(), pieceBytes: pieceBytes) { _ in
            let chunk = Array(remaining.prefix(readBytes))
            remaining = remaining.dropFirst(readBytes)
            return chunk
        }
    }

    static func drain(_ stream: inout CheckedRowStream) throws -> [CheckedRow] {
        var rows: [CheckedRow] = []
        while let piece = try stream.next() { rows += piece }
        return rows
    }

    static let csv = """
        user_id,event_time,txn_count_24h,tags
        1,1763719200000000,5,"a;b"
        2,1763719200000001,,"multi
        line"
        3,2025-11-21T10:00:00Z,7,""

        4,1763719200000003,8,c
        """

    @Test(arguments: [1, 7, 40, 1_000])
    func piecesOfAnySizeGiveTheRowsOfTheWholeFile(pieceBytes: Int) throws {
        var stream = Self.stream(Self.csv, .csv, pieceBytes: pieceBytes)
        let rows = try Self.drain(&stream)
        #expect(stream.problems == nil)
        let whole = try Fixtures.writes(Self.csv, .csv).get()
        #expect(rows == whole)
        #expect(stream.rowCount == 4)
    }

    @Test(arguments: [1, 13, 1_000])
    func problemsNameTheRowAndLineOfTheWholeFile(pieceBytes: Int) throws {
        let csv = Self.csv + "\n5,now,x,\n6,,1,\n"
        var stream = Self.stream(csv, .csv, pieceBytes: pieceBytes)
        let rows = try Self.drain(&stream)
        let report = try #require(stream.problems).report()
        #expect(report == Fixtures.report(csv, .csv))
        #expect(report.contains("row 5 (line 8), column 'txn_count_24h'"))
        #expect(report.contains("row 6 (line 9), column 'event_time'"))
        // Once a row is bad, no more rows are handed out.
        #expect(rows.count < 5)
    }

    @Test func jsonLinesStreamWithLineNumbers() throws {
        let jsonl = "{\"user_id\": 1, \"event_time\": 1763719200000000}\n\n{\"user_id\": 2, \"event_time\": 1763719200000000, \"txn_count_24h\": \"x\"}\n"
        var stream = Self.stream(jsonl, .jsonl, pieceBytes: 10)
        _ = try Self.drain(&stream)
        #expect(try #require(stream.problems).report() == "data.jsonl: line 3, column 'txn_count_24h': 'x' is not an int64")
    }

    @Test func createdTimeInSomePiecesOnlyIsAProblem() throws {
        let csv = "user_id,event_time,created_time\n1,1763719200000000,1763719200000000\n2,1763719200000000,\n"
        var stream = Self.stream(csv, .csv, pieceBytes: 1)
        _ = try Self.drain(&stream)
        #expect(try #require(stream.problems).report().contains("row 2 (line 3), column 'created_time': no created time, but row 1 (line 2) gives one"))
    }

    @Test func aBadHeaderStopsReading() throws {
        var stream = Self.stream("user_id,evnt_time\n1,2\n", .csv, pieceBytes: 4)
        #expect(try Self.drain(&stream).isEmpty)
        let report = try #require(stream.problems).report()
        #expect(report.contains("header, column 'evnt_time'"))
        #expect(report.contains("header, column 'event_time': missing"))
        var empty = Self.stream("", .csv, pieceBytes: 4)
        _ = try Self.drain(&empty)
        #expect(try #require(empty.problems).report().contains("the file is empty"))
    }
}

@Suite struct LabelFileTests {
    static let keys = [JoinKey(name: "user_id", type: .int64), JoinKey(name: "merchant_id", type: .string)]

    @Test func labelsKeepEveryColumnAndRowInOrder() throws {
        let csv = "merchant_id,user_id,ts,label,note\nm-1,1,2025-11-21T10:00:00Z,1,\nm-1,1,1763719200000000,0,\"a, b\"\nm-1,1,1763719200000000,0,\n"
        let labels = try LabelFile.read(Array(csv.utf8), format: .csv, file: "l.csv", joinKeys: Self.keys, timeColumn: "ts", now: 0).get()
        #expect(labels.columns == ["merchant_id", "user_id", "ts", "label", "note"])
        #expect(labels.count == 3)
        #expect(labels.keys["user_id"] == [.int64(1), .int64(1), .int64(1)])
        #expect(labels.times == [1_763_719_200_000_000, 1_763_719_200_000_000, 1_763_719_200_000_000])
        #expect(labels.cells[1][4] == .string("a, b"))
        #expect(labels.cells[0][4] == .null)
    }

    @Test func everyProblemIsNamed() {
        let jsonl = "{\"user_id\": \"x\", \"merchant_id\": \"m\", \"ts\": 1}\n{\"user_id\": 1, \"ts\": \"soon\"}\n"
        guard case .failure(let problems) = LabelFile.read(Array(jsonl.utf8), format: .jsonl, file: "l.jsonl", joinKeys: Self.keys, timeColumn: "ts", now: 0) else {
            Issue.record("expected problems")
            return
        }
        let report = problems.report()
        #expect(report.contains("line 1, column 'user_id'"))
        #expect(report.contains("line 2, column 'merchant_id': the join key has no value"))
        #expect(report.contains("line 2, column 'ts'"))
        #expect(problems.headline.contains("no training set was written"))
    }

    @Test func trainingSetsAreWrittenAsCSVAndJSONLines() throws {
        let csv = "user_id,merchant_id,ts\n1,m,1763719200000000\n2,m,1763719200000000\n"
        let labels = try LabelFile.read(Array(csv.utf8), format: .csv, file: "l.csv", joinKeys: Self.keys, timeColumn: "ts", now: 0).get()
        let values: [FeatureValue?] = [.stringList(["a", "b,c"]), nil]
        let feature = TrainingSetWriter.Feature(name: "tags", statuses: [.present, .outsideTTL]) { values[$0] }
        var output: [UInt8] = []
        try TrainingSetWriter.write(labels: labels, features: [feature], format: .csv, statusColumns: true) { output += $0 }
        #expect(String(decoding: output, as: UTF8.self) == "user_id,merchant_id,ts,tags,tags__status\n1,m,1763719200000000,\"[\"\"a\"\",\"\"b,c\"\"]\",PRESENT\n2,m,1763719200000000,,OUTSIDE_TTL\n")
        output = []
        try TrainingSetWriter.write(labels: labels, features: [feature], format: .jsonl, statusColumns: false) { output += $0 }
        #expect(String(decoding: output, as: UTF8.self).hasPrefix("{\"user_id\":\"1\",\"merchant_id\":\"m\",\"ts\":\"1763719200000000\",\"tags\":[\"a\",\"b,c\"]}\n"))
    }
}
