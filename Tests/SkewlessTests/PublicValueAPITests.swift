import Foundation
import Skewless
import Testing

// Code as a user of the SDK writes it: `import Skewless` alone (no SkewlessModel, no
// @testable), branching on values, types, keys and statuses with `==` and the typed getters.
// `FeatureValue` and its kin are structs, so that a type added later breaks no `switch`; that
// this file compiles is the test of the shape, the expectations check the answers.

/// What a model's input code might do with a feature of any type.
private func modelInput(_ value: FeatureValue?) -> String {
    guard let value else { return "missing" }
    if let flag = value.boolValue { return flag ? "yes" : "no" }
    if let count = value.int64Value ?? value.int32Value.map(Int64.init) { return "count \(count)" }
    if let number = value.numberValue { return "number \(number)" }
    if let date = value.dateValue { return "at \(Int(date.timeIntervalSince1970))" }
    if let vector = value.embeddingValue, value.type == .embedding(dimension: 3) { return "vector \(vector.count)" }
    if value.type.isEmbedding { return "vector of another dimension" }
    if let text = value.stringValue { return "text \(text)" }
    return "unhandled \(value.type)"  // a type this code does not know: as for an unknown feature
}

@Suite struct PublicValueAPITests {
    @Test func aUserBranchesOnValuesWithoutSwitch() {
        #expect(modelInput(nil) == "missing")
        #expect(modelInput(.bool(true)) == "yes")
        #expect(modelInput(.int64(5)) == "count 5")
        #expect(modelInput(.int32(6)) == "count 6")
        #expect(modelInput(.float(0.5)) == "number 0.5")
        #expect(modelInput(.double(2)) == "number 2.0")
        #expect(modelInput(.timestamp(Date(timeIntervalSince1970: 1_733_580_000))) == "at 1733580000")
        #expect(modelInput(.embedding([1, 2, 3])) == "vector 3")
        #expect(modelInput(.embedding([1, 2])) == "vector of another dimension")
        #expect(modelInput(.string("gold")) == "text gold")
        #expect(modelInput(.bytes([1])) == "unhandled bytes")
        #expect(modelInput(.stringList(["a"])) == "unhandled string_list")
    }

    @Test func typesKeysAndStatusesCompareWithEquals() {
        let type: FeatureType = .embedding(dimension: 768)
        #expect(type == .embedding(dimension: 768) && type.embeddingDimension == 768)
        #expect(FeatureType.int64 != .timestamp)
        #expect("\(type)" == "embedding[768]")

        let entity: [String: KeyPart] = ["user_id": 42, "merchant_id": "m-7"]
        #expect(entity["user_id"]?.int64Value == 42)
        #expect(entity["merchant_id"]?.type == .string)
        #expect(entity["merchant_id"] == .string("m-7"))

        let statuses: [ValueStatus] = [.present, .outsideTTL, .notFound]
        #expect(statuses.filter { $0 == .outsideTTL }.count == 1)
        #expect(statuses.map(\.hasValue) == [true, true, false])
        #expect(statuses.map(\.name) == ["PRESENT", "OUTSIDE_TTL", "NOT_FOUND"])
    }

    @Test func valuesMadeFromDatesKeepTheMicrosecond() {
        let date = Date(timeIntervalSince1970: 1_733_580_000.000_001)
        let value = FeatureValue.timestamp(date)
        #expect(value.type == .timestamp)
        #expect(value.timestampMicros == 1_733_580_000_000_001)
        #expect(value.dateValue.map { abs($0.timeIntervalSince(date)) < 1e-6 } == true)
        #expect(FeatureValue.int64(1).dateValue == nil)
        #expect(Set([value, .timestamp(1_733_580_000_000_001)]).count == 1)
    }
}
