import Foundation
import SkewlessModel
import Testing
@testable import Skewless

/// Writes and definitions through the cluster router, in process, under injected faults.
@Suite(.timeLimit(.minutes(1)))
struct ClusterRouterTests {
    typealias Read = ClusterReadExecutorTests

    static func write(_ client: FeatureClient, user id: Int64) async throws(SkewlessError) -> WriteSummary {
        try await client.write(view: "user", rows: [FeatureWrite(entity: ["user_id": .int64(id)], eventTime: 1, values: ["amount": .double(1)])])
    }

    @Test func aWriteWhoseCoordinatorFailsGoesToTheNextNodeWithTheSameKey() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster)
        let id = try Read.user(in: 0)  // write targets node-1, then node-2
        cluster.inject(.refuse, on: "node-1", method: .writeFeatures)
        let summary = try await Self.write(client, user: id)
        #expect(summary.rowsWritten == 1)
        let writes = cluster.requests.filter { $0.method == .writeFeatures }
        #expect(writes.map(\.node) == ["node-1", "node-2"])
        #expect(writes[0].idempotencyKey != nil && writes[0].idempotencyKey == writes[1].idempotencyKey, "one batch, stored once")
        await client.close()
    }

    @Test func aWriteEveryNodeWouldRefuseIsNotRetried() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster)
        let refusal = SkewlessError(.invalidArgument, "field 'amount' is double, the write gives a string")
        for node in Read.nodes { cluster.inject(.fail(refusal), on: node, method: .writeFeatures) }
        let error = await #expect(throws: SkewlessError.self) { try await Self.write(client, user: try Read.user(in: 1)) }
        #expect(error == refusal)
        #expect(cluster.requests.count { $0.method == .writeFeatures } == 1)
        await client.close()
    }

    @Test func aWriteNoNodeAcceptsFailsAfterTheRoundsWithTheLastReason() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster) { $0.retryPolicy = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(1)) }
        _ = try await client.describe()
        for node in Read.nodes { cluster.inject(.refuse, on: node, method: .writeFeatures) }
        let error = await #expect(throws: SkewlessError.self) { try await Self.write(client, user: try Read.user(in: 2)) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("no node accepted the write (tried 3 of 3)") == true, "\(String(describing: error))")
        #expect(error?.message.contains("gave up after 2 attempts") == true, "\(String(describing: error))")
        #expect(cluster.requests.count { $0.method == .writeFeatures } == 6, "every node, in each of the two rounds")
        await client.close()
    }

    @Test func definitionsComeFromAnyNodeThatAnswers() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster)
        cluster.inject(.refuse, on: "node-1", method: .describe)
        cluster.inject(.hang, on: "node-2", method: .describe)
        // node-2 holds the call for its share of the deadline, long enough for the stalls of a
        // full parallel run of the suite to leave node-3 time to answer.
        let repo = try await client.describe(timeout: .seconds(12))
        #expect(repo.featureServices.map(\.name).sorted() == ["fraud", "spend"])
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await client.close()
    }
}
