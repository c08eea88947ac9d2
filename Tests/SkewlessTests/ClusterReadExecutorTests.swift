import Foundation
import NIOCore
import SkewlessModel
import Testing
@testable import Skewless
@testable import SkewlessWire

/// Routing under injected faults, in process: the client's executors against an
/// `InProcessCluster` whose nodes refuse, stall, or answer wrong-shard. No process, no socket.
@Suite(.timeLimit(.minutes(1)))
struct ClusterReadExecutorTests {
    static let nodes = ["node-1", "node-2", "node-3"]
    static let addresses = zip(nodes, (7001...7003).map { "127.0.0.1:\($0)" }).map { ($0, $1) }

    /// 4 partitions over 3 nodes.
    static func map(_ replicas: [[String]], epoch: UInt64 = 3) -> Data {
        ClusterRoutingTests.mapJSON(nodes: addresses, replicas: replicas, replication: replicas[0].count, epoch: epoch)
    }

    static let twoReplicas = map([["node-1", "node-2"], ["node-2", "node-3"], ["node-3", "node-1"], ["node-1", "node-2"]])
    static let oneReplica = map([["node-1"], ["node-2"], ["node-3"], ["node-1"]])

    /// A cluster client of `cluster`, seeded with `seed`.
    static func client(
        _ cluster: InProcessCluster, seed: String = "node-3", timeout: Duration = .seconds(10),
        configure: (inout FeatureClient.Configuration) -> Void = { _ in }
    ) throws -> FeatureClient {
        let configuration = try FeatureClient.Configuration.cluster(seeds: [cluster.endpoint(seed)]) {
            $0.timeout = timeout
            configure(&$0)
        }
        return FeatureClient(configuration: configuration, transport: cluster)
    }

    static func cluster(_ mapJSON: Data) throws -> InProcessCluster {
        InProcessCluster(nodes: nodes, mapJSON: mapJSON, repo: try ClusterRoutingTests.repo())
    }

    /// A user id whose row is in `partition`.
    static func user(in partition: Int) throws -> Int64 {
        let topology = try ClusterTopology(mapJSON: twoReplicas, source: "test")
        return try #require((1...10_000).first { topology.partitioner.partition(ofInt64: Int64($0)) == partition }.map(Int64.init))
    }

    /// Reads `user:amount` of `id` and checks the value.
    static func read(_ client: FeatureClient, _ ids: [Int64], timeout: Duration? = nil) async throws(SkewlessError) {
        let features = try await client.getOnlineFeatures(features: ["user:amount"], entities: ids.map { ["user_id": .int64($0)] }, timeout: timeout)
        #expect(features.rows.map { $0.double("amount") } == ids.map { Double($0) + 0.5 }, "rows in request order, each from a replica of its partition")
    }

    @Test func aReplicaThatRefusesIsSkippedAndTriedLastAfterwards() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        cluster.inject(.refuse, on: "node-1")
        let client = try Self.client(cluster)
        let id = try Self.user(in: 0)  // replicas node-1 and node-2
        let started = ContinuousClock.now
        for _ in 0..<10 {
            try await Self.read(client, [id])
            #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        }
        // A failed node is suspect for ClusterMapCache.suspectPeriod (2 s), then tried again:
        // a machine that stalls this process for seconds lets it be asked once per period.
        let elapsed = ContinuousClock.now - started
        let periods = Int(elapsed / .nanoseconds(ClusterMapCache.suspectPeriod.nanoseconds))
        #expect(cluster.requests(to: "node-1", .getOnlineFeatures) <= 1 + periods, "a node that failed is tried after the others")
        #expect(cluster.requests(to: "node-2", .getOnlineFeatures) >= 9)
        await client.close()
    }

    @Test func aBatchSplitsByNodeAndAFailedNodesRowsGoToTheirOtherReplicas() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        let ids = try (0..<4).map { try Self.user(in: $0) }
        let client = try Self.client(cluster)
        try await Self.read(client, ids)
        cluster.inject(.refuse, on: "node-2")
        try await Self.read(client, ids.reversed())
        cluster.heal("node-2")
        cluster.inject(.hang, on: "node-3", method: .getOnlineFeatures)
        // node-3's rows wait for their share of the deadline, then go to their other replica
        // (a deadline long enough for the stalls of a full parallel run of the suite).
        try await Self.read(client, ids, timeout: .seconds(10))
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await client.close()
    }

    @Test func aHedgeAnswersForAStalledReplicaAndTheStalledRequestIsCancelled() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        cluster.inject(.hang, on: "node-1", method: .getOnlineFeatures)
        let client = try Self.client(cluster, timeout: .seconds(60)) { $0.hedging = .after(.milliseconds(5)) }
        let id = try Self.user(in: 0)
        for _ in 0..<6 {
            let started = ContinuousClock.now
            try await Self.read(client, [id])
            // Far below the 60 s deadline the stalled node would hold a request for (a loose
            // bound: a full parallel run of the suite stalls this process for seconds at times).
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0, "the stalled request has ended when the call returns")
        }
        #expect(cluster.requests(to: "node-1", .getOnlineFeatures) >= 1, "node-1 was asked first at least once, and hedged")
        await client.close()
    }

    @Test func theDeadlineIsHonouredWhenNoReplicaAnswers() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        cluster.inject(.hang, on: "node-1", method: .getOnlineFeatures)
        cluster.inject(.hang, on: "node-2", method: .getOnlineFeatures)
        let client = try Self.client(cluster)
        _ = try await client.describe()  // the map and the repo first: the deadline is the read's
        let started = ContinuousClock.now
        let error = await #expect(throws: SkewlessError.self) { try await Self.read(client, [try Self.user(in: 0)], timeout: .milliseconds(300)) }
        let took = ContinuousClock.now - started
        #expect(error?.code == .deadlineExceeded, "\(String(describing: error))")
        #expect(took >= .milliseconds(290) && took < .seconds(30), "\(took)")
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await client.close()
    }

    @Test func aWrongShardAnswerRefreshesTheMapAndReRoutes() async throws {
        let cluster = try Self.cluster(Self.oneReplica)
        let client = try Self.client(cluster)
        let id = try Self.user(in: 0)
        try await Self.read(client, [id])
        #expect(client.routingEpoch == 3)
        // Partition 0 moves to node-2 in epoch 4; the client still routes by epoch 3.
        let moved = Self.map([["node-2"], ["node-2"], ["node-3"], ["node-1"]], epoch: 4)
        for node in Self.nodes { cluster.install(mapJSON: moved, on: node) }
        cluster.forgetRequests()
        try await Self.read(client, [id])
        #expect(client.routingEpoch == 4)
        #expect(cluster.requests(to: "node-1", .getOnlineFeatures) == 1, "node-1 answered wrong-shard")
        #expect(cluster.requests(to: "node-1", .getClusterMap) == 1, "the map came from the node that said wrong-shard")
        #expect(cluster.requests(to: "node-2", .getOnlineFeatures) == 1)
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await client.close()
    }

    @Test func aNodeWithAStaleMapIsSkippedForAnotherReplica() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        // node-1 is behind: by its epoch-2 map it does not hold partition 0.
        cluster.install(mapJSON: Self.map([["node-2", "node-3"], ["node-2", "node-3"], ["node-3", "node-2"], ["node-2", "node-3"]], epoch: 2), on: "node-1")
        let client = try Self.client(cluster)
        let id = try Self.user(in: 0)
        for _ in 0..<4 {
            try await Self.read(client, [id])
        }
        #expect(client.routingEpoch == 3, "an older map is never installed")
        #expect(cluster.requests(to: "node-2", .getOnlineFeatures) >= 2)
        await client.close()
    }

    @Test func aRoundThatFailsIsTriedAgainAfterAPauseUntilTheAttemptsRunOut() async throws {
        let cluster = try Self.cluster(Self.oneReplica)
        let client = try Self.client(cluster) { $0.retryPolicy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20)) }
        let id = try Self.user(in: 0)  // node-1 alone
        _ = try await client.describe()
        cluster.inject(.refuse, on: "node-1", method: .getOnlineFeatures, times: 2)
        let started = ContinuousClock.now
        try await Self.read(client, [id])
        #expect(ContinuousClock.now - started >= .milliseconds(60), "pauses of 20 and 40 ms")
        #expect(cluster.requests(to: "node-1", .getOnlineFeatures) == 3)

        cluster.inject(.refuse, on: "node-1", method: .getOnlineFeatures, times: 3)
        let error = await #expect(throws: SkewlessError.self) { try await Self.read(client, [id]) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("gave up after 3 attempts") == true, "\(String(describing: error))")
        await client.close()
    }

    @Test func anErrorEveryReplicaWouldRepeatEndsTheCallAtOnce() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        let refusal = SkewlessError(.invalidArgument, "join key 'user_id' is int64 but entity row 0 gives a string")
        cluster.inject(.fail(refusal), on: "node-1", method: .getOnlineFeatures)
        cluster.inject(.fail(refusal), on: "node-2", method: .getOnlineFeatures)
        let client = try Self.client(cluster)
        let error = await #expect(throws: SkewlessError.self) { try await Self.read(client, [try Self.user(in: 0)]) }
        #expect(error == refusal)
        #expect(cluster.requests.count { $0.method == .getOnlineFeatures } == 1, "no other replica, no other round")
        await client.close()
    }

    @Test func aCancelledCallReturnsAtOnceAndLeavesNothingRunning() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        cluster.inject(.hang, on: "node-1", method: .getOnlineFeatures)
        cluster.inject(.hang, on: "node-2", method: .getOnlineFeatures)
        let client = try Self.client(cluster) { $0.hedging = .after(.milliseconds(1)) }
        _ = try await client.describe()
        let id = try Self.user(in: 0)
        let call = Task { try await Self.read(client, [id], timeout: .seconds(60)) }
        while cluster.liveAttempts.load(ordering: .relaxed) < 2 {  // the request and its hedge
            try await Task.sleep(for: .milliseconds(1))
        }
        let cancelled = ContinuousClock.now
        call.cancel()
        let outcome = await call.result
        // Ended by the cancellation, not by the 60 s deadline (how fast is fsbench's to measure:
        // a full parallel run of the suite stalls this process for seconds at times).
        #expect(ContinuousClock.now - cancelled < .seconds(30))
        #expect((outcome.failure as? SkewlessError)?.code == .cancelled, "\(outcome)")
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await client.close()
    }

    @Test func theMapIsReadAgainAfterAFailureByTheNextCallFromTheNodesThatDidNotFail() async throws {
        let cluster = try Self.cluster(Self.twoReplicas)
        let client = try Self.client(cluster)
        let id = try Self.user(in: 0)
        try await Self.read(client, [id])
        cluster.inject(.refuse, on: "node-1")
        // Until node-1 has been tried (rotation decides which replica is first).
        while cluster.requests(to: "node-1", .getOnlineFeatures) == 0 {
            try await Self.read(client, [id])
        }
        cluster.forgetRequests()
        try await Self.read(client, [id])
        #expect(cluster.requests(to: "node-2", .getClusterMap) + cluster.requests(to: "node-3", .getClusterMap) >= 1, "\(cluster.requests)")
        #expect(cluster.requests(to: "node-1", .getClusterMap) == 0, "not from the node that failed")
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0, "the refresh ended with the call")
        cluster.forgetRequests()
        try await Self.read(client, [id])
        #expect(cluster.requests.allSatisfy { $0.method != .getClusterMap }, "once per failure period")
        await client.close()
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
