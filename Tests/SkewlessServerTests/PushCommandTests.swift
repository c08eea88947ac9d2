import Foundation
import Skewless
import Testing

/// `fsctl push` end to end: the real binary against a real node on 127.0.0.1, read back
/// through the SDK.
@Suite(.timeLimit(.minutes(2)))
struct PushCommandTests {
    /// A temporary directory for the input, fsctl's output and the node's segments; removed
    /// after `body`, as is the node.
    static func withNodeAndDirectory(_ body: (TestNode, URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-push-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let segments = directory.appendingPathComponent("segments")
        try await TestNode.withNode(configure: { $0.segmentsDirectory = segments.path }) { node in
            try await body(node, directory)
        }
    }

    static func line(_ user: Int) -> String {
        "{\"user_id\": \(user), \"event_time\": \"now-1m\", \"txn_count_24h\": \(user * 10)}\n"
    }

    /// txn_count_24h of each user, nil for users the node does not hold.
    static func counts(_ users: [Int], node: TestNode) async throws -> [Int64?] {
        let client = NodeServerTests.client(node)
        do {
            let features = try await client.getOnlineFeatures(features: ["user_transactions:txn_count_24h"], entities: users.map { ["user_id": .int64(Int64($0))] })
            await client.close()
            return (0..<users.count).map { features[$0].eventTime("txn_count_24h") == nil ? nil : features[$0].int64("txn_count_24h") }
        } catch {
            await client.close()
            throw error
        }
    }

    /// Waits until the node holds every one of `users` with its count.
    static func waitUntilStored(_ users: [Int], node: TestNode, push: FSCtlProcess) async throws {
        for _ in 0..<1_000 {
            if try await counts(users, node: node) == users.map({ Int64($0 * 10) }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("users \(users) not stored within 10 s; fsctl said: \(push.errors)")
    }

    @Test func pushedRowsAreReadableAndABadRowIsReportedWithItsLineAndLeftOut() async throws {
        try await Self.withNodeAndDirectory { node, directory in
            let file = directory.appendingPathComponent("events.jsonl")
            let bad = "{\"user_id\": 5, \"event_time\": \"now-1m\", \"txn_count_24h\": \"five\"}\n"
            let text = (1...4).map(Self.line).joined() + bad + (6...11).map(Self.line).joined()
            try text.write(to: file, atomically: true, encoding: .utf8)
            let push = try FSCtlProcess(["push", "user_transactions", file.path, "--node", "127.0.0.1:\(node.port)", "--batch-rows", "3"], in: directory)
            defer { push.stop() }
            let status = try await push.exitStatus()
            #expect(status == 1, "some rows were bad: \(push.errors)")
            #expect(push.errors.contains("events.jsonl: line 5, column 'txn_count_24h': "))
            #expect(push.output.contains("10 rows pushed in 4 batches, 1 bad row left out"))
            let good = Array(1...4) + Array(6...11)
            #expect(try await Self.counts(good, node: node) == good.map { Int64($0 * 10) })
            #expect(try await Self.counts([5], node: node) == [nil])
        }
    }

    @Test func followPushesRowsAppendedWhileItRunsAndAnInterruptEndsItCleanly() async throws {
        try await Self.withNodeAndDirectory { node, directory in
            let file = directory.appendingPathComponent("growing.jsonl")
            try (Self.line(101) + Self.line(102)).write(to: file, atomically: true, encoding: .utf8)
            let push = try FSCtlProcess(["push", "user_transactions", file.path, "--follow", "--node", "127.0.0.1:\(node.port)"], in: directory)
            defer { push.stop() }
            try await Self.waitUntilStored([101, 102], node: node, push: push)

            // Appended while it runs, a line split across two writes.
            let appending = try FileHandle(forWritingTo: file)
            defer { try? appending.close() }
            try appending.seekToEnd()
            let third = Self.line(103), fourth = Self.line(104)
            try appending.write(contentsOf: Data((third + fourth.prefix(20)).utf8))
            try await Task.sleep(for: .milliseconds(150))
            try appending.write(contentsOf: Data(fourth.dropFirst(20).utf8))
            try await Self.waitUntilStored([101, 102, 103, 104], node: node, push: push)

            push.interrupt()
            let status = try await push.exitStatus()
            #expect(status == 0, "\(push.errors)")
            #expect(push.output.contains("4 rows pushed"))
            #expect(push.output.contains("(interrupted)"))
        }
    }

    @Test func standardInputIsPushedAsItArrivesAndReadUntilItEnds() async throws {
        try await Self.withNodeAndDirectory { node, directory in
            let push = try FSCtlProcess(["push", "user_transactions", "--format", "csv", "--node", "127.0.0.1:\(node.port)"], in: directory, feedsInput: true)
            defer { push.stop() }
            let input = try #require(push.input)
            try input.write(contentsOf: Data("user_id,event_time,txn_count_24h\r\n201,now-1m,2010\r\n".utf8))
            // A lone row goes while the pipe is still open: nothing waits for the end.
            try await Self.waitUntilStored([201], node: node, push: push)
            try input.write(contentsOf: Data("202,now-1m,2020\r\n".utf8))
            try input.close()
            let status = try await push.exitStatus()
            #expect(status == 0, "\(push.errors)")
            #expect(try await Self.counts([201, 202], node: node) == [2010, 2020])
            #expect(push.output.contains("<stdin> -> user_transactions@1: 2 rows pushed"))
        }
    }
}
