import Foundation
import SkewlessModel
import Testing
@testable import SkewlessWire

/// Every field number of the hand-written paths' table (`ProtobufField`) against the
/// generated code: each case sets that one field in the generated message, and the bytes
/// swift-protobuf writes must start with the table's number and the wire type the hand
/// paths expect. The switches are exhaustive, so a case added to the table without a check
/// here does not compile; a .proto that moves a field fails here once regenerated.
@Suite struct ProtobufFieldTests {
    /// Checks that `bytes` (a message with only `field` set) are that field, as one tag byte
    /// of `wireType`, the encoding the hand encoder writes.
    static func expectField(_ field: some ProtobufFieldNumber, _ wireType: ProtobufSize.WireType, in bytes: [UInt8]) throws {
        let read = bytes.withUnsafeBytes { raw in
            Result { () throws(SkewlessError) in
                var reader = ProtobufReader(raw)
                return try reader.readTag()
            }
        }
        let (number, type) = try read.get()
        #expect(number == field.rawValue, "\(field): the generated code writes field \(number)")
        #expect(type == wireType.rawValue, "\(field): the generated code writes wire type \(type)")
        #expect(field.rawValue <= 15 && bytes.first == field.tag(wireType), "\(field): a one-byte tag")
    }

    @Test(arguments: ProtobufField.RequestFrame.allCases)
    func requestFrame(_ field: ProtobufField.RequestFrame) throws {
        var message = Skewless_V1_RequestFrame()
        switch field {
        case .requestID: message.requestID = 1
        case .method: message.method = .health
        case .timeoutMicros: message.timeoutMicros = 1
        case .payload: message.payload = Data([1])
        }
        try Self.expectField(field, field == .payload ? .lengthDelimited : .varint, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.ResponseFrame.allCases)
    func responseFrame(_ field: ProtobufField.ResponseFrame) throws {
        var message = Skewless_V1_ResponseFrame()
        switch field {
        case .requestID: message.requestID = 1
        case .status: message.status.code = .internal
        case .payload: message.payload = Data([1])
        }
        try Self.expectField(field, field == .requestID ? .varint : .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.Status.allCases)
    func status(_ field: ProtobufField.Status) throws {
        var message = Skewless_V1_Status()
        switch field {
        case .code: message.code = .internal
        case .message: message.message = "x"
        }
        try Self.expectField(field, field == .code ? .varint : .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.GetOnlineFeaturesRequest.allCases)
    func getOnlineFeaturesRequest(_ field: ProtobufField.GetOnlineFeaturesRequest) throws {
        var message = Skewless_V1_GetOnlineFeaturesRequest()
        switch field {
        case .featureService: message.featureService = "s"
        case .features: message.features = Skewless_V1_FeatureList.with { $0.features = ["v:f"] }
        case .entities: message.entities = [Skewless_V1_EntityKeyColumn.with { $0.joinKey = "k" }]
        case .requestID: message.requestID = "r"
        case .servedService: message.servedService = "s"
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.FeatureList.allCases)
    func featureList(_ field: ProtobufField.FeatureList) throws {
        var message = Skewless_V1_FeatureList()
        switch field {
        case .features: message.features = ["v:f"]
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.EntityKeyColumn.allCases)
    func entityKeyColumn(_ field: ProtobufField.EntityKeyColumn) throws {
        var message = Skewless_V1_EntityKeyColumn()
        switch field {
        case .joinKey: message.joinKey = "k"
        case .int64Values: message.int64Values = [1]  // packed
        case .stringValues: message.stringValues = ["a"]
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.GetOnlineFeaturesResponse.allCases)
    func getOnlineFeaturesResponse(_ field: ProtobufField.GetOnlineFeaturesResponse) throws {
        var message = Skewless_V1_GetOnlineFeaturesResponse()
        switch field {
        case .features: message.features = [Skewless_V1_FeatureColumn.with { $0.feature = "v@1:f" }]
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.FeatureColumn.allCases)
    func featureColumn(_ field: ProtobufField.FeatureColumn) throws {
        var message = Skewless_V1_FeatureColumn()
        switch field {
        case .feature: message.feature = "v@1:f"
        case .type: message.type = .float
        case .statuses: message.statuses = [.present]  // packed
        case .eventTimeMicros: message.eventTimeMicros = [1]  // packed
        case .values: message.values.floatValues = [1]
        }
        try Self.expectField(field, field == .type ? .varint : .lengthDelimited, in: message.serializedBytes())
    }

    /// Each values field holds the type `ProtobufField.ValueColumn.init(_:)` maps to it;
    /// every array is packed where protobuf packs (the hand paths expect one run).
    @Test(arguments: ProtobufField.ValueColumn.allCases)
    func valueColumn(_ field: ProtobufField.ValueColumn) throws {
        var message = Skewless_V1_ValueColumn()
        let type: Skewless_V1_ValueType
        switch field {
        case .boolValues: (type, message.boolValues) = (.bool, [true])
        case .int32Values: (type, message.int32Values) = (.int32, [1])
        case .int64Values: (type, message.int64Values) = (.int64, [1])
        case .floatValues: (type, message.floatValues) = (.float, [1])
        case .doubleValues: (type, message.doubleValues) = (.double, [1])
        case .stringValues: (type, message.stringValues) = (.string, ["a"])
        case .bytesValues: (type, message.bytesValues) = (.bytes, [Data([1])])
        case .timestampValues: (type, message.timestampValues) = (.timestamp, [1])
        case .embeddingValues: (type, message.embeddingValues) = (.embedding, [Skewless_V1_Embedding.with { $0.dimension = 1 }])
        case .int64ListValues: (type, message.int64ListValues) = (.int64List, [Skewless_V1_Int64List.with { $0.values = [1] }])
        case .stringListValues: (type, message.stringListValues) = (.stringList, [Skewless_V1_StringList.with { $0.values = ["a"] }])
        }
        #expect(ProtobufField.ValueColumn(type) == field)
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test func onlyRealValueTypesHaveAValuesField() {
        #expect(ProtobufField.ValueColumn(.unspecified) == nil)
        #expect(ProtobufField.ValueColumn(.UNRECOGNIZED(99)) == nil)
        let mapped = Skewless_V1_ValueType.allCases.compactMap(ProtobufField.ValueColumn.init)
        #expect(Set(mapped) == Set(ProtobufField.ValueColumn.allCases), "every values field, once")
        #expect(mapped.count == ProtobufField.ValueColumn.allCases.count)
    }

    @Test(arguments: ProtobufField.Embedding.allCases)
    func embedding(_ field: ProtobufField.Embedding) throws {
        var message = Skewless_V1_Embedding()
        switch field {
        case .dimension: message.dimension = 1
        case .lz4: message.lz4 = true
        case .data: message.data = Data([1])
        }
        try Self.expectField(field, field == .data ? .lengthDelimited : .varint, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.Int64List.allCases)
    func int64List(_ field: ProtobufField.Int64List) throws {
        var message = Skewless_V1_Int64List()
        switch field {
        case .values: message.values = [1]  // packed
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }

    @Test(arguments: ProtobufField.StringList.allCases)
    func stringList(_ field: ProtobufField.StringList) throws {
        var message = Skewless_V1_StringList()
        switch field {
        case .values: message.values = ["a"]
        }
        try Self.expectField(field, .lengthDelimited, in: message.serializedBytes())
    }
}
