import Foundation
import SkewlessModel

/// Reads a node's hot request by hand: the `GetOnlineFeaturesRequest` payload, into the
/// same generated message swift-protobuf would produce, without its generic decoder.
///
/// It accepts what any conforming encoder may write (packed or unpacked int64 keys, any
/// field order, unknown fields, a later value of a singular field replacing an earlier
/// one, the oneof's last member winning, a known field with another wire type skipped as
/// an unknown field, groups skipped, a 10-byte varint's bits past 64 dropped, as
/// swift-protobuf does) and refuses what swift-protobuf refuses (truncation, strings that are
/// not UTF-8, groups nested past its depth limit). Unknown fields are dropped, not kept.
package enum RequestDecoding {
    /// - Throws: `invalidArgument` naming what is malformed.
    package static func getOnlineFeatures(_ payload: Data) throws(SkewlessError) -> Skewless_V1_GetOnlineFeaturesRequest {
        let decoded = payload.withUnsafeBytes { bytes in
            Result { () throws(SkewlessError) in
                var reader = ProtobufReader(bytes, varintOverflow: .discarded)
                return try decodeRequest(&reader)
            }
        }
        switch decoded {
        case .success(let request):
            return request
        case .failure(let error):
            throw SkewlessError(.invalidArgument, "the payload is not a valid skewless.v1.GetOnlineFeaturesRequest: \(error.message)")
        }
    }

    /// A `RequestFrame` (the body of every request frame), by hand: swift-protobuf's generic
    /// decoder cost more than the rest of reading the frame. Same acceptance as above: a
    /// later value of a field replaces an earlier one, unknown fields (and known fields
    /// with another wire type) are skipped, truncation is refused.
    /// - Throws: `invalidArgument` naming what is malformed.
    package static func frame(_ body: UnsafeRawBufferPointer) throws(SkewlessError) -> Skewless_V1_RequestFrame {
        var frame = Skewless_V1_RequestFrame()
        var reader = ProtobufReader(body, varintOverflow: .discarded)
        do throws(SkewlessError) {
            while !reader.isAtEnd {
                let (field, wireType) = try reader.readTag()
                switch (ProtobufField.RequestFrame(rawValue: field), wireType) {
                case (.requestID?, 0):
                    frame.requestID = try reader.readVarint()
                case (.method?, 0):
                    // An enum is an int32 on the wire: a varint truncated to 32 bits.
                    let number = Int(Int32(truncatingIfNeeded: try reader.readVarint()))
                    frame.method = Skewless_V1_Method(rawValue: number) ?? .UNRECOGNIZED(number)
                case (.timeoutMicros?, 0):
                    frame.timeoutMicros = try reader.readVarint()
                case (.payload?, 2):
                    frame.payload = Data(try reader.readLengthDelimited().remainingBytes)
                default:
                    try reader.skip(field: field, wireType: wireType)
                }
            }
        } catch {
            throw SkewlessError(.invalidArgument, "the frame body is not a valid skewless.v1.RequestFrame: \(error.message)")
        }
        return frame
    }

    private static func decodeRequest(_ reader: inout ProtobufReader) throws(SkewlessError) -> Skewless_V1_GetOnlineFeaturesRequest {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch ProtobufField.GetOnlineFeaturesRequest(rawValue: field) {
            case .featureService? where wireType == 2:
                request.featureService = try readUTF8(&reader, "feature_service")
            case .features? where wireType == 2:
                var sub = try reader.readLengthDelimited()
                // A repeated occurrence of a message field merges into the earlier one.
                var list: Skewless_V1_FeatureList
                if case .features(let earlier)? = request.selector { list = earlier } else { list = Skewless_V1_FeatureList() }
                while !sub.isAtEnd {
                    let (f, t) = try sub.readTag()
                    if f == ProtobufField.FeatureList.features.rawValue, t == 2 {
                        list.features.append(try readUTF8(&sub, "features.features"))
                    } else {
                        try sub.skip(field: f, wireType: t)
                    }
                }
                request.features = list
            case .entities? where wireType == 2:
                var sub = try reader.readLengthDelimited()
                request.entities.append(try decodeKeyColumn(&sub))
            case .requestID? where wireType == 2:
                request.requestID = try readUTF8(&reader, "request_id")
            case .servedService? where wireType == 2:
                request.servedService = try readUTF8(&reader, "served_service")
            default:
                try reader.skip(field: field, wireType: wireType)
            }
        }
        return request
    }

    private static func decodeKeyColumn(_ reader: inout ProtobufReader) throws(SkewlessError) -> Skewless_V1_EntityKeyColumn {
        var column = Skewless_V1_EntityKeyColumn()
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch ProtobufField.EntityKeyColumn(rawValue: field) {
            case .joinKey? where wireType == 2:
                column.joinKey = try readUTF8(&reader, "entities.join_key")
            case .int64Values? where wireType == 0 || wireType == 2:
                try reader.readInt64s(wireType: wireType, into: &column.int64Values)
            case .stringValues? where wireType == 2:
                column.stringValues.append(try readUTF8(&reader, "entities.string_values"))
            default:
                try reader.skip(field: field, wireType: wireType)
            }
        }
        return column
    }

    private static func readUTF8(_ reader: inout ProtobufReader, _ field: String) throws(SkewlessError) -> String {
        let bytes = try reader.readLengthDelimited().remainingBytes
        // ASCII text (every name, most string keys) is checked in place: it skips the
        // generic validation, and the runtime type lookup that comes with it.
        if !bytes.contains(where: { $0 >= 0x80 }) {
            return bytes.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProtobufReader.malformed("\(field) is not valid UTF-8")
        }
        return text
    }
}
