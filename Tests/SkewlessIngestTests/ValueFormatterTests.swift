import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct ValueFormatterTests {
    @Test func shortValues() {
        #expect(ValueFormatter.short(.embedding([0.5, 1, 2, 3, 4])) == "[0.5, 1.0, 2.0, 3.0, ... (5)]")
        #expect(ValueFormatter.short(.bytes([0xDE, 0xAD])) == "0xdead")
        #expect(ValueFormatter.short(.bytes([UInt8](repeating: 1, count: 32))) == "0x0101010101010101... (32 bytes)")
        #expect(ValueFormatter.short(.string("")) == "\"\"")
        #expect(ValueFormatter.short(.string("a\nb")) == "\"a\\nb\"")
        #expect(ValueFormatter.short(.timestamp(Fixtures.now)) == "2025-11-21T10:00:00Z")
        #expect(ValueFormatter.json(.bytes([0xDE, 0xAD, 0xBE, 0xEF])) == .string("3q2+7w=="))
        #expect(ValueFormatter.duration(seconds: 86_400) == "24h")
        #expect(ValueFormatter.duration(seconds: 2_592_000) == "30d")
        #expect(ValueFormatter.duration(seconds: 90) == "90s")
    }

    @Test func jsonOutputReadsBackAsInput() throws {
        let values: [(FeatureValue, FeatureType)] = [
            (.bool(true), .bool), (.int64(.max), .int64), (.float(0.1), .float), (.double(.infinity), .double),
            (.string("x\"y"), .string), (.bytes([0, 255]), .bytes), (.timestamp(Fixtures.now), .timestamp),
            (.embedding([0.1, -2]), .embedding(dimension: 2)), (.int64List([1, -1]), .int64List), (.stringList(["a", ""]), .stringList),
        ]
        for (value, type) in values {
            let text = ValueFormatter.json(value).serialized(indent: nil)
            #expect(try ValueParser.value(json: JSONParser.parse(text), as: type, now: 0) == value, "\(text)")
        }
    }
}
