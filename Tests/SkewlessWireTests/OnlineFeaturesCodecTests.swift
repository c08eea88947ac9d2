import Foundation
import NIOCore
import SkewlessCompression
import Testing
@testable import SkewlessModel
@testable import SkewlessWire

@Suite struct OnlineFeaturesCodecTests {
    static let columns: [ServedColumn] = [
        ServedColumn(name: "v@1:b", type: .bool, statuses: [.present, .notFound], eventTimes: [5, 0], values: .bool([true, false])),
        ServedColumn(name: "v@1:i32", type: .int32, statuses: [.present, .defaulted], eventTimes: [1, 2], values: .int32([-7, .max])),
        ServedColumn(name: "v@1:i64", type: .int64, statuses: [.outsideTTL, .present], eventTimes: [-1, .max], values: .int64([.min, 300])),
        ServedColumn(name: "v@1:f", type: .float, statuses: [.present, .nullValue], eventTimes: [1, 1], values: .float([1.5, 0])),
        ServedColumn(name: "v@1:d", type: .double, statuses: [.present, .present], eventTimes: [1, 1], values: .double([-.pi, 1e300])),
        ServedColumn(name: "v@1:s", type: .string, statuses: [.present, .present], eventTimes: [1, 1], values: .string(["", "ü😀 long enough to be heap allocated"])),
        ServedColumn(name: "v@1:by", type: .bytes, statuses: [.present, .present], eventTimes: [1, 1], values: .bytes([[], [0, 255]])),
        ServedColumn(name: "v@1:t", type: .timestamp, statuses: [.present, .present], eventTimes: [1, 1], values: .timestamp([0, 1_700_000_000_000_000])),
        ServedColumn(name: "v@1:e", type: .embedding(dimension: 4), statuses: [.present, .present], eventTimes: [1, 1],
                     values: .embedding([EmbeddingCodec.encode([1, 2, 3, 4]), EmbeddingCodec.encode([0, 0, 0, 0])])),
        ServedColumn(name: "v@1:il", type: .int64List, statuses: [.present, .present], eventTimes: [1, 1], values: .int64List([[], [1, -1]])),
        ServedColumn(name: "v@1:sl", type: .stringList, statuses: [.present, .present], eventTimes: [1, 1], values: .stringList([["a", ""], []])),
    ]

    /// The generated response message holding `columns`.
    static func response(_ columns: [ServedColumn]) -> Skewless_V1_GetOnlineFeaturesResponse {
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = columns.map { column in
            var wire = Skewless_V1_FeatureColumn()
            wire.feature = column.name
            wire.type = Skewless_V1_ValueType(column.type)
            wire.statuses = column.statuses.map(Skewless_V1_ValueStatus.init)
            wire.eventTimeMicros = column.eventTimes
            wire.values = Skewless_V1_ValueColumn(column.values)
            return wire
        }
        return response
    }

    /// What swift-protobuf writes for the same response, via the generated types.
    static func generated(_ columns: [ServedColumn], requestID: UInt64) throws -> [UInt8] {
        let response = Self.response(columns)
        var frame = Skewless_V1_ResponseFrame()
        frame.requestID = requestID
        frame.status.code = .ok
        frame.payload = try response.serializedBytes()
        var buffer = ByteBuffer()
        try FrameEncoder.write(frame, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    @Test(arguments: [UInt64(0), 1, 300, .max])
    func encodesExactlyWhatSwiftProtobufEncodes(requestID: UInt64) throws {
        var buffer = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: requestID, columns: Self.columns, into: &buffer)
        #expect(Array(buffer.readableBytesView) == (try Self.generated(Self.columns, requestID: requestID)))
    }

    @Test func anEmptyResponseAndEmptyColumnsMatchToo() throws {
        for columns in [[], [ServedColumn(name: "v@1:f", type: .float, statuses: [], eventTimes: [], values: .float([]))]] {
            var buffer = ByteBuffer()
            OnlineFeaturesCodec.writeFrame(requestID: 9, columns: columns, into: &buffer)
            #expect(Array(buffer.readableBytesView) == (try Self.generated(columns, requestID: 9)))
        }
    }

    @Test func decodesWhatItEncodesWithTheEnvelope() throws {
        var buffer = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: 77, columns: Self.columns, into: &buffer)
        var decoder = FrameDecoder()
        let body = try #require(try decoder.decode(buffer: &buffer))
        let envelope = try ResponseEnvelope(decoding: body)
        #expect(envelope.requestID == 77)
        #expect(envelope.error == nil)
        let decoded = try envelope.payload.withUnsafeReadableBytes { try OnlineFeaturesCodec.decodeResponse($0, entityCount: 2) }
        #expect(decoded == Self.columns)
        // With the names of an earlier response the result is the same.
        let again = try envelope.payload.withUnsafeReadableBytes {
            try OnlineFeaturesCodec.decodeResponse($0, entityCount: 2, expectedNames: Self.columns.map(\.name) + ["extra"])
        }
        #expect(again == Self.columns)
    }

    @Test func acceptsUnpackedArraysAndSkipsUnknownFields() throws {
        // FeatureColumn{feature "a@1:x", type INT64, statuses [1,1] unpacked, times [7,8] unpacked,
        // unknown field 15 (varint), values{int64_values 3 and 4 unpacked, unknown field 20}}.
        var column: [UInt8] = [0x0A, 5] + Array("a@1:x".utf8) + [0x10, 3, 0x18, 1, 0x18, 1, 0x20, 7, 0x20, 8, 0x78, 42]
        let values: [UInt8] = [0x18, 3, 0x18, 4, 0xA0, 0x01, 9]
        column += [0x2A, UInt8(values.count)] + values
        let response: [UInt8] = [0x0A, UInt8(column.count)] + column
        let decoded = try response.withUnsafeBytes { try OnlineFeaturesCodec.decodeResponse($0, entityCount: 2) }
        #expect(decoded == [ServedColumn(name: "a@1:x", type: .int64, statuses: [.present, .present], eventTimes: [7, 8], values: .int64([3, 4]))])
    }

    @Test func everyTruncationOfAValidResponseIsRejectedNotMisread() throws {
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        var buffer = ByteBuffer()
        OnlineFeaturesCodec.writeFrame(requestID: 1, columns: Self.columns, into: &buffer)
        var decoder = FrameDecoder()
        let body = try #require(try decoder.decode(buffer: &buffer))
        let payload = Array(try ResponseEnvelope(decoding: body).payload.readableBytesView)
        response = try Skewless_V1_GetOnlineFeaturesResponse(serializedBytes: payload)
        #expect(response.features.count == Self.columns.count)
        for cut in 1..<payload.count {
            let prefix = Array(payload[..<cut])
            let outcome = Result { try prefix.withUnsafeBytes { try OnlineFeaturesCodec.decodeResponse($0, entityCount: 2) } }
            if case .success(let columns) = outcome {
                // A cut between whole columns is a valid, shorter response; never a different one.
                #expect(columns == Array(Self.columns.prefix(columns.count)), "cut at \(cut)")
            }
        }
    }

    @Test func aColumnHoldingAnotherTypesValuesIsRejected() throws {
        var wire = Skewless_V1_FeatureColumn()
        wire.feature = "v@1:x"
        wire.type = .int64
        wire.statuses = [.present]
        wire.eventTimeMicros = [1]
        wire.values.floatValues = [1]
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = [wire]
        let bytes: [UInt8] = try response.serializedBytes()
        #expect(throws: SkewlessError.self) { try bytes.withUnsafeBytes { try OnlineFeaturesCodec.decodeResponse($0, entityCount: 1) } }
    }

    @Test func errorStatusesComeThroughTheEnvelope() throws {
        let frame = Skewless_V1_ResponseFrame.failure(requestID: 3, SkewlessError(.notFound, "no such view"))
        let bytes: [UInt8] = try frame.serializedBytes()
        let envelope = try ResponseEnvelope(decoding: ByteBuffer(bytes: bytes))
        #expect(envelope.requestID == 3)
        #expect(envelope.error == SkewlessError(.notFound, "no such view"))
        #expect(envelope.payload.readableBytes == 0)
    }
}
