import NIOCore
import NIOSSL
import Skewless

/// The Redis baseline: each entity is a hash per view (`RedisFeatureCodec.key`) holding the
/// same fields as the view; one request is one pipelined batch of HMGET, one per entity and
/// view, written at once on one connection, and its replies decoded into typed values as
/// the SDK decodes a node's response.
package struct RedisTarget: BenchmarkTarget {
    /// "redis", or "redis-tls" over Redis's TLS port.
    package let name: String
    package let host: String
    package let port: Int
    package let shape: RequestShape
    package let timeout: Duration
    /// TLS to the server; nil: plain TCP.
    package let tls: NIOSSLContext?

    package init(host: String, port: Int, shape: RequestShape, timeout: Duration, tls: NIOSSLContext? = nil) {
        self.name = tls == nil ? "redis" : "redis-tls"
        self.host = host
        self.port = port
        self.shape = shape
        self.timeout = timeout
        self.tls = tls
    }

    package func connect() async throws(SkewlessError) -> any TargetConnection {
        let connection = try await RESPConnection.connect(host: host, port: port, tls: tls)
        _ = try await connection.command(["PING"])
        return RedisConnection(connection: connection, groups: shape.groups.map { HMGETTemplate(group: $0) }, timeout: timeout)
    }
}

/// The constant parts of one view's HMGET, encoded once: `*N $5 HMGET`, then the key, then
/// the field names.
struct HMGETTemplate: Sendable {
    let head: ByteBuffer
    let keyPrefix: [UInt8]
    let fieldNames: ByteBuffer
    let types: [FeatureType]

    init(group: RequestShape.ViewGroup) {
        var head = ByteBuffer()
        head.writeRESPArrayHeader(2 + group.fields.count)
        head.writeRESPBulkString("HMGET")
        self.head = head
        keyPrefix = Array((group.view.qualifiedName + ":").utf8)
        var names = ByteBuffer()
        for field in group.fields { names.writeRESPBulkString(field.name) }
        fieldNames = names
        types = group.fields.map(\.type)
    }

    func write(id: Int64, into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(head)
        buffer.writeRESPBulkString(keyPrefix + Array(String(id).utf8))
        buffer.writeImmutableBuffer(fieldNames)
    }
}

struct RedisConnection: TargetConnection {
    let connection: RESPConnection
    let groups: [HMGETTemplate]
    let timeout: Duration

    func fetch(_ ids: [Int64]) async -> FetchOutcome {
        var commands = connection.allocator.buffer(capacity: ids.count * groups.reduce(0) { $0 + $1.head.readableBytes + $1.fieldNames.readableBytes + 32 })
        for id in ids {
            for group in groups { group.write(id: id, into: &commands) }
        }
        let replies: [RESPValue]
        do {
            replies = try await connection.send(commands, replyCount: ids.count * groups.count, timeout: timeout)
        } catch where error.code == .deadlineExceeded {
            return .timeout
        } catch {
            return .failure("\(error)")
        }
        var read = 0
        var reply = 0
        for _ in ids {
            for group in groups {
                guard case .array(let fields?) = replies[reply], fields.count == group.types.count else {
                    return .failure("redis answered \(replies[reply]) to an HMGET of \(group.types.count) fields")
                }
                for (field, type) in zip(fields, group.types) {
                    if case .bulkString(let bytes?) = field, RedisFeatureCodec.decode(bytes, as: type) == nil {
                        return .failure("redis holds a value that is not a \(type)")
                    }
                    read += 1
                }
                reply += 1
            }
        }
        return read == ids.count * groups.reduce(0) { $0 + $1.types.count } ? .success : .failure("short reply")
    }

    var taskExecutor: (any TaskExecutor)? { connection.taskExecutor }

    func close() async {
        await connection.close()
    }
}
