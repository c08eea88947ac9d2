import Foundation
import SkewlessModel

/// The JSON messages of etcd's v3 gRPC gateway that `EtcdClient` sends and reads: the
/// protobuf messages of etcd's `api/etcdserverpb/rpc.proto` in proto3's JSON mapping, as
/// etcd 3.4's grpc-gateway writes them.
///
/// What the gateway does that plain proto3 JSON readers trip over (checked against etcd
/// 3.4.23 with curl):
/// - Keys and values are base64 strings; int64 and uint64 fields (revisions, lease ids, TTLs,
///   counts; member and cluster ids, which use all 64 bits and overflow an Int64) are JSON
///   strings (`"revision":"7"`).
/// - Fields at their default value are left out: an absent key is a range with no `kvs`, a
///   failed txn has no `succeeded`, a delete of nothing has no `deleted`, an empty value no
///   `value`, and a keepalive of an expired or unknown lease no `TTL`.
/// - Field names are the proto's own: `create_revision`, but `TTL` and `ID` in the lease
///   messages.
/// - `/v3/lease/keepalive` is a streaming RPC: its answer is wrapped, `{"result": {...}}`,
///   or `{"error": {...}}`.
/// - An error is an HTTP status with `{"error": "...", "message": "...", "code": N}`, N a
///   gRPC status code (an unknown lease: 404 with code 5); an unknown path is a plain-text
///   404 `Not Found`.
enum EtcdGateway {
    /// An int64 or uint64 as the gateway writes it: a JSON string of digits (a number is read too).
    struct IntegerString<Value: FixedWidthInteger & Codable & Sendable>: Codable, Sendable, Hashable {
        var value: Value

        init(_ value: Value) { self.value = value }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                guard let value = Value(text) else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not an \(Value.self)")
                }
                self.value = value
            } else {
                value = try container.decode(Value.self)
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(String(value))
        }
    }

    /// Revisions, lease ids, TTLs and counts.
    typealias Int64String = IntegerString<Int64>
    /// Member and cluster ids, which use all 64 bits.
    typealias UInt64String = IntegerString<UInt64>

    /// Bytes as the gateway writes them: a base64 string.
    struct Base64Bytes: Codable, Sendable, Hashable {
        var bytes: [UInt8]

        init(_ bytes: [UInt8]) { self.bytes = bytes }
        init(_ text: String) { self.bytes = Array(text.utf8) }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text.prefix(40))' is not base64")
            }
            bytes = Array(data)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(Data(bytes).base64EncodedString())
        }
    }

    struct ResponseHeader: Decodable, Sendable {
        var revision: Int64String?
        var memberID: UInt64String?

        enum CodingKeys: String, CodingKey {
            case revision
            case memberID = "member_id"
        }
    }

    struct KeyValue: Decodable, Sendable {
        var key: Base64Bytes
        var value: Base64Bytes?
        var createRevision: Int64String?
        var modRevision: Int64String?
        var version: Int64String?
        var lease: Int64String?

        enum CodingKeys: String, CodingKey {
            case key, value, version, lease
            case createRevision = "create_revision"
            case modRevision = "mod_revision"
        }
    }

    struct RangeRequest: Encodable, Sendable {
        var key: Base64Bytes
        var rangeEnd: Base64Bytes?

        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
        }
    }

    struct RangeResponse: Decodable, Sendable {
        var header: ResponseHeader?
        var kvs: [KeyValue]?
        /// Set when a limit cut the answer short; this client never sets one.
        var more: Bool?
    }

    struct PutRequest: Encodable, Sendable {
        var key: Base64Bytes
        var value: Base64Bytes
        var lease: Int64String?
    }

    struct PutResponse: Decodable, Sendable {
        var header: ResponseHeader?
    }

    struct DeleteRangeRequest: Encodable, Sendable {
        var key: Base64Bytes
        var rangeEnd: Base64Bytes?

        enum CodingKeys: String, CodingKey {
            case key
            case rangeEnd = "range_end"
        }
    }

    struct DeleteRangeResponse: Decodable, Sendable {
        var header: ResponseHeader?
        var deleted: Int64String?
    }

    /// One condition of a txn: `target` of `key` compared (`result`) with the value given.
    struct Compare: Encodable, Sendable {
        enum Target: String, Encodable, Sendable {
            case version = "VERSION"
            case create = "CREATE"
            case mod = "MOD"
            case value = "VALUE"
        }

        var result = "EQUAL"
        var target: Target
        var key: Base64Bytes
        var modRevision: Int64String?
        var createRevision: Int64String?
        var value: Base64Bytes?

        enum CodingKeys: String, CodingKey {
            case result, target, key, value
            case modRevision = "mod_revision"
            case createRevision = "create_revision"
        }

        /// The key's mod revision is `revision` (0: the key does not exist).
        static func modRevision(of key: String, is revision: Int64) -> Compare {
            Compare(target: .mod, key: Base64Bytes(key), modRevision: Int64String(revision))
        }

        /// The key's value is `value` (false when the key does not exist).
        static func value(of key: String, is value: [UInt8]) -> Compare {
            Compare(target: .value, key: Base64Bytes(key), value: Base64Bytes(value))
        }
    }

    struct RequestOp: Encodable, Sendable {
        var requestRange: RangeRequest?
        var requestPut: PutRequest?
        var requestDeleteRange: DeleteRangeRequest?

        enum CodingKeys: String, CodingKey {
            case requestRange = "request_range"
            case requestPut = "request_put"
            case requestDeleteRange = "request_delete_range"
        }
    }

    struct ResponseOp: Decodable, Sendable {
        var responseRange: RangeResponse?
        var responsePut: PutResponse?
        var responseDeleteRange: DeleteRangeResponse?

        enum CodingKeys: String, CodingKey {
            case responseRange = "response_range"
            case responsePut = "response_put"
            case responseDeleteRange = "response_delete_range"
        }
    }

    struct TxnRequest: Encodable, Sendable {
        var compare: [Compare]
        var success: [RequestOp]
        var failure: [RequestOp]
    }

    struct TxnResponse: Decodable, Sendable {
        var header: ResponseHeader?
        /// Absent (false) when a comparison failed.
        var succeeded: Bool?
        var responses: [ResponseOp]?
    }

    struct LeaseGrantRequest: Encodable, Sendable {
        var ttl: Int64String

        enum CodingKeys: String, CodingKey {
            case ttl = "TTL"
        }
    }

    struct LeaseGrantResponse: Decodable, Sendable {
        var id: Int64String?
        var ttl: Int64String?
        /// A refusal the server puts in the message rather than the status.
        var error: String?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case ttl = "TTL"
            case error
        }
    }

    /// The request of `/v3/lease/keepalive` and `/v3/lease/revoke`.
    struct LeaseIDRequest: Encodable, Sendable {
        var id: Int64String

        enum CodingKeys: String, CodingKey {
            case id = "ID"
        }
    }

    struct LeaseKeepAliveResponse: Decodable, Sendable {
        var id: Int64String?
        /// Absent (0) when the lease has expired or never existed.
        var ttl: Int64String?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case ttl = "TTL"
        }
    }

    /// A streaming RPC's answer: one result, or an error in the stream.
    struct StreamEnvelope<Result: Decodable & Sendable>: Decodable, Sendable {
        var result: Result?
        var error: StreamError?
    }

    struct StreamError: Decodable, Sendable {
        var grpcCode: Int?
        var message: String?

        enum CodingKeys: String, CodingKey {
            case grpcCode = "grpc_code"
            case message
        }
    }

    struct LeaseRevokeResponse: Decodable, Sendable {
        var header: ResponseHeader?
    }

    struct StatusRequest: Encodable, Sendable {}

    struct StatusResponse: Decodable, Sendable {
        var header: ResponseHeader?
        var version: String?
        /// The leader's member id; absent (0) while there is none.
        var leader: UInt64String?
    }

    /// The body of an error answer (any HTTP status but 200).
    struct ErrorBody: Decodable, Sendable {
        var error: String?
        var message: String?
        var code: Int?
    }
}

extension EtcdGateway.KeyValue {
    /// The key as this client hands it out.
    /// - Throws: `DATA_LOSS` when the key is not UTF-8 (this client writes only UTF-8 keys).
    func keyValue(endpoint: String) throws(SkewlessError) -> EtcdKeyValue {
        guard let text = String(validating: key.bytes, as: UTF8.self) else {
            throw SkewlessError(.dataLoss, "etcd at \(endpoint) holds a key that is not UTF-8 (\(key.bytes.prefix(32).map { String($0, radix: 16) }.joined(separator: " "))): Skewless writes only UTF-8 keys; remove it with etcdctl")
        }
        return EtcdKeyValue(
            key: text,
            value: value?.bytes ?? [],
            createRevision: createRevision?.value ?? 0,
            modRevision: modRevision?.value ?? 0,
            version: version?.value ?? 0,
            lease: lease?.value ?? 0
        )
    }
}
