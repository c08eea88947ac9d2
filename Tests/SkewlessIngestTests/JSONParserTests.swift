import Testing
@testable import SkewlessIngest

@Suite struct JSONParserTests {
    @Test func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(" true ") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("-12") == .number("-12"))
        #expect(try JSONParser.parse("0.25e-3") == .number("0.25e-3"))
        #expect(try JSONParser.parse("9223372036854775807") == .number("9223372036854775807"))
        #expect(try JSONParser.parse("\"a\\\"b\\\\c\\/d\\n\\t\"") == .string("a\"b\\c/d\n\t"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse("\"\\u00e9\"") == .string("é"))
        #expect(try JSONParser.parse("\"\\ud83d\\ude00\"") == .string("😀"))
        #expect(try JSONParser.parse("\"日本\"") == .string("日本"))
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse("\"\\ud83d\"") }
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse("\"\\ude00\"") }
    }

    @Test func containersKeepOrder() throws {
        let value = try JSONParser.parse(#"{"b": [1, {"c": null}], "a": {}}"#)
        #expect(value == .object([
            JSONValue.Member("b", .array([.number("1"), .object([JSONValue.Member("c", .null)])])),
            JSONValue.Member("a", .object([])),
        ]))
        #expect(try JSONParser.parse("[]") == .array([]))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 9), ("{\"a\" 1}", 6), ("[1 2]", 4), ("01", 2), ("1.", 3), ("-", 2), ("tru", 1),
        ("{'a': 1}", 2), ("\"abc", 1), ("{\"a\": 1} x", 10), ("", 1), ("[1,", 4), ("\"a\tb\"", 3), ("\"\\x\"", 3),
    ])
    func errorsHaveColumns(text: String, column: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed \(text)")
        } catch {
            #expect(error.column == column, "\(text): \(error)")
        }
    }

    @Test func columnsCountCharacters() {
        do {
            _ = try JSONParser.parse("{\"é\": x}")
            Issue.record("parsed")
        } catch {
            #expect(error.column == 7)
        }
    }

    @Test func depthIsLimited() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.SyntaxError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect((try? JSONParser.parse(fine)) != nil)
    }
}
