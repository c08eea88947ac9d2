import SkewlessModel

extension FeatureClient {
    /// The client's lifecycle, apart from its connections: whether it takes calls, whether
    /// `run()` is running and waiting, and how it is being shut down.
    ///
    /// ```
    /// idle ──run()──> running ──beginGracefulShutdown()──> draining ──close() / cancel──┐
    ///   │                │                                     │                        v
    ///   │                └────────close() / cancel─────────────┼───────────────> closing
    ///   └──beginGracefulShutdown() / close()───────────────────┘        (transport closed)
    ///                                                                       ──> closed
    /// ```
    ///
    /// Calls are taken while `idle` (a client made with `init` works without `run()`) and
    /// `running`. Each transition returns what to do: shut the transport down (gracefully or
    /// not) and resume `run()`'s wait.
    struct StateMachine {
        /// What `run()` waits on until the client shuts down.
        typealias Waiter = CheckedContinuation<Void, Never>

        private enum State {
            case idle
            case running(waiter: Waiter?)
            case draining
            case closing
            case closed
        }

        /// How the transport is shut down.
        enum TransportShutdown: Equatable {
            /// Calls in flight end first.
            case graceful
            /// Calls in flight fail now.
            case immediate
        }

        /// What the caller of a transition does, after releasing the lock.
        struct ShutdownAction {
            var transport: TransportShutdown?
            /// Resume `run()`, which then waits for the transport to close.
            var resume: Waiter?
        }

        private var state = State.idle

        var acceptsCalls: Bool {
            switch state {
            case .idle, .running: true
            case .draining, .closing, .closed: false
            }
        }

        /// `run()` starts.
        /// - Throws: `FAILED_PRECONDITION` when it runs already, has run, or the client is shut down.
        mutating func run() throws(SkewlessError) {
            switch state {
            case .idle:
                state = .running(waiter: nil)
            case .running:
                throw SkewlessError(.failedPrecondition, "this FeatureClient is already running: run() runs once per client")
            case .draining, .closing, .closed:
                throw FeatureClient.shutDown
            }
        }

        /// `run()` waits for the shutdown.
        /// - Returns: false when it must not wait (the shutdown has begun): resume `waiter` now.
        mutating func wait(_ waiter: Waiter) -> Bool {
            guard case .running(nil) = state else { return false }
            state = .running(waiter: waiter)
            return true
        }

        /// `beginGracefulShutdown()`: no more calls; those in flight end first.
        mutating func beginGracefulShutdown() -> ShutdownAction {
            switch state {
            case .idle:
                state = .draining
                return ShutdownAction(transport: .graceful)
            case .running(let waiter):
                state = .draining
                return ShutdownAction(transport: .graceful, resume: waiter)
            case .draining, .closing, .closed:
                return ShutdownAction()
            }
        }

        /// `close()`, or `run()` cancelled: no more calls, and those in flight fail now.
        mutating func close() -> ShutdownAction {
            switch state {
            case .idle, .draining:
                state = .closing
                return ShutdownAction(transport: .immediate)
            case .running(let waiter):
                state = .closing
                return ShutdownAction(transport: .immediate, resume: waiter)
            case .closing, .closed:
                return ShutdownAction()
            }
        }

        /// The transport has closed after a shutdown.
        mutating func closed() {
            switch state {
            case .draining, .closing: state = .closed
            case .idle, .running, .closed: break
            }
        }
    }

    /// The error of a call made after the client was shut down.
    static let shutDown = SkewlessError(
        .failedPrecondition,
        "this FeatureClient is shut down (close(), a graceful shutdown of its service group, or the end of withFeatureClient): make calls while it runs, or make a new client")

    /// The error of a call still in flight when the client was closed.
    static let closedInFlight = SkewlessError(
        .failedPrecondition, "this FeatureClient was shut down while the call was in flight (close(), or its run() was cancelled)")
}
