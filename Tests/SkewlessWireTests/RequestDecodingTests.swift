import Foundation
import Testing
@testable import SkewlessModel
@testable import SkewlessWire

@Suite struct RequestDecodingTests {
    /// `request` without the unknown fields swift-protobuf keeps (the hand decoder drops them).
    static func known(_ request: Skewless_V1_GetOnlineFeaturesRequest) -> Skewless_V1_GetOnlineFeaturesRequest {
        var request = request
        request.unknownFields = .init()
        if case .features(var list)? = request.selector {
            list.unknownFields = .init()
            request.features = list
        }
        for index in request.entities.indices { request.entities[index].unknownFields = .init() }
        return request
    }

    @Test func decodesWhatSwiftProtobufDecodes() throws {
        for request in RequestEncodingTests.requests() {
            let bytes: Data = try request.serializedBytes()
            #expect(try RequestDecoding.getOnlineFeatures(bytes) == request)
        }
    }

    @Test func acceptsUnpackedKeysUnknownFieldsAndRepeatedSingularFields() throws {
        // feature_service "a", then "svc" (the last wins); an unknown varint field 9; an
        // entity column with two unpacked int64 values and an unknown fixed32 field.
        let column: [UInt8] = [0x0A, 1, 0x6B, 0x10, 0x05, 0x10, 0x7F, 0x25, 1, 2, 3, 4]
        // Field 1 as a varint is an unknown field to swift-protobuf, not an error.
        let bytes: [UInt8] = [0x0A, 1, 0x61, 0x48, 0x2A, 0x0A, 3, 0x73, 0x76, 0x63, 0x08, 1, 0x1A, UInt8(column.count)] + column
        let expected = try Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: bytes)
        #expect(expected.featureService == "svc")
        #expect(expected.entities.first?.int64Values == [5, 127])
        #expect(try RequestDecoding.getOnlineFeatures(Data(bytes)) == Self.known(expected))
    }

    @Test func refusesWhatSwiftProtobufRefuses() {
        let bad: [[UInt8]] = [
            [0x0A, 5, 0x61],                   // a string running past the end
            [0x0A, 2, 0xC3, 0x28],             // not UTF-8
            [0x1A, 2, 0x15, 0x01],             // an entity column whose int64 values are fixed32
            [0x1A, 3, 0x12, 1, 0x80],          // a truncated packed varint
            [0xFF],                            // a truncated tag
        ]
        for bytes in bad {
            #expect(throws: (any Error).self) { try Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: bytes) }
            #expect {
                try RequestDecoding.getOnlineFeatures(Data(bytes))
            } throws: { error in
                (error as? SkewlessError)?.code == .invalidArgument
            }
        }
    }

    /// Groups (wire types 3 and 4) are skipped as unknown fields, nested or not, as
    /// swift-protobuf skips them; a group that does not end, ends with another field's tag
    /// or nests deeper than swift-protobuf allows is refused by both. (Found by the random
    /// frame bodies: `23 24`, an empty group in field 4, was refused by the hand decoder.)
    @Test func groupsAreSkippedOrRefusedAsSwiftProtobufDoes() throws {
        // swift-protobuf counts the message itself and each open group against its depth
        // limit of 100: 99 nested groups in a top-level message, 98 one message deeper.
        let deep = 100
        let cases: [(bytes: [UInt8], accepted: Bool)] = [
            ([0x23, 0x24], true),                                   // field 4: an empty group
            ([0x08, 7, 0x2B, 0x08, 1, 0x33, 0x34, 0x2C, 0x18, 9], true),  // id 7, group 5 holding a varint and group 6, timeout 9
            ([0x23, 0x2C], false),                                  // ended by group 5's end tag
            ([0x23, 0x08, 1], false),                               // never ended
            ([0x24], false),                                        // an end with no start
            (Array(repeating: 0x23, count: deep) + Array(repeating: 0x24, count: deep), false),
            (Array(repeating: 0x23, count: deep - 1) + Array(repeating: 0x24, count: deep - 1), true),
        ]
        for (bytes, accepted) in cases {
            var theirs = try? Skewless_V1_RequestFrame(serializedBytes: bytes)
            theirs?.unknownFields = .init()
            let ours = try? bytes.withUnsafeBytes { try RequestDecoding.frame($0) }
            #expect((theirs != nil) == accepted, "swift-protobuf on \(bytes.prefix(12))")
            #expect(ours == theirs, "\(bytes.prefix(12))")
        }
        // In a request's entity column (one message deeper).
        for (groups, accepted) in [(1, true), (deep - 2, true), (deep - 1, false)] {
            let column: [UInt8] = [0x0A, 1, 0x6B] + Array(repeating: 0x1B, count: groups) + [0x10, 1] + Array(repeating: 0x1C, count: groups)
            let request: [UInt8] = [0x1A] + Self.varint(column.count) + column
            let theirs = try? Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: request)
            let ours = try? RequestDecoding.getOnlineFeatures(Data(request))
            #expect((theirs != nil) == accepted, "swift-protobuf, \(groups) groups")
            #expect(ours == theirs.map(Self.known), "\(groups) groups")
        }
    }

    /// A 10-byte varint whose last byte holds bits past the 64th: swift-protobuf drops them,
    /// and so does the request decoder (found by the random request bytes); an 11th byte is
    /// refused by both. The client's response reader refuses them (`ReceivedFeaturesTests`).
    @Test func tenByteVarintsLoseTheirBitsPast64AsInSwiftProtobuf() throws {
        let nine = [UInt8](repeating: 0xFF, count: 9)
        for bytes: [UInt8] in [[0x08] + nine + [0x7F], [0x18] + nine + [0x02], [0x08] + nine + [0x81, 0x01], [0x78] + nine + [0x7F, 0x08, 3]] {
            var theirs = try? Skewless_V1_RequestFrame(serializedBytes: bytes)
            theirs?.unknownFields = .init()
            let ours = try? bytes.withUnsafeBytes { try RequestDecoding.frame($0) }
            #expect(ours == theirs, "\(bytes)")
        }
        #expect(try bytes([0x08] + nine + [0x7F]).requestID == .max)
        // Packed int64 keys, in a request.
        let column: [UInt8] = [0x12, 11] + nine + [0x03, 0x05]
        let request: [UInt8] = [0x1A, UInt8(column.count)] + column
        let theirs = try Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: request)
        #expect(theirs.entities.first?.int64Values == [-1, 5])
        #expect(try RequestDecoding.getOnlineFeatures(Data(request)) == Self.known(theirs))
        // The default reader (the client's) refuses them.
        #expect(throws: SkewlessError.self) {
            try ([0x08] + nine + [0x7F]).withUnsafeBytes { raw in
                var reader = ProtobufReader(raw)
                _ = try reader.readTag()
                _ = try reader.readVarint()
            }
        }

        func bytes(_ body: [UInt8]) throws -> Skewless_V1_RequestFrame {
            try body.withUnsafeBytes { try RequestDecoding.frame($0) }
        }
    }

    static func varint(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = UInt64(value)
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        return bytes + [UInt8(v)]
    }

    /// `count` byte strings of 1 to 32 random bytes, from the run's seed and `stream`
    /// (`TestSeed`): the same for the same seed.
    static func randomByteStrings(stream: UInt64, count: Int) -> [[UInt8]] {
        var random = TestSeed.generator(stream)
        return (0..<count).map { _ in
            (0..<Int.random(in: 1...32, using: &random)).map { _ in UInt8.random(in: 0 ... .max, using: &random) }
        }
    }

    @Test func randomBytesAreDecodedAlikeOrRefusedByBoth() throws {
        for bytes in Self.randomByteStrings(stream: 0x5EED, count: 3_000) {
            let theirs = try? Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: bytes)
            let ours = try? RequestDecoding.getOnlineFeatures(Data(bytes))
            if let theirs, let ours {
                #expect(ours == Self.known(theirs), "\(bytes), \(TestSeed.note)")
            } else {
                #expect(theirs == nil && ours == nil, "\(bytes), \(TestSeed.note)")
            }
        }
    }

    @Test func requestFramesAreDecodedAsSwiftProtobufDecodesThem() throws {
        var frame = Skewless_V1_RequestFrame()
        frame.requestID = .max
        frame.method = .getOnlineFeatures
        frame.timeoutMicros = 1_500
        frame.payload = Data([1, 2, 3])
        let bytes: [UInt8] = try frame.serializedBytes()
        #expect(try bytes.withUnsafeBytes { try RequestDecoding.frame($0) } == frame)
        // An unknown method number, a repeated field (the last wins), an unknown field.
        let odd: [UInt8] = [0x10, 0x63, 0x08, 1, 0x08, 2, 0x78, 5, 0x22, 0]
        let theirs = try Skewless_V1_RequestFrame(serializedBytes: odd)
        var known = theirs
        known.unknownFields = .init()
        #expect(try odd.withUnsafeBytes { try RequestDecoding.frame($0) } == known)
        #expect(theirs.method == .UNRECOGNIZED(99) && theirs.requestID == 2)
    }

    @Test func randomFrameBodiesAreDecodedAlikeOrRefusedByBoth() throws {
        for bytes in Self.randomByteStrings(stream: 0xF4A3E, count: 3_000) {
            var theirs = try? Skewless_V1_RequestFrame(serializedBytes: bytes)
            theirs?.unknownFields = .init()
            let ours = try? bytes.withUnsafeBytes { try RequestDecoding.frame($0) }
            #expect(ours == theirs, "\(bytes), \(TestSeed.note)")
        }
    }
}
