import NIOCore
import SkewlessModel
/// The `INFO` reply of a Redis server: `name:value` lines in `# Section` blocks.
package struct RedisInfo: Sendable, Hashable {
    package var fields: [String: String]

    package init(parsing text: String) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        self.fields = fields
    }

    /// Bytes the allocator holds for data and overhead (`used_memory`).
    package var usedMemory: Int? { fields["used_memory"].flatMap { Int($0) } }

    /// The server's resident memory (`used_memory_rss`).
    package var residentMemory: Int? { fields["used_memory_rss"].flatMap { Int($0) } }

    /// Reads `INFO memory` over `connection`.
    package static func memory(of connection: RESPConnection) async throws(SkewlessError) -> RedisInfo {
        let reply = try await connection.command(["INFO", "memory"])
        guard case .bulkString(let bytes?) = reply else {
            throw SkewlessError(.internal, "redis at \(connection.peer) answered INFO with \(reply)")
        }
        return RedisInfo(parsing: String(buffer: bytes))
    }
}
