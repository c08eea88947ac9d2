import NIOCore

/// A RESP2 value, the Redis protocol (https://redis.io/docs/reference/protocol-spec/):
///
/// ```
/// +OK\r\n                       simple string
/// -ERR message\r\n              error
/// :42\r\n                       integer
/// $5\r\nhello\r\n               bulk string (binary-safe)   $-1\r\n  nil bulk string
/// *2\r\n<value><value>          array                       *-1\r\n  nil array
/// ```
package enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// nil is the nil bulk string (`$-1`), what HMGET answers for a missing field or key.
    case bulkString(ByteBuffer?)
    /// nil is the nil array (`*-1`).
    case array([RESPValue]?)

    /// A command: an array of bulk strings.
    package static func command(_ arguments: [String]) -> RESPValue {
        .array(arguments.map { .bulkString(ByteBuffer(string: $0)) })
    }
}
