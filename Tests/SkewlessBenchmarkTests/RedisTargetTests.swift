import Foundation
import NIOCore
import SkewlessModel
import Testing
@testable import SkewlessBenchmark

private let redisInstalled = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// Against a real redis-server on 127.0.0.1 (skipped where none is installed).
@Suite(.enabled(if: redisInstalled, "redis-server is not installed"))
struct RedisTargetTests {
    static let view = FeatureView(
        name: "bench", version: 1, entities: ["user"],
        fields: [Field(name: "a", type: .float), Field(name: "n", type: .int64), Field(name: "e", type: .embedding(dimension: 8))], ttlSeconds: 60)

    @Test func loadsAndFetchesTheSameValues() async throws {
        let redis = try await RedisBaseline.start()
        do {
            let connection = try await redis.connect()
            let before = try await redis.memory()
            let loader = try SyntheticLoader(view: Self.view, joinKey: "user_id", entities: 500, seed: 3, batchSize: 64, concurrency: 2)
            let report = try await loader.load(into: [connection])
            #expect(report.entities == 500)
            let after = try await redis.memory()
            #expect((after.usedMemory ?? 0) > (before.usedMemory ?? 0))

            // The stored hash holds exactly the synthetic values.
            var commands = ByteBuffer()
            let template = HMGETTemplate(group: RequestShape.ViewGroup(view: Self.view, fields: Self.view.fields))
            template.write(id: 42, into: &commands)
            template.write(id: 501, into: &commands)  // never loaded
            let replies = try await connection.send(commands, replyCount: 2, timeout: .seconds(5))
            guard case .array(let fields?) = replies[0], case .array(let missing?) = replies[1] else {
                Issue.record("unexpected replies \(replies)")
                return
            }
            let expected = SyntheticValues.row(of: Self.view, id: 42, seed: 3, sparsity: 0)
            let decoded = zip(fields, Self.view.fields).map { field, definition -> FeatureValue? in
                if case .bulkString(let bytes?) = field { return RedisFeatureCodec.decode(bytes, as: definition.type) }
                return nil
            }
            #expect(decoded == expected.map(Optional.some))
            #expect(missing == [.bulkString(nil), .bulkString(nil), .bulkString(nil)])

            // An error reply is a value, not a broken connection.
            await #expect(throws: SkewlessError.self) { _ = try await connection.command(["NOSUCHCOMMAND"]) }
            #expect(try await connection.command(["PING"]) == .simpleString("PONG"))

            // The target fetches pipelined batches, hits and misses alike.
            let shape = RequestShape(selection: .features(["bench:a"]), joinKey: "user_id", groups: [.init(view: Self.view, fields: Self.view.fields)])
            let target = redis.target(shape: shape, timeout: .seconds(5))
            let targetConnection = try await target.connect()
            #expect(await targetConnection.fetch([1, 2, 3, 499, 500, 900]) == .success)
            await targetConnection.close()
            await connection.close()
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }

    @Test func refusesABadAddress() {
        #expect(throws: SkewlessError.self) { try RedisBaseline.existing("nohost") }
        #expect(throws: SkewlessError.self) { try RedisBaseline.existing(":6379") }
    }
}
