import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct ValueParserTests {
    let now: Int64 = 1_763_719_200_000_000

    func text(_ text: String, _ type: FeatureType) throws -> FeatureValue {
        try ValueParser.value(text: text, as: type, now: now)
    }

    func json(_ text: String, _ type: FeatureType) throws -> FeatureValue {
        try ValueParser.value(json: JSONParser.parse(text), as: type, now: now)
    }

    func problem(_ body: () throws -> FeatureValue) -> String {
        do {
            return "parsed as \(try body())"
        } catch let error as InvalidValue {
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func scalarsFromText() throws {
        #expect(try text("true", .bool) == .bool(true))
        #expect(try text("FALSE", .bool) == .bool(false))
        #expect(try text("1", .bool) == .bool(true))
        #expect(try text(" 0 ", .bool) == .bool(false))
        #expect(try text("-2147483648", .int32) == .int32(.min))
        #expect(try text("+42", .int64) == .int64(42))
        #expect(try text("9223372036854775807", .int64) == .int64(.max))
        #expect(try text("0.25", .float) == .float(0.25))
        #expect(try text("-1.5e3", .double) == .double(-1500))
        #expect(try text(".5", .double) == .double(0.5))
        #expect(try text(" padded ", .string) == .string(" padded "))
        #expect(try text("3q2+7w==", .bytes) == .bytes([0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(try text("", .bytes) == .bytes([]))
        #expect(try text("2025-11-21T10:00:00Z", .timestamp) == .timestamp(now))
        #expect(try text("now-1h", .timestamp) == .timestamp(now - 3_600_000_000))
        #expect(try text("1700000000000000", .timestamp) == .timestamp(1_700_000_000_000_000))
        if case .float(let nan) = try text("NaN", .float).storage { #expect(nan.isNaN) } else { Issue.record("NaN") }
        #expect(try text("-Infinity", .double) == .double(-.infinity))
    }

    @Test func scalarErrors() {
        #expect(problem { try text("abc", .int64) } == "'abc' is not an int64")
        #expect(problem { try text("1.5", .int64) }.contains("not a whole number"))
        #expect(problem { try text("2147483648", .int32) }.contains("out of the range of int32"))
        #expect(problem { try text("99999999999999999999", .int64) }.contains("out of the range of int64"))
        #expect(problem { try text("yes", .bool) }.contains("not a bool"))
        #expect(problem { try text("1e39", .float) }.contains("out of the range of float"))
        #expect(problem { try text("0x10", .double) }.contains("not a double"))
        #expect(problem { try text("inf", .double) } == "parsed as inf")
        #expect(problem { try text("not base64!", .bytes) }.contains("not base64"))
        #expect(problem { try text("tomorrow", .timestamp) }.contains("not a time"))
    }

    @Test func listsFromText() throws {
        #expect(try text("1;2;3", .int64List) == .int64List([1, 2, 3]))
        #expect(try text("[1, 2, 3]", .int64List) == .int64List([1, 2, 3]))
        #expect(try text("[]", .int64List) == .int64List([]))
        #expect(try text("", .int64List) == .int64List([]))
        #expect(try text("7", .int64List) == .int64List([7]))
        #expect(try text("a;b c;", .stringList) == .stringList(["a", "b c", ""]))
        #expect(try text(#"["a;b", "c"]"#, .stringList) == .stringList(["a;b", "c"]))
        #expect(try text("0.5;-1;2e-1", .embedding(dimension: 3)) == .embedding([0.5, -1, 0.2]))
        #expect(try text("[0.5, -1, 0.2]", .embedding(dimension: 3)) == .embedding([0.5, -1, 0.2]))
    }

    @Test func listErrors() {
        #expect(problem { try text("1;x;3", .int64List) } == "'x' is not an item of an int64_list")
        #expect(problem { try text("[1, 2", .int64List) }.contains("not a valid list"))
        #expect(problem { try text("[1, 2]", .stringList) }.contains("JSON strings"))
        #expect(problem { try text("1;2", .embedding(dimension: 3)) }.contains("exactly 3 numbers, found 2"))
        #expect(problem { try text("1;NaN;2", .embedding(dimension: 3)) }.contains("finite"))
        #expect(problem { try text("1;x;2", .embedding(dimension: 3)) }.contains("item 2 of the embedding"))
    }

    @Test func valuesFromJSON() throws {
        #expect(try json("true", .bool) == .bool(true))
        #expect(try json("7", .int32) == .int32(7))
        #expect(try json("\"9223372036854775807\"", .int64) == .int64(.max))
        #expect(try json("0.1", .float) == .float(0.1))
        #expect(try json("\"NaN\"", .double).description == "nan")
        #expect(try json("\"hello\"", .string) == .string("hello"))
        #expect(try json("\"3q2+7w==\"", .bytes) == .bytes([0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(try json("1763719200000000", .timestamp) == .timestamp(now))
        #expect(try json("\"now\"", .timestamp) == .timestamp(now))
        #expect(try json("[1, 2.5]", .embedding(dimension: 2)) == .embedding([1, 2.5]))
        #expect(try json("[1, \"2\"]", .int64List) == .int64List([1, 2]))
        #expect(try json("[\"a\", \"\"]", .stringList) == .stringList(["a", ""]))
    }

    @Test func jsonErrors() {
        #expect(problem { try json("\"yes\"", .bool) }.contains("expected true or false for type bool, found the string \"yes\""))
        #expect(problem { try json("5", .string) }.contains("write it in quotes"))
        #expect(problem { try json("1.0", .int64) }.contains("not a whole number"))
        #expect(problem { try json("[1, 2]", .embedding(dimension: 3)) }.contains("exactly 3"))
        #expect(problem { try json("[\"a\"]", .embedding(dimension: 1)) }.contains("holds numbers"))
        #expect(problem { try json("[1]", .stringList) }.contains("holds strings"))
        #expect(problem { try json("{}", .int64List) }.contains("expected a list"))
    }

    @Test func nulls() throws {
        #expect(try ValueParser.value(of: .text("", isQuoted: false), as: .string, now: now) == nil)
        #expect(try ValueParser.value(of: .text("", isQuoted: true), as: .string, now: now) == .string(""))
        #expect(try ValueParser.value(of: .json(.null), as: .int64, now: now) == nil)
    }

    @Test func keys() throws {
        #expect(try ValueParser.keyPart(of: .text("42", isQuoted: false), as: .int64) == .int64(42))
        #expect(try ValueParser.keyPart(of: .text("123", isQuoted: false), as: .string) == .string("123"))
        #expect(try ValueParser.keyPart(of: .json(.string("7")), as: .int64) == .int64(7))
        #expect(throws: InvalidValue.self) { try ValueParser.keyPart(of: .json(.number("123")), as: .string) }
        #expect(throws: InvalidValue.self) { try ValueParser.keyPart(of: .text("m-1", isQuoted: false), as: .int64) }
        #expect(try ValueParser.keyPart(of: .json(.null), as: .int64) == nil)
    }
}
