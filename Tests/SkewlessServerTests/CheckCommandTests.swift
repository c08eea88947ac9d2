import Foundation
import Skewless
import SkewlessModel
import Testing

/// `fsctl check` end to end: the real binary against a real node on 127.0.0.1 whose rows and
/// lookups the test controls. The sample repo's `user_transactions` declares max_staleness 1h
/// and min_completeness 0.9.
@Suite(.timeLimit(.minutes(2)))
struct CheckCommandTests {
    static let minute: Int64 = 60_000_000

    static func withNodeAndDirectory(_ body: (TestNode, URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await TestNode.withNode { node in try await body(node, directory) }
    }

    /// Writes users 1...count of user_transactions with the event time `ago` before now.
    static func write(users count: Int, ago: Int64, node: TestNode) async throws {
        let client = NodeServerTests.client(node)
        let now = WallClock.nowMicros()
        let rows = (1...count).map { user in
            FeatureWrite(entity: ["user_id": .int64(Int64(user))], eventTime: now - ago, values: ["txn_count_24h": .int64(Int64(user))])
        }
        do {
            _ = try await client.write(view: "user_transactions", rows: rows)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    /// Looks up users `users` (each read counts one value per feature asked for).
    static func read(_ users: ClosedRange<Int>, node: TestNode) async throws {
        let client = NodeServerTests.client(node)
        let entities = users.map { ["user_id": KeyPart.int64(Int64($0))] }
        do {
            _ = try await client.getOnlineFeatures(features: ["user_transactions:txn_count_24h"], entities: entities)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    static func check(_ arguments: [String], node: TestNode, in directory: URL) async throws -> (status: Int32, output: String, errors: String) {
        let repo = TestNode.packageRoot.appendingPathComponent("examples/feature_repo").path
        let process = try FSCtlProcess(["check", "--repo", repo, "--node", "127.0.0.1:\(node.port)"] + arguments, in: directory)
        defer { process.stop() }
        let status = try await process.exitStatus()
        return (status, process.output, process.errors)
    }

    @Test func aFreshCompleteViewPassesAndLookupsThatFindNothingFailCompleteness() async throws {
        try await Self.withNodeAndDirectory { node, directory in
            try await Self.write(users: 20, ago: 5 * Self.minute, node: node)
            try await Self.read(1...20, node: node)
            let passing = try await Self.check(["--min-reads", "10", "--format", "json"], node: node, in: directory)
            #expect(passing.status == 0, "\(passing.output)\(passing.errors)")
            let report = try JSONSerialization.jsonObject(with: Data(passing.output.utf8)) as? [String: Any]
            let results = report?["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2 && report?["violations"] as? Int == 0, "\(passing.output)")
            let completeness = results.first { $0["objective"] as? String == "min_completeness" }
            #expect(completeness?["observed"] as? Double == 1.0 && completeness?["outcome"] as? String == "met", "\(passing.output)")

            // Twenty lookups of users the node does not hold: half of all lookups found no stored row.
            try await Self.read(101...120, node: node)
            let failing = try await Self.check(["--min-reads", "10"], node: node, in: directory)
            #expect(failing.status == 1, "\(failing.output)\(failing.errors)")
            #expect(failing.output.contains("min_completeness") && failing.output.contains("VIOLATED") && failing.output.contains("50.0%"), "\(failing.output)")
            // user_transactions declares a default for every field: the missing users were
            // served their defaults, which count against completeness all the same.
            #expect(failing.output.contains("defaulted 20"), "the detail names what the lookups found: \(failing.output)")

            // Too few lookups to judge: neither met nor violated.
            let unjudged = try await Self.check(["--min-reads", "1000"], node: node, in: directory)
            #expect(unjudged.status == 0 && unjudged.output.contains("not enough data"), "\(unjudged.output)\(unjudged.errors)")
        }
    }

    @Test func aStaleViewFailsAndAViewNoNodeHoldsFailsTooNamingWhy() async throws {
        try await Self.withNodeAndDirectory { node, directory in
            // Nothing written yet: no node holds a row.
            let empty = try await Self.check(["--view", "user_transactions"], node: node, in: directory)
            #expect(empty.status == 1 && empty.output.contains("never materialized or written"), "\(empty.output)\(empty.errors)")

            try await Self.write(users: 5, ago: 3 * 60 * Self.minute, node: node)
            let stale = try await Self.check(["--view", "user_transactions", "--format", "json"], node: node, in: directory)
            #expect(stale.status == 1, "\(stale.output)\(stale.errors)")
            let report = try JSONSerialization.jsonObject(with: Data(stale.output.utf8)) as? [String: Any]
            let staleness = (report?["results"] as? [[String: Any]])?.first { $0["objective"] as? String == "max_staleness" }
            #expect(staleness?["outcome"] as? String == "violated" && staleness?["target"] as? Double == 3_600, "\(stale.output)")
            #expect((staleness?["observed"] as? Double ?? 0) >= 3 * 3_600 - 60, "\(stale.output)")

            // A view without objectives, named: held to its TTL (user_profile: 30 days).
            let profile = try await Self.check(["--view", "merchant_risk"], node: node, in: directory)
            #expect(profile.status == 1 && profile.output.contains("(TTL)"), "\(profile.output)\(profile.errors)")
        }
    }

    @Test func aNodeThatDoesNotAnswerIsAnErrorNotAVerdict() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A port that was just free: nothing listens on it.
        let port = try await TestNode.withNode { $0.port }
        let repo = TestNode.packageRoot.appendingPathComponent("examples/feature_repo").path
        let process = try FSCtlProcess(["check", "--repo", repo, "--node", "127.0.0.1:\(port)", "--timeout-ms", "500"], in: directory)
        defer { process.stop() }
        let status = try await process.exitStatus()
        #expect(status >= 2, "\(process.output)\(process.errors)")
        #expect(process.errors.contains("127.0.0.1:\(port)"), "\(process.errors)")
    }
}
