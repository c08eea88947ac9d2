/// The field numbers of the protobuf messages that the hand-written fast paths encode and
/// decode (`RequestEncoding`, `RequestDecoding`, `ResponseEnvelope`, `OnlineFeaturesCodec`,
/// `OnlineFeaturesFrameBuilder`, `ReceivedFeatures`), as `Protos/skewless/v1/*.proto`
/// defines them: one enum per message, named after it, one case per field those paths
/// use. Everything else goes through the generated code (`Generated/`).
///
/// The one place those paths take a field number from. `ProtobufFieldTests` encodes each
/// field with the generated message and reads its tag back, so a .proto change that moves
/// a field fails that test (regenerate with `scripts/generate-protos.sh`, then correct
/// this table). Every number is at most 15: the hand encoder writes one-byte tags.
package enum ProtobufField {
    /// `skewless.v1.RequestFrame` (frame.proto): the envelope of every request.
    package enum RequestFrame: Int, ProtobufFieldNumber {
        case requestID = 1
        case method = 2
        case timeoutMicros = 3
        case payload = 4
    }

    /// `skewless.v1.ResponseFrame` (frame.proto): the envelope of every response.
    package enum ResponseFrame: Int, ProtobufFieldNumber {
        case requestID = 1
        case status = 2
        case payload = 3
    }

    /// `skewless.v1.Status` (frame.proto), inside `ResponseFrame.status`.
    package enum Status: Int, ProtobufFieldNumber {
        case code = 1
        case message = 2
    }

    /// `skewless.v1.GetOnlineFeaturesRequest` (features.proto).
    package enum GetOnlineFeaturesRequest: Int, ProtobufFieldNumber {
        /// The `selector` oneof's name of a feature service.
        case featureService = 1
        /// The `selector` oneof's `FeatureList`.
        case features = 2
        /// `EntityKeyColumn`s.
        case entities = 3
        /// The read's name in the served-feature log.
        case requestID = 4
        /// The service a feature list belongs to, for the served-feature log.
        case servedService = 5
    }

    /// `skewless.v1.FeatureList` (features.proto).
    package enum FeatureList: Int, ProtobufFieldNumber {
        case features = 1
    }

    /// `skewless.v1.EntityKeyColumn` (features.proto).
    package enum EntityKeyColumn: Int, ProtobufFieldNumber {
        case joinKey = 1
        case int64Values = 2
        case stringValues = 3
    }

    /// `skewless.v1.GetOnlineFeaturesResponse` (features.proto).
    package enum GetOnlineFeaturesResponse: Int, ProtobufFieldNumber {
        /// `FeatureColumn`s.
        case features = 1
    }

    /// `skewless.v1.FeatureColumn` (features.proto).
    package enum FeatureColumn: Int, ProtobufFieldNumber {
        case feature = 1
        case type = 2
        case statuses = 3
        case eventTimeMicros = 4
        /// A `ValueColumn`.
        case values = 5
    }

    /// `skewless.v1.ValueColumn` (features.proto): one repeated field per value type.
    package enum ValueColumn: Int, ProtobufFieldNumber {
        case boolValues = 1
        case int32Values = 2
        case int64Values = 3
        case floatValues = 4
        case doubleValues = 5
        case stringValues = 6
        case bytesValues = 7
        case timestampValues = 8
        case embeddingValues = 9
        case int64ListValues = 10
        case stringListValues = 11

        /// The field holding values of `type`; nil for `unspecified` and unknown types.
        package init?(_ type: Skewless_V1_ValueType) {
            switch type {
            case .bool: self = .boolValues
            case .int32: self = .int32Values
            case .int64: self = .int64Values
            case .float: self = .floatValues
            case .double: self = .doubleValues
            case .string: self = .stringValues
            case .bytes: self = .bytesValues
            case .timestamp: self = .timestampValues
            case .embedding: self = .embeddingValues
            case .int64List: self = .int64ListValues
            case .stringList: self = .stringListValues
            case .unspecified, .UNRECOGNIZED: return nil
            }
        }
    }

    /// `skewless.v1.Embedding` (features.proto).
    package enum Embedding: Int, ProtobufFieldNumber {
        case dimension = 1
        case lz4 = 2
        case data = 3
    }

    /// `skewless.v1.Int64List` (features.proto).
    package enum Int64List: Int, ProtobufFieldNumber {
        case values = 1
    }

    /// `skewless.v1.StringList` (features.proto).
    package enum StringList: Int, ProtobufFieldNumber {
        case values = 1
    }
}

/// A field of one message in `ProtobufField`.
package protocol ProtobufFieldNumber: RawRepresentable, CaseIterable, Sendable where RawValue == Int {}

extension ProtobufFieldNumber {
    /// The field's one-byte tag with `wireType` (field numbers up to 15 fit in one byte).
    @inline(__always)
    package func tag(_ wireType: ProtobufSize.WireType) -> UInt8 {
        UInt8(truncatingIfNeeded: rawValue << 3) | wireType.rawValue
    }
}
