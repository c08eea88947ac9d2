import SkewlessModel
import Testing

@testable import SkewlessRepo

@Suite struct DefaultValueReaderTests {
    /// A repo with one field of `type` whose `default:` is `value`, written on line 11.
    static func yaml(type: String, default value: String) -> String {
        """
        project: p
        entities:
          - {name: user, join_keys: [{name: user_id, type: int64}]}
        feature_views:
          - name: v
            entities: [user]
            ttl: 1h
            fields:
              - name: f
                type: "\(type)"
                default: \(value)
        """
    }

    static let defaultLine = 11

    static func load(type: String, default value: String) throws(RepoError) -> FeatureValue? {
        try FeatureRepoLoader.load(yaml: yaml(type: type, default: value), file: "d.yaml").featureView(named: "v")?.fields.first?.defaultValue
    }

    @Test(arguments: [
        ("bool", "true", .bool(true)),
        ("bool", "False", .bool(false)),
        ("int32", "-2147483648", .int32(.min)),
        ("int32", "2147483647", .int32(.max)),
        ("int32", "+12", .int32(12)),
        ("int64", "9223372036854775807", .int64(.max)),
        ("int64", "-9223372036854775808", .int64(.min)),
        ("float", "0", .float(0)),
        ("float", "1.5", .float(1.5)),
        ("float", "-2.5e3", .float(-2500)),
        ("float", "-.inf", .float(-.infinity)),
        ("double", "0.1", .double(0.1)),
        ("double", "3", .double(3)),
        ("string", "unknown", .string("unknown")),
        ("string", "\"two words\"", .string("two words")),
        ("string", "0", .string("0")),
        ("string", "true", .string("true")),
        ("string", "''", .string("")),
        ("string", "\"null\"", .string("null")),
        ("bytes", "\"3q2+7w==\"", .bytes([0xDE, 0xAD, 0xBE, 0xEF])),
        ("bytes", "AAEC", .bytes([0, 1, 2])),
        ("bytes", "\"\"", .bytes([])),
        ("timestamp", "1704067200000000", .timestamp(1_704_067_200_000_000)),
        ("timestamp", "-5", .timestamp(-5)),
        ("timestamp", "2024-01-01T00:00:00Z", .timestamp(1_704_067_200_000_000)),
        ("timestamp", "\"2024-01-01T01:00:00.25+01:00\"", .timestamp(1_704_067_200_250_000)),
        ("embedding[3]", "[1, 2.5, -3]", .embedding([1, 2.5, -3])),
        ("embedding[2]", "\n          - 0.5\n          - 1", .embedding([0.5, 1])),
        ("int64_list", "[1, -2, 3]", .int64List([1, -2, 3])),
        ("int64_list", "[]", .int64List([])),
        ("string_list", "[a, \"b c\", '1', true]", .stringList(["a", "b c", "1", "true"])),
        ("string_list", "[]", .stringList([])),
    ] as [(String, String, FeatureValue)])
    func parsesEveryType(_ type: String, _ text: String, _ expected: FeatureValue) throws {
        #expect(try Self.load(type: type, default: text) == expected)
    }

    @Test func parsesNaN() throws {
        let value = try Self.load(type: "double", default: ".nan")
        guard case .double(let double) = value?.storage else {
            Issue.record("expected a double, got \(String(describing: value))")
            return
        }
        #expect(double.isNaN)
    }

    @Test(arguments: ["~", "null", ""])
    func nullMeansNoDefault(_ text: String) throws {
        #expect(try Self.load(type: "int64", default: text) == nil)
    }

    @Test(arguments: [
        ("bool", "yes", "must be true or false"),
        ("bool", "\"true\"", "without quotes"),
        ("bool", "1", "must be true or false for type bool; found '1'"),
        ("int32", "3000000000", "out of the range of int32 (-2147483648 to 2147483647)"),
        ("int32", "1.5", "must be a whole number"),
        ("int64", "\"5\"", "a whole number without quotes"),
        ("int64", "9223372036854775808", "out of the range of int64"),
        ("int64", "0x10", "must be a whole number"),
        ("float", "abc", "must be a number"),
        ("float", "1e39", "out of the range of float"),
        ("float", "\"1.0\"", "a number without quotes"),
        ("double", "[1]", "must be a single value; found a list"),
        ("double", "{a: 1}", "must be a single value; found a mapping"),
        ("string", "[a]", "must be a single value"),
        ("bytes", "\"not base64!\"", "base64"),
        ("timestamp", "2024-13-01T00:00:00Z", "month 13"),
        ("timestamp", "99999999999999999999", "out of range"),
        ("timestamp", "yesterday", "is not a time"),
        ("timestamp", "\"12345\"", "is not a time"),
        ("embedding[3]", "[1, 2]", "exactly 3 numbers for type embedding[3]; found 2"),
        ("embedding[3]", "5", "must be a list"),
        ("embedding[3]", "[1, 2, x]", "item 3 of the default of field 'f' must be a number"),
        ("embedding[3]", "[1, 2, .inf]", "finite"),
        ("embedding[1]", "[1e39]", "finite float32"),
        ("int64_list", "[1, a]", "item 2 of the default of field 'f' must be a whole number"),
        ("int64_list", "1", "must be a list"),
        ("string_list", "[a, ~]", "item 2 of the default of field 'f' has no value"),
        ("string_list", "[a, [b]]", "item 2 of the default of field 'f' must be a single value"),
        ("string_list", "a", "must be a list"),
    ])
    func rejectsValuesThatDoNotFit(_ type: String, _ text: String, _ phrase: String) {
        let error = #expect(throws: RepoError.self) { try Self.load(type: type, default: text) }
        #expect(error?.file == "d.yaml")
        #expect(error?.line == Self.defaultLine)
        #expect(error?.message.contains(phrase) == true, "\(error?.description ?? "no error")")
    }

    @Test func pointsAtTheBadItemOfAList() {
        let error = #expect(throws: RepoError.self) { try Self.load(type: "int64_list", default: "[1, 2, x]") }
        let line = Self.yaml(type: "int64_list", default: "[1, 2, x]").split(separator: "\n")[Self.defaultLine - 1]
        let column = line.distance(from: line.startIndex, to: line.firstIndex(of: "x") ?? line.startIndex) + 1
        #expect(error?.line == Self.defaultLine)
        #expect(error?.column == column)
    }

    @Test func pointsAtTheBadItemOfABlockList() {
        let error = #expect(throws: RepoError.self) { try Self.load(type: "int64_list", default: "\n          - 1\n          - two") }
        #expect(error?.line == Self.defaultLine + 2)
        #expect(error?.column == 13)
        #expect(error?.message.contains("item 2") == true)
    }
}
