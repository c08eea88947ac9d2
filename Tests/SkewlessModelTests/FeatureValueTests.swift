import Testing

@testable import SkewlessModel

@Suite struct FeatureValueTests {
    /// One value of every type, and what each prints as (the same as when these were enums).
    static let samples: [(FeatureValue, FeatureType, String)] = [
        (.bool(true), .bool, "true"),
        (.int32(-7), .int32, "-7"),
        (.int64(5), .int64, "5"),
        (.float(0.5), .float, "0.5"),
        (.double(2.25), .double, "2.25"),
        (.string("a"), .string, "a"),
        (.bytes([0x0f, 0xa0]), .bytes, "0x0fa0"),
        (.timestamp(1_000_000), .timestamp, "1000000us"),
        (.embedding([1, 2, 3, 4, 5]), .embedding(dimension: 5), "[1.0, 2.0, 3.0, 4.0, ... (5)]"),
        (.int64List([1, 2]), .int64List, "[1, 2]"),
        (.stringList(["a", "b"]), .stringList, "[a, b]"),
    ]

    @Test func theStaticMembersBuildTheCaseOfTheirName() {
        #expect(FeatureValue.int64(5).storage == .int64(5))
        #expect(FeatureValue.string("a").storage == .string("a"))
        #expect(FeatureValue.embedding([0.5]).storage == .embedding([0.5]))
        #expect(FeatureValue.timestamp(9).storage == .timestamp(9))
        #expect(FeatureValue(.double(1)) == .double(1))
    }

    @Test func eachValueHasItsTypeAndPrintsAsBefore() {
        for (value, type, printed) in Self.samples {
            #expect(value.type == type)
            #expect(value.conforms(to: type))
            #expect(value.description == printed)
            #expect(FeatureValue.zero(of: type).type == type)
        }
        #expect(!FeatureValue.embedding([1, 2]).conforms(to: .embedding(dimension: 3)))
        #expect(!FeatureValue.int32(1).conforms(to: .int64))
    }

    @Test func equalityAndHashingFollowTypeAndValue() {
        #expect(FeatureValue.int64(5) == .int64(5))
        #expect(FeatureValue.int64(5) != .int32(5))
        #expect(FeatureValue.int64(5) != .timestamp(5))
        #expect(FeatureValue.embedding([1, 2]) != .embedding([1, 2, 3]))
        let set = Set(Self.samples.map(\.0) + Self.samples.map(\.0))
        #expect(set.count == Self.samples.count)
        for (value, _, _) in Self.samples {
            #expect(set.contains(value))
            #expect(FeatureValue(value.storage).hashValue == value.hashValue)
        }
    }

    @Test func eachGetterAnswersOnlyItsOwnType() {
        for (value, _, _) in Self.samples {
            let answers: [Bool] = [
                value.boolValue != nil, value.int32Value != nil, value.int64Value != nil,
                value.floatValue != nil, value.doubleValue != nil, value.stringValue != nil,
                value.bytesValue != nil, value.timestampMicros != nil, value.embeddingValue != nil,
                value.int64ListValue != nil, value.stringListValue != nil,
            ]
            #expect(answers.filter { $0 }.count == 1, "\(value.type): \(answers)")
        }
        #expect(FeatureValue.bool(true).boolValue == true)
        #expect(FeatureValue.int32(-7).int32Value == -7)
        #expect(FeatureValue.int64(5).int64Value == 5)
        #expect(FeatureValue.float(0.5).floatValue == 0.5)
        #expect(FeatureValue.double(2.25).doubleValue == 2.25)
        #expect(FeatureValue.string("a").stringValue == "a")
        #expect(FeatureValue.bytes([1]).bytesValue == [1])
        #expect(FeatureValue.timestamp(9).timestampMicros == 9)
        #expect(FeatureValue.embedding([0.5]).embeddingValue == [0.5])
        #expect(FeatureValue.int64List([1]).int64ListValue == [1])
        #expect(FeatureValue.stringList(["a"]).stringListValue == ["a"])
        // numberValue widens a float; nothing else does.
        #expect(FeatureValue.float(0.5).numberValue == 0.5)
        #expect(FeatureValue.double(2.25).numberValue == 2.25)
        #expect(FeatureValue.int64(5).numberValue == nil)
        #expect(FeatureValue.int32(5).int64Value == nil)
    }
}
