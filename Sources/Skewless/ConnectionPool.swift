import NIOCore
import SkewlessModel
import Synchronization

/// A fixed number of connections to one node, opened on first use and reopened after
/// they fail. A call made on one of the connections' event loops (a task preferring
/// `FeatureClient.taskExecutor`) takes the connection on that loop; other calls are spread
/// over the connections round-robin. Each connection pipelines any number of requests.
final class ConnectionPool: Sendable {
    private enum Slot {
        case empty
        case connecting(Task<NodeConnection, any Error>)
        case ready(NodeConnection)
    }

    let endpoint: Endpoint
    private let group: any EventLoopGroup
    private let connectTimeout: Duration
    private let clientName: String
    private let slots: Mutex<[Slot]>
    private let cursor = Atomic<Int>(0)

    init(endpoint: Endpoint, size: Int, group: any EventLoopGroup, connectTimeout: Duration, clientName: String) {
        self.endpoint = endpoint
        self.group = group
        self.connectTimeout = connectTimeout
        self.clientName = clientName
        self.slots = Mutex([Slot](repeating: .empty, count: max(1, size)))
    }

    /// A live connection: one on the calling thread's event loop if the pool has one (the
    /// request then needs no hop between threads), else the next slot's, opening it if it
    /// has none.
    nonisolated(nonsending) func connection() async throws(SkewlessError) -> NodeConnection {
        enum Choice {
            case use(NodeConnection)
            case await(Task<NodeConnection, any Error>, slot: Int)
        }
        let choice: Choice = slots.withLock { slots in
            for slot in slots {
                if case .ready(let connection) = slot, connection.channel.eventLoop.inEventLoop, connection.isActive {
                    return .use(connection)
                }
            }
            let index = cursor.add(1, ordering: .relaxed).newValue % slots.count
            switch slots[index] {
            case .ready(let connection) where connection.isActive:
                return .use(connection)
            case .connecting(let task):
                return .await(task, slot: index)
            case .ready, .empty:
                let endpoint = self.endpoint, group = self.group, timeout = self.connectTimeout, name = self.clientName
                let task = Task<NodeConnection, any Error> {
                    try await NodeConnection.connect(to: endpoint, group: group, connectTimeout: timeout, clientName: name)
                }
                slots[index] = .connecting(task)
                return .await(task, slot: index)
            }
        }
        let task: Task<NodeConnection, any Error>
        let index: Int
        switch choice {
        case .use(let connection): return connection
        case .await(let pending, let slot): (task, index) = (pending, slot)
        }
        do {
            let connection = try await task.value
            slots.withLock { slots in
                if case .connecting = slots[index] { slots[index] = .ready(connection) }
            }
            return connection
        } catch {
            slots.withLock { slots in
                if case .connecting = slots[index] { slots[index] = .empty }
            }
            throw (error as? SkewlessError) ?? SkewlessError(.unavailable, "cannot connect to \(endpoint): \(error)")
        }
    }

    func close() async {
        let all = slots.withLock { slots -> [Slot] in
            defer { slots = slots.map { _ in .empty } }
            return slots
        }
        for slot in all {
            switch slot {
            case .ready(let connection): await connection.close()
            case .connecting(let task): await (try? task.value)?.close()
            case .empty: break
            }
        }
    }
}
