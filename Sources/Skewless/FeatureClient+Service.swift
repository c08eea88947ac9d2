import NIOCore
import NIOPosix
import ServiceLifecycle
import SkewlessModel
import Synchronization

extension FeatureClient: Service {
    /// Runs the client until it is shut down: a graceful shutdown (of the `ServiceGroup` it
    /// runs in, or `beginGracefulShutdown()`), `close()`, or the cancellation of the task that
    /// runs it. Then it closes: after a graceful shutdown, calls in flight finish (or reach
    /// their deadlines) before the connections close; after a cancellation or `close()`,
    /// they fail at once with `.failedPrecondition`. Calls made after the shutdown began
    /// fail with `.failedPrecondition` too ("this FeatureClient is shut down").
    ///
    /// ```swift
    /// let client = FeatureClient(configuration: .defaults(endpoint: node))
    /// let group = ServiceGroup(services: [client, server], gracefulShutdownSignals: [.sigterm], logger: logger)
    /// try await group.run()
    /// ```
    ///
    /// A client runs once; it takes calls from `init` on, whether `run()` has started or not.
    /// - Throws: `.failedPrecondition` when the client runs already, has run, or was shut down.
    public func run() async throws(SkewlessError) {
        try lifecycle.withLock { lifecycle throws(SkewlessError) in try lifecycle.run() }
        // Wait for the shutdown (the handlers begin it, which resumes the wait).
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (waiter: StateMachine.Waiter) in
                    if !lifecycle.withLock({ $0.wait(waiter) }) {
                        waiter.resume()
                    }
                }
            } onGracefulShutdown: {
                self.beginGracefulShutdown()
            }
        } onCancel: {
            self.beginClose()
        }
        // Then for the connections to close. Cancelled meanwhile, the client closes at once.
        await withTaskCancellationHandler {
            await transport.waitUntilClosed()
        } onCancel: {
            self.beginClose()
        }
        lifecycle.withLock { $0.closed() }
    }

    /// Stops taking calls (they fail with `.failedPrecondition`) and lets the calls in flight
    /// finish; the connections close once they have. `run()` returns then; without `run()`,
    /// `close()` waits for it.
    public func beginGracefulShutdown() {
        perform(lifecycle.withLock { $0.beginGracefulShutdown() })
    }

    /// Closes the connections. Calls in flight fail with `.failedPrecondition`, as do later
    /// calls. Returns once the connections are closed.
    public func close() async {
        beginClose()
        await transport.waitUntilClosed()
        lifecycle.withLock { $0.closed() }
    }

    private func beginClose() {
        perform(lifecycle.withLock { $0.close() })
    }

    private func perform(_ action: StateMachine.ShutdownAction) {
        switch action.transport {
        case .graceful?:
            acceptsCalls.store(false, ordering: .relaxed)
            transport.beginShutdown(reason: Self.shutDown, gracefully: true)
        case .immediate?:
            acceptsCalls.store(false, ordering: .relaxed)
            transport.beginShutdown(reason: Self.closedInFlight, gracefully: false)
        case nil:
            break
        }
        action.resume?.resume()
    }
}

/// Runs `body` with a client that runs (`FeatureClient.run()`) in a task group beside it,
/// and shuts the client down gracefully when `body` returns: calls `body` left in flight (in
/// tasks it started) finish, later ones fail. When `body` throws, the client closes at once.
/// Returns once the client's connections are closed.
///
/// ```swift
/// let score = try await withFeatureClient(configuration: .defaults(endpoint: node)) { client in
///     let features = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 42]])
///     return model.score(features[0])
/// }
/// ```
///
/// - Parameters:
///   - configuration: the client's configuration.
///   - eventLoopGroup: where its connections run; by default NIO's shared group. A group of
///     your own must be shut down only after this returns.
///   - body: the code that uses the client. Do not keep the client beyond it.
/// - Returns: what `body` returns.
/// - Throws: what `body` throws.
public func withFeatureClient<Value: Sendable>(
    configuration: FeatureClient.Configuration,
    eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (FeatureClient) async throws -> Value
) async throws -> Value {
    let client = FeatureClient(configuration: configuration, eventLoopGroup: eventLoopGroup)
    return try await withThrowingDiscardingTaskGroup(returning: Value.self, isolation: isolation) { group in
        group.addTask {
            try await client.run()
        }
        do {
            let result = try await body(client)
            client.beginGracefulShutdown()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
