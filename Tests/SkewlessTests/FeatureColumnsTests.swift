import Foundation
import SkewlessWire
import Testing

@testable import Skewless

@Suite struct FeatureColumnsTests {
    @Test func columnsTravelAsTheyAreWithNullRows() throws {
        var columns = FeatureColumns(eventTimes: [10, 20, 30])
        try columns.setKey("user_id", [1, 2, 3])
        try columns.setField("score", floats: [0.5, 0, 1.5], nullRows: [1])
        try columns.setField("label", [.string("a"), nil, .string("c")])
        try columns.setField("count", int64s: [7, 8, 9])
        #expect(columns.request.eventTimeMicros == [10, 20, 30])
        #expect(columns.request.entities.map(\.joinKey) == ["user_id"])
        #expect(columns.request.entities[0].int64Values == [1, 2, 3])
        let score = try #require(columns.request.columns.first { $0.field == "score" })
        #expect(score.values.floatValues == [0.5, 0, 1.5] && score.nullRows == [1])
        let label = try #require(columns.request.columns.first { $0.field == "label" })
        #expect(label.values.stringValues == ["a", "", "c"] && label.nullRows == [1])
        #expect(columns.firstEntity == ["user_id": .int64(1)])
        // Setting a column again replaces it.
        try columns.setField("count", int64s: [1, 1, 1])
        #expect(columns.request.columns.filter { $0.field == "count" }.count == 1)
    }

    @Test func aColumnOfAnotherLengthOrAMixedTypeIsRefused() {
        var columns = FeatureColumns(eventTimes: [1, 2])
        #expect(throws: SkewlessError.self) { try columns.setKey("user_id", [1, 2, 3]) }
        #expect(throws: SkewlessError.self) { try columns.setField("score", floats: [1]) }
        #expect(throws: SkewlessError.self) { try columns.setField("score", floats: [1, 2], nullRows: [2]) }
        #expect(throws: SkewlessError.self) { try columns.setField("mixed", [.int64(1), .double(2)]) }
    }
}
