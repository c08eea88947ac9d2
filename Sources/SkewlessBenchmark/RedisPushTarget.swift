import NIOCore
import SkewlessModel

/// Pushes rows into the Redis baseline: each batch is one pipeline of `HSET key f1 v1 ...
/// fN vN` commands (`HSETTemplate`), one per row, written at once on one connection; the
/// batch is acknowledged when every reply has come back (with `appendfsync always`, Redis
/// replies only after the commands are in its append-only file, fsynced).
package struct RedisPushTarget: PushTarget {
    package let name = "redis"
    package let host: String
    package let port: Int
    /// "view@version:", the hash key's prefix (`RedisFeatureCodec.key`).
    package let keyPrefix: String
    package let fields: [String]
    package let timeout: Duration

    package init(host: String, port: Int, keyPrefix: String, fields: [String], timeout: Duration) {
        self.host = host
        self.port = port
        self.keyPrefix = keyPrefix
        self.fields = fields
        self.timeout = timeout
    }

    package func connect() async throws(SkewlessError) -> any PushConnection {
        let connection = try await RESPConnection.connect(host: host, port: port)
        _ = try await connection.command(["PING"])
        return RedisPushConnection(connection: connection, template: HSETTemplate(keyPrefix: keyPrefix, fields: fields), timeout: timeout)
    }
}

struct RedisPushConnection: PushConnection {
    let connection: RESPConnection
    let template: HSETTemplate
    let timeout: Duration

    func prepare(_ batch: PushBatch) -> ByteBuffer {
        template.commands(for: batch, allocator: connection.allocator)
    }

    func send(_ prepared: ByteBuffer, rows: Int) async -> PushOutcome {
        do {
            let replies = try await connection.send(prepared, replyCount: rows, timeout: timeout)
            for reply in replies {
                guard case .integer = reply else { return .failure("redis answered \(reply) to an HSET") }
            }
            return .acknowledged(replicasMissed: 0, accepted: false)
        } catch where error.code == .deadlineExceeded {
            return .timeout
        } catch {
            return .failure("\(error)")
        }
    }

    func close() async {
        await connection.close()
    }
}
