import Foundation
import SkewlessModel
import SkewlessWire
import Testing

@testable import Skewless

@Suite struct FeatureReadTests {
    @Test func eachReaderAcceptsItsOwnTypesOnly() {
        #expect(FeatureRead.float.canRead(.float))
        #expect(!FeatureRead.float.canRead(.double))
        #expect(FeatureRead.number.canRead(.float) && FeatureRead.number.canRead(.double))
        #expect(!FeatureRead.number.canRead(.int64))
        #expect(FeatureRead.embedding.canRead(.embedding(dimension: 768)))
        #expect(FeatureRead.timestamp.canRead(.timestamp) && FeatureRead.timestampMicros.canRead(.timestamp))
        #expect(!FeatureRead.int64.canRead(.timestamp))
        #expect(FeatureRead<String>.string.description == "string")
    }

    /// A response of one float feature ("stats@2:score") and one timestamp feature
    /// ("stats@2:seen") for two entities; the second entity has no values.
    static func sampleFeatures() throws -> OnlineFeatures {
        /// A column present for the first entity (event time 1 s) and not found for the second.
        func column(_ feature: String, _ type: Skewless_V1_ValueType, values: (inout Skewless_V1_ValueColumn) -> Void) -> Skewless_V1_FeatureColumn {
            var column = Skewless_V1_FeatureColumn()
            column.feature = feature
            column.type = type
            column.statuses = [.present, .notFound]
            column.eventTimeMicros = [1_000_000, 0]
            values(&column.values)
            return column
        }
        let score = column("stats@2:score", .float) { $0.floatValues = [0.5, 0] }
        let seen = column("stats@2:seen", .timestamp) { $0.timestampValues = [1_733_580_000_000_000, 0] }
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = [score, seen]
        let bytes: [UInt8] = try response.serializedBytes()
        let answer = try bytes.withUnsafeBytes { try ReceivedFeatures(decoding: $0, rowCount: 2) }
        return OnlineFeatures(answers: [MergedAnswer(answer)], sources: nil, entityCount: 2, layout: ColumnLayout(names: answer.names))
    }

    @Test func aTypedReadTellsNoValueFromAnotherTypeFromAnUnknownFeature() throws {
        let features = try Self.sampleFeatures()
        #expect(try features[0].value("score", as: .float) == 0.5)
        #expect(try features[0].value("stats:score", as: .number) == 0.5)
        #expect(try features[1].value("score", as: .float) == nil, "no value for this entity: nil")
        #expect(features[1].status("score") == .notFound)
        let wrongType = #expect(throws: SkewlessError.self) { try features[0].value("score", as: .double) }
        #expect(wrongType?.code == .invalidArgument)
        #expect(wrongType?.message.contains("is float, not double: read it as .float") == true)
        let unknown = #expect(throws: SkewlessError.self) { try features[0].value("scroe", as: .float) }
        #expect(unknown?.code == .notFound)
        #expect(unknown?.message.contains("stats@2:score") == true, "the error lists the features the response has")
        #expect(throws: SkewlessError.self) { try features[0].value(at: 7, as: .float) }
        #expect(features[0].type("score") == .float && features[0].type("absent") == nil)
    }

    @Test func timesReadAsDates() throws {
        let features = try Self.sampleFeatures()
        #expect(try features[0].value("seen", as: .timestamp) == Date(timeIntervalSince1970: 1_733_580_000))
        #expect(try features[0].value("seen", as: .timestampMicros) == 1_733_580_000_000_000)
        #expect(features[0].eventDate("score") == Date(timeIntervalSince1970: 1))
        #expect(features[1].eventDate("score") == nil)
    }

    @Test func datesRoundTripThroughMicroseconds() {
        let micros: Int64 = 1_733_580_000_123_456
        let date = Date(microsecondsSinceEpoch: micros)
        #expect(date.microsecondsSinceEpoch == micros)
        #expect(Date(microsecondsSinceEpoch: 0) == Date(timeIntervalSince1970: 0))
        #expect(FeatureValue.timestamp(date) == .timestamp(micros))
        #expect(FeatureWrite(entity: ["user_id": .int64(1)], eventDate: date, values: [:]).eventTime == micros)
        #expect(FeatureColumns(eventDates: [date, date]).rowCount == 2)
    }
}
