import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SkewlessModel
import Synchronization
import Testing
@testable import Skewless

/// The client as a swift-service-lifecycle `Service` and scoped in `withFeatureClient`:
/// shutdown with calls in flight, and a caller whose event loop group shuts down.
@Suite(.timeLimit(.minutes(1)))
struct FeatureClientServiceTests {
    typealias Read = ClusterReadExecutorTests

    /// `operation`'s outcome, or a recorded issue if it has not ended after `seconds`: a
    /// hang fails the test instead of blocking it.
    static func within<T: Sendable>(
        seconds: Double, _ what: String, _ operation: @escaping @Sendable () async -> T
    ) async -> T? {
        let outcome = Box<T>()
        let task = Task {
            let value = await operation()
            outcome.value.withLock { $0 = value }
        }
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let value = outcome.value.withLock({ $0 }) { return value }
            try? await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("\(what) did not end within \(seconds) s")
        task.cancel()
        return nil
    }

    @Test func aGracefulShutdownLetsCallsInFlightFinishAndRefusesNewOnes() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster)
        let id = try Read.user(in: 1)
        try await Read.read(client, [id])  // the map and the repo
        let running = Task { try await client.run() }
        for node in Read.nodes { cluster.inject(.delay(.milliseconds(300)), on: node, method: .getOnlineFeatures) }
        let inFlight = Task { try await Read.read(client, [id]) }
        while cluster.liveAttempts.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        client.beginGracefulShutdown()
        let refused = await #expect(throws: SkewlessError.self) { try await Read.read(client, [id]) }
        #expect(refused == FeatureClient.shutDown)
        try await inFlight.value  // answered, 300 ms later
        try await running.value
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
        await #expect(throws: SkewlessError.self) { try await client.describe() }
    }

    @Test func cancellingRunFailsTheCallsInFlightAtOnce() async throws {
        let cluster = try Read.cluster(Read.twoReplicas)
        let client = try Read.client(cluster)
        let id = try Read.user(in: 1)
        try await Read.read(client, [id])
        let running = Task { try await client.run() }
        for node in Read.nodes { cluster.inject(.hang, on: node, method: .getOnlineFeatures) }
        let inFlight = Task { try await Read.read(client, [id], timeout: .seconds(60)) }
        while cluster.liveAttempts.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        let cancelled = ContinuousClock.now
        running.cancel()
        let outcome = await inFlight.result
        #expect(ContinuousClock.now - cancelled < .seconds(30), "ended by run()'s end, not by the 60 s deadline")
        #expect((outcome.failure as? SkewlessError) == FeatureClient.closedInFlight, "\(outcome)")
        try await running.value
        #expect(cluster.liveAttempts.load(ordering: .relaxed) == 0)
    }

    @Test func connectionsDrainBeforeTheyClose() async throws {
        let node = try await SilentNode(healthDelay: .milliseconds(300))
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(20) })
        let running = Task { try await client.run() }
        let inFlight = Task { try await client.health() }
        while node.connections == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        try await Task.sleep(for: .milliseconds(50))
        client.beginGracefulShutdown()
        let refused = await #expect(throws: SkewlessError.self) { try await client.health() }
        #expect(refused == FeatureClient.shutDown)
        #expect(try await inFlight.value.isServing, "the call in flight got its answer")
        try await running.value  // and then the connection closed
        await node.close()
    }

    @Test func withFeatureClientRunsTheClientForItsBodyAndShutsItDownAfter() async throws {
        let node = try await SilentNode(healthDelay: .zero)
        // Deadlines of 10 s: the suite runs beside the others on a loaded machine.
        let configuration = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) }
        let (serving, client) = try await withFeatureClient(configuration: configuration) { client in
            (try await client.health().isServing, client)
        }
        #expect(serving)
        let late = await #expect(throws: SkewlessError.self) { try await client.health() }
        #expect(late == FeatureClient.shutDown)

        struct Failed: Error {}
        await #expect(throws: Failed.self) {
            try await withFeatureClient(configuration: configuration) { client in
                _ = try await client.health()
                throw Failed()
            }
        }
        await node.close()
    }

    @Test func aClientRunsInAServiceGroupUntilItsGracefulShutdown() async throws {
        let node = try await SilentNode(healthDelay: .zero)
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(10) })
        let group = ServiceGroup(services: [client], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await client.health().isServing)
            await group.triggerGracefulShutdown()
            try await tasks.next()
        }
        await #expect(throws: SkewlessError.self) { try await client.health() }
        let again = await #expect(throws: SkewlessError.self) { try await client.run() }
        #expect(again?.code == .failedPrecondition)
        await node.close()
    }

    @Test func aCancelledCallReturnsAtOnceAndItsConnectionServesTheNext() async throws {
        let node = try await SilentNode(healthDelay: .zero)
        let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) {
            $0.connectionsPerNode = 1
            $0.timeout = .seconds(10)
        })
        _ = try await client.health()
        var slowest = Duration.zero
        for _ in 0..<5 {
            // The node never answers a read: only the cancellation ends it.
            let call = Task { try await client.getOnlineFeatures(features: ["v:f"], entities: [["user_id": 1]], timeout: .seconds(60)) }
            try await Task.sleep(for: .milliseconds(20))
            let cancelled = ContinuousClock.now
            call.cancel()
            let outcome = await call.result
            slowest = max(slowest, ContinuousClock.now - cancelled)
            #expect((outcome.failure as? SkewlessError)?.code == .cancelled)
            #expect(try await client.health().isServing, "the connection still serves")
        }
        // About 0.3 ms on an idle machine, and seconds at times while the rest of the suite
        // loads both cores; the bound only tells "ended by the cancellation" from "ran into
        // its 60 s deadline", which timing cannot do more finely in a unit test.
        #expect(slowest < .seconds(30), "a cancelled call took \(slowest) to return")
        #expect(node.connections == 1, "one connection throughout")
        await client.close()
        await node.close()
    }

    @Test func aCallerOnAnEventLoopGroupThatShutsDownGetsAnErrorNeverAHang() async throws {
        let node = try await SilentNode()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = FeatureClient(
            configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) { $0.timeout = .seconds(30) }, eventLoopGroup: group)
        // Calls in flight when the group shuts down: one from the default executor, one from
        // a task preferring the client's executor (whose loop goes away under it).
        let plain = Task { try await client.health() }
        let onLoop = Task { try await withTaskExecutorPreference(client.taskExecutor) { try await client.health() } }
        while node.connections == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        try await Task.sleep(for: .milliseconds(50))
        try await group.shutdownGracefully()
        for (name, call) in [("a call", plain), ("a call on the client's executor", onLoop)] {
            let outcome = await Self.within(seconds: 10, name) { await call.result }
            #expect((outcome?.failure as? SkewlessError) != nil, "\(name): \(String(describing: outcome))")
        }
        // After it: an error at once.
        let later = await Self.within(seconds: 10, "a call after the shutdown") { await Task { try await client.health() }.result }
        let error = later?.failure as? SkewlessError
        #expect(error?.code == .failedPrecondition, "\(String(describing: later))")
        #expect(error?.message.contains("event loop group") == true, "\(String(describing: error))")
        _ = await Self.within(seconds: 10, "close()") { await client.close() }
        await node.close()
    }
}

/// A value one task sets and another reads.
final class Box<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}
