import Testing
@testable import SkewlessIngest

@Suite struct CSVReaderTests {
    func records(_ text: String) throws -> [[String]] {
        var reader = CSVReader(text: text)
        return try reader.readAll().map { $0.fields.map(\.text) }
    }

    func error(_ text: String) -> CSVReader.SyntaxError? {
        var reader = CSVReader(text: text)
        do {
            _ = try reader.readAll()
            return nil
        } catch {
            return error
        }
    }

    @Test func plainRecords() throws {
        #expect(try records("a,b,c\n1,2,3\n") == [["a", "b", "c"], ["1", "2", "3"]])
        #expect(try records("a,b\n1,2") == [["a", "b"], ["1", "2"]])
        #expect(try records("") == [])
        #expect(try records("\n\n") == [])
    }

    @Test func lineBreaks() throws {
        #expect(try records("a,b\r\n1,2\r\n") == [["a", "b"], ["1", "2"]])
        #expect(try records("a,b\r1,2\r") == [["a", "b"], ["1", "2"]])
        #expect(try records("a\n\n\nb\n") == [["a"], ["b"]])
    }

    @Test func emptyFields() throws {
        #expect(try records("a,,c\n,,\n") == [["a", "", "c"], ["", "", ""]])
        #expect(try records("a,b,") == [["a", "b", ""]])
        #expect(try records("a,b,\n") == [["a", "b", ""]])
    }

    @Test func quotedFields() throws {
        #expect(try records("\"a,b\",c") == [["a,b", "c"]])
        #expect(try records("\"say \"\"hi\"\"\",x") == [["say \"hi\"", "x"]])
        #expect(try records("\"\"\"\"") == [["\""]])
        #expect(try records("\"line1\nline2\",x\r\ny,z") == [["line1\nline2", "x"], ["y", "z"]])
        #expect(try records("\"crlf\r\ninside\"") == [["crlf\r\ninside"]])
        #expect(try records("\"\",x") == [["", "x"]])
        #expect(try records("x,\"\"") == [["x", ""]])
    }

    @Test func quotedIsReported() throws {
        var reader = CSVReader(text: "\"\",,\"a\",b")
        let record = try #require(try reader.next())
        #expect(record.fields.map(\.isQuoted) == [true, false, true, false])
    }

    @Test func recordLinesCountLineBreaksInsideQuotes() throws {
        var reader = CSVReader(text: "h1,h2\n\"a\nb\nc\",1\n\nx,2\r\ny,3")
        let lines = try reader.readAll().map(\.line)
        #expect(lines == [1, 2, 6, 7])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        var reader = CSVReader(bytes: [0xEF, 0xBB, 0xBF] + Array("a,b".utf8))
        #expect(try reader.next()?.fields.map(\.text) == ["a", "b"])
    }

    @Test func unicode() throws {
        #expect(try records("é,\"日本,語\"\n") == [["é", "日本,語"]])
    }

    @Test func unclosedQuoteNamesTheLineItStartsOn() {
        let problem = error("a,b\n1,\"open\nmore\nstill")
        #expect(problem?.line == 2)
        #expect(problem?.message.contains("never closed") == true)
    }

    @Test func quoteInsideUnquotedField() {
        let problem = error("a,b\n1,ab\"c\n")
        #expect(problem?.line == 2)
        #expect(problem?.message.contains("does not start with one") == true)
    }

    @Test func textAfterClosingQuote() {
        let problem = error("a\n\"x\"y,1\n")
        #expect(problem?.line == 2)
        #expect(problem?.message.contains("after the closing quote") == true)
    }

    @Test func invalidUTF8() {
        var reader = CSVReader(bytes: [0x61, 0x2C, 0xFF, 0x0A])
        #expect(throws: CSVReader.SyntaxError.self) { try reader.readAll() }
    }
}
