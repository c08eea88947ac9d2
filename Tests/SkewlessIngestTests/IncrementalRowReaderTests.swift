import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct IncrementalRowReaderTests {
    /// Feeds `text` in reads of `readBytes`, then ends the input: every row and problem.
    static func read(_ text: String, _ format: InputFormat, readBytes: Int) throws -> (rows: [IncrementalRowReader.Row], problems: [InputProblem]) {
        var reader = IncrementalRowReader(format: format)
        var rows: [IncrementalRowReader.Row] = []
        var problems: [InputProblem] = []
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let output = try reader.append(Array(remaining.prefix(readBytes)))
            remaining = remaining.dropFirst(readBytes)
            rows += output.rows
            problems += output.problems
        }
        let last = try reader.finish()
        return (rows + last.rows, problems + last.problems)
    }

    static let jsonl = """
        {"user_id": 1, "event_time": "now", "tags": ["a", "b"]}

        {"user_id": 2, "event_time": "now", "txn_count_24h": 7}\r
        not json
        {"user_id": 3, "event_time": "now", "note": "Åland ✓"}
        """

    static let csv = "user_id,event_time,tags\r\n1,now,\"a;b\"\r\n\r\n2,now,\"multi\r\nline\"\r\n3,now,\"x,\"\"y\"\"\"\n4,now,c"

    @Test(arguments: [1, 2, 3, 7, 64, 10_000])
    func rowsSplitAcrossReadsComeOutAsTheWholeFileReadsThem(readBytes: Int) throws {
        let jsonl = try Self.read(Self.jsonl, .jsonl, readBytes: readBytes)
        let whole = JSONLinesRowReader.read(Array(Self.jsonl.utf8))
        #expect(jsonl.rows.map(\.input) == whole.rows)
        #expect(jsonl.problems == whole.problems)
        #expect(jsonl.rows.map(\.input.location) == [.line(1), .line(3), .line(5)])

        let csv = try Self.read(Self.csv, .csv, readBytes: readBytes)
        let wholeCSV = CSVRowReader.read(Array(Self.csv.utf8))
        #expect(csv.rows.map(\.input) == wholeCSV.rows)
        #expect(csv.problems.isEmpty)
        #expect(csv.rows.map(\.input.location) == [.record(number: 1, line: 2), .record(number: 2, line: 4), .record(number: 3, line: 6), .record(number: 4, line: 7)])
    }

    @Test func aPartialLastLineIsHeldUntilItsLineBreakArrives() throws {
        var reader = IncrementalRowReader(format: .jsonl)
        let first = try reader.append(Array("{\"user_id\": 1, \"event_time\": \"now\"}\n{\"user_id\": 2, \"ev".utf8))
        #expect(first.rows.map(\.input.location) == [.line(1)])
        #expect(reader.heldByteCount == 18)
        let second = try reader.append(Array("ent_time\": \"now\"}".utf8))
        #expect(second.rows.isEmpty)
        let third = try reader.append(Array("\n".utf8))
        #expect(third.rows.map(\.input.location) == [.line(2)])
        #expect(third.rows.first?.input.cell("user_id") == .json(.number("2")))
        #expect(reader.heldByteCount == 0)
    }

    @Test func theEndOfTheInputCompletesALastLineWithoutALineBreak() throws {
        var reader = IncrementalRowReader(format: .csv)
        #expect(try reader.append(Array("user_id,event_time\n1,now".utf8)).rows.isEmpty)
        #expect(reader.heldByteCount == 5)
        let last = try reader.finish()
        #expect(last.rows.map(\.input.location) == [.record(number: 1, line: 2)])
    }

    @Test func aCRLFSplitBetweenReadsIsOneLineBreak() throws {
        var reader = IncrementalRowReader(format: .csv)
        let header = try reader.append(Array("user_id,event_time\r".utf8))
        #expect(header.header == nil)  // the CR may be the first half of a CRLF
        let first = try reader.append(Array("\n1,now\r".utf8))
        #expect(first.header?.columns == ["user_id", "event_time"])
        #expect(first.rows.isEmpty)
        let second = try reader.append(Array("\n2,now\r".utf8))
        #expect(second.rows.map(\.input.location) == [.record(number: 1, line: 2)])
        let third = try reader.append(Array("\n".utf8))
        #expect(third.rows.map(\.input.location) == [.record(number: 2, line: 3)])
        #expect(third.rows.first?.input.cell("event_time") == .text("now", isQuoted: false))
    }

    @Test func aLoneCRStillEndsACSVRecordOnceTheNextByteArrives() throws {
        let rows = try Self.read("user_id,event_time\r1,now\r2,now\r", .csv, readBytes: 1).rows
        #expect(rows.map(\.input.location) == [.record(number: 1, line: 2), .record(number: 2, line: 3)])
    }

    @Test func aCSVSyntaxErrorCostsItsRecordOnly() throws {
        let result = try Self.read("user_id,event_time\n1,n\"ow\n2,now\n3,\"now\"x\n4,now\n", .csv, readBytes: 5)
        #expect(result.rows.map(\.input.location) == [.record(number: 2, line: 3), .record(number: 4, line: 5)])
        #expect(result.problems.map(\.location) == [.record(number: 1, line: 2), .record(number: 3, line: 4)])
        #expect(result.problems.allSatisfy { $0.message.hasPrefix("CSV syntax:") })
    }

    @Test func aCSVRecordWithTheWrongFieldCountIsAProblemOfItsRow() throws {
        let result = try Self.read("user_id,event_time\n1,now,extra\n2,now\n", .csv, readBytes: 4)
        #expect(result.problems.map(\.location) == [.record(number: 1, line: 2)])
        #expect(result.rows.map(\.input.location) == [.record(number: 2, line: 3)])
    }

    @Test func rowsCarryTheSizeOfTheirRecords() throws {
        let rows = try Self.read("{\"user_id\": 1}\n\n{\"user_id\": 22}\n", .jsonl, readBytes: 3).rows
        #expect(rows.map(\.byteCount) == [15, 17])  // the second includes the blank line before it
    }

    @Test func aHeaderThatCannotBeReadStopsTheStream() {
        var reader = IncrementalRowReader(format: .csv)
        #expect(throws: InputProblem.self) { try reader.append(Array("user_id;event_time\n".utf8)) }
        var empty = IncrementalRowReader(format: .csv)
        #expect(throws: InputProblem.self) { try empty.finish() }
    }

    @Test func aLineLongerThanTheLimitStopsTheStream() throws {
        var reader = IncrementalRowReader(format: .jsonl, maxRecordBytes: 1 << 20)
        _ = try reader.append(Array("{\"user_id\": 1}\n".utf8))
        let error = #expect(throws: InputProblem.self) {
            try reader.append([UInt8](repeating: UInt8(ascii: " "), count: (1 << 20) + 1))
        }
        #expect(error?.location == .line(2))
        #expect(error?.message.contains("without a line feed") == true)
    }
}
