import Foundation
import NIOCore
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

private let redisInstalled = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// Against a real redis-server with its append-only file fsynced before every reply
/// (skipped where none is installed).
@Suite(.enabled(if: redisInstalled, "redis-server is not installed"))
struct RedisPushTargetTests {
    @Test func aDurableRedisTakesPushedBatchesAndLeavesNothingBehind() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("fsbench-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let redis = try await RedisBaseline.start(persistence: .appendFsyncAlways, parentDirectory: parent.path)
        do {
            let persistence = try await redis.persistence()
            #expect(persistence.contains("appendonly yes") && persistence.contains("appendfsync always"))
            #expect(persistence.contains("dir \(parent.path)/fsbench-redis-"))

            let fields = (0..<10).map { "f0\($0)" }
            let source = try PushRowSource(rowsPerBatch: 50, fieldCount: 10, keySpace: 1_000)
            let target = RedisPushTarget(host: redis.host, port: redis.port, keyPrefix: "bench_float10@1:", fields: fields, timeout: .seconds(10))
            let connection = try await target.connect()
            let result = try await PushDriver().push(connections: [connection], source: source, inFlight: 2, amount: .batches(4))
            await connection.close()
            #expect(result.rows == 200)
            #expect(result.batches.errors == 0 && result.batches.timeouts == 0)

            // Row 7 of batch 2 is in its hash, field by field.
            let batch = source.batch(2)
            let reader = try await redis.connect()
            var command = ByteBuffer()
            command.writeRESPValue(.command(["HMGET", "bench_float10@1:\(batch.ids[7])"] + fields))
            let replies = try await reader.send(command, replyCount: 1, timeout: .seconds(5))
            await reader.close()
            guard case .array(let values?) = replies.first else {
                Issue.record("unexpected reply \(replies)")
                await redis.stop()
                return
            }
            let decoded = values.map { value -> FeatureValue? in
                if case .bulkString(let bytes?) = value { return RedisFeatureCodec.decode(bytes, as: .float) }
                return nil
            }
            #expect(decoded == batch.row(7).map { .float($0) })
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
        // The server's directory, append-only file and all, is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }
}
