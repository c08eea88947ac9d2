import NIOCore
import SkewlessModel
import Synchronization

/// A fixed number of connections to one node, opened on first use and reopened after
/// they fail. A call made on one of the connections' event loops (a task preferring
/// `FeatureClient.taskExecutor`) takes the connection on that loop; other calls are spread
/// over the connections round-robin. Each connection pipelines any number of requests.
///
/// A connection is opened by the event loop (`NodeConnection.connect`), not by a task: the
/// calls that need it wait for it, and a call whose task is cancelled stops waiting at once
/// (the connection, once open, serves the next call). Nothing the pool starts outlives the
/// connect timeout, and `shutDown` ends it all.
final class ConnectionPool: Sendable {
    private typealias Waiter = UnsafeContinuation<Result<NodeConnection, SkewlessError>, Never>

    private enum Slot {
        case empty
        /// Opening; `done` fires when the attempt has ended and its connection, if the pool
        /// no longer wants it, has closed.
        case connecting(waiters: [UInt64: Waiter], done: CloseSignal)
        case ready(NodeConnection)
    }

    private struct State {
        var slots: [Slot]
        /// Set by `beginShutdown`: why no connection is handed out any more.
        var shutdownReason: SkewlessError?
        /// Connections and attempts the shutdown waits for.
        var closing: [NodeConnection] = []
        var connectsEnding: [CloseSignal] = []
    }

    let endpoint: Endpoint
    private let group: any EventLoopGroup
    private let setup: ConnectionSetup
    private let state: Mutex<State>
    private let cursor = Atomic<Int>(0)
    private let nextWaiterID = Atomic<UInt64>(0)

    init(endpoint: Endpoint, size: Int, group: any EventLoopGroup, setup: ConnectionSetup) {
        self.endpoint = endpoint
        self.group = group
        self.setup = setup
        self.state = Mutex(State(slots: [Slot](repeating: .empty, count: max(1, size))))
    }

    /// A live connection: one on the calling thread's event loop if the pool has one (the
    /// request then needs no hop between threads), else the next slot's, opening it if it
    /// has none.
    /// - Throws: `UNAVAILABLE` when the node cannot be reached, `CANCELLED` when the calling
    ///   task is cancelled while it waits, the shutdown's reason once the pool is shut down.
    nonisolated(nonsending) func connection() async throws(SkewlessError) -> NodeConnection {
        enum Choice {
            case use(NodeConnection)
            case fail(SkewlessError)
            case wait(slot: Int)
        }
        let choice: Choice = state.withLock { state in
            if let reason = state.shutdownReason { return .fail(reason) }
            for slot in state.slots {
                if case .ready(let connection) = slot, connection.channel.eventLoop.inEventLoop, connection.isActive {
                    return .use(connection)
                }
            }
            let index = cursor.add(1, ordering: .relaxed).newValue % state.slots.count
            if case .ready(let connection) = state.slots[index], connection.isActive {
                return .use(connection)
            }
            return .wait(slot: index)
        }
        switch choice {
        case .use(let connection): return connection
        case .fail(let error): throw error
        case .wait(let slot): return try await waitForConnection(slot: slot).get()
        }
    }

    /// Waits for slot `index`'s connection, opening it if no attempt is under way.
    private func waitForConnection(slot index: Int) async -> Result<NodeConnection, SkewlessError> {
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        let endpoint = self.endpoint
        return await withTaskCancellationHandler {
            await withUnsafeContinuation { (waiter: Waiter) in
                enum Step {
                    case resume(Result<NodeConnection, SkewlessError>)
                    case wait
                    case open(done: CloseSignal)
                }
                let step: Step = state.withLock { state in
                    if let reason = state.shutdownReason { return .resume(.failure(reason)) }
                    if Task.isCancelled { return .resume(.failure(Self.cancelled(endpoint))) }
                    switch state.slots[index] {
                    case .ready(let connection) where connection.isActive:
                        return .resume(.success(connection))
                    case .connecting(var waiters, let done):
                        waiters[id] = waiter
                        state.slots[index] = .connecting(waiters: waiters, done: done)
                        return .wait
                    case .ready, .empty:
                        let done = CloseSignal()
                        state.slots[index] = .connecting(waiters: [id: waiter], done: done)
                        return .open(done: done)
                    }
                }
                switch step {
                case .resume(let result): waiter.resume(returning: result)
                case .wait: break
                case .open(let done): startConnecting(slot: index, done: done)
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard case .connecting(var waiters, let done) = state.slots[index], let waiter = waiters.removeValue(forKey: id) else { return nil }
                state.slots[index] = .connecting(waiters: waiters, done: done)
                return waiter
            }
            waiter?.resume(returning: .failure(Self.cancelled(endpoint)))
        }
    }

    private static func cancelled(_ endpoint: Endpoint) -> SkewlessError {
        SkewlessError(.cancelled, "the call to \(endpoint) was cancelled while it waited for a connection (its task was)")
    }

    /// Starts opening slot `index`'s connection; the outcome goes to the slot's waiters.
    private func startConnecting(slot index: Int, done: CloseSignal) {
        NodeConnection.connect(to: endpoint, group: group, setup: setup) { result in
            enum Outcome {
                case deliver([Waiter])
                /// The pool was shut down meanwhile (its waiters have been told): close what opened.
                case discard(NodeConnection?, reason: SkewlessError)
            }
            let outcome = self.state.withLock { state -> Outcome in
                if let reason = state.shutdownReason {
                    let connection = try? result.get()
                    if let connection { state.closing.append(connection) }
                    state.slots[index] = .empty
                    return .discard(connection, reason: reason)
                }
                guard case .connecting(let waiters, _) = state.slots[index] else { return .deliver([]) }
                switch result {
                case .success(let connection): state.slots[index] = .ready(connection)
                case .failure: state.slots[index] = .empty
                }
                return .deliver(Array(waiters.values))
            }
            switch outcome {
            case .deliver(let waiters):
                for waiter in waiters {
                    waiter.resume(returning: result)
                }
            case .discard(let connection, let reason):
                connection?.beginClose(reason: reason)
            }
            done.fire()
        }
    }

    /// Hands out no more connections (calls fail with `reason`). Gracefully, each open
    /// connection closes once its requests in flight are answered or expired; otherwise
    /// they fail with `reason` and the connections close at once.
    func beginShutdown(reason: SkewlessError, gracefully: Bool) {
        let (connections, waiters) = state.withLock { state -> ([NodeConnection], [Waiter]) in
            if state.shutdownReason == nil { state.shutdownReason = reason }
            var waiters: [Waiter] = []
            for index in state.slots.indices {
                switch state.slots[index] {
                case .ready(let connection):
                    state.closing.append(connection)
                case .connecting(let slotWaiters, let done):
                    waiters += slotWaiters.values
                    state.connectsEnding.append(done)
                    state.slots[index] = .connecting(waiters: [:], done: done)
                    continue
                case .empty:
                    break
                }
                state.slots[index] = .empty
            }
            return (state.closing, waiters)
        }
        for waiter in waiters {
            waiter.resume(returning: .failure(reason))
        }
        for connection in connections {
            if gracefully {
                connection.beginDrain(reason: reason)
            } else {
                connection.beginClose(reason: reason)
            }
        }
    }

    /// Returns once every connection and connection attempt has ended after `beginShutdown`.
    func waitUntilClosed() async {
        // Attempts first: one that ends after the shutdown adds its connection to `closing`.
        for done in state.withLock({ $0.connectsEnding }) {
            await done.wait()
        }
        for connection in state.withLock({ $0.closing }) {
            await connection.waitUntilClosed()
        }
    }

    /// Closes every connection at once; calls in flight on them fail with `UNAVAILABLE`.
    func close() async {
        beginShutdown(reason: SkewlessError(.unavailable, "the connections to \(endpoint) were closed by the client"), gracefully: false)
        await waitUntilClosed()
    }
}
