import Testing
@testable import SkewlessIngest

@Suite struct JSONValueTests {
    @Test func serialization() throws {
        let value = JSONValue.object([
            JSONValue.Member("s", .string("q\"\\\n\u{1}")),
            JSONValue.Member("list", .array([.number("1"), .number("2.5")])),
            JSONValue.Member("objects", .array([.object([JSONValue.Member("a", .null)])])),
            JSONValue.Member("empty", .object([])),
        ])
        #expect(value.serialized(indent: nil) == #"{"s":"q\"\\\n\u0001","list":[1,2.5],"objects":[{"a":null}],"empty":{}}"#)
        #expect(value.serialized() == """
            {
              "s": "q\\"\\\\\\n\\u0001",
              "list": [1, 2.5],
              "objects": [
                {
                  "a": null
                }
              ],
              "empty": {}
            }
            """)
        #expect(try JSONParser.parse(value.serialized()) == value)
        #expect(try JSONParser.parse(value.serialized(indent: nil)) == value)
    }

    @Test func floatingPointSpellings() throws {
        #expect(JSONValue.floatingPoint(Float(0.1)) == .number("0.1"))
        #expect(JSONValue.floatingPoint(Double.nan) == .string("NaN"))
        #expect(JSONValue.floatingPoint(-Double.infinity) == .string("-Infinity"))
        #expect(try JSONParser.parse(JSONValue.floatingPoint(1e-7).serialized()) == .number("1e-07"))
    }
}
