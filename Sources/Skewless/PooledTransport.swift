import NIOCore
import SkewlessModel
import SkewlessWire
import Synchronization

/// The client's transport: a `ConnectionPool` per node, opened on first use, over SwiftNIO.
///
/// The node the client was configured with (`home`) is reached without a lookup: a client of
/// one node sends every request through it. Other nodes' pools are found by endpoint.
final class PooledTransport: NodeTransport {
    private struct State {
        var pools: [Endpoint: ConnectionPool] = [:]
        var shutdown: (reason: SkewlessError, gracefully: Bool)?
    }

    private let home: ConnectionPool
    private let group: any EventLoopGroup
    private let connectionsPerNode: Int
    private let setup: ConnectionSetup
    private let state = Mutex(State())

    init(home endpoint: Endpoint, group: any EventLoopGroup, connectionsPerNode: Int, setup: ConnectionSetup) {
        self.group = group
        self.connectionsPerNode = connectionsPerNode
        self.setup = setup
        home = ConnectionPool(endpoint: endpoint, size: connectionsPerNode, group: group, setup: setup)
    }

    nonisolated(nonsending) func send(
        _ method: Skewless_V1_Method, payload: [UInt8], to endpoint: Endpoint, deadline: NIODeadline
    ) async throws(SkewlessError) -> ByteBuffer {
        let pool: ConnectionPool
        if endpoint == home.endpoint {
            pool = home
        } else {
            pool = try self.pool(for: endpoint)
        }
        let connection = try await pool.connection()
        return try await connection.call(method, payload: payload, deadline: deadline)
    }

    private func pool(for endpoint: Endpoint) throws(SkewlessError) -> ConnectionPool {
        let pool = state.withLock { state -> ConnectionPool? in
            if let pool = state.pools[endpoint] {
                return pool
            }
            guard state.shutdown == nil else { return nil }
            let pool = ConnectionPool(endpoint: endpoint, size: connectionsPerNode, group: group, setup: setup)
            state.pools[endpoint] = pool
            return pool
        }
        guard let pool else {
            throw state.withLock { $0.shutdown?.reason } ?? SkewlessError(.internal, "no connection pool for \(endpoint)")
        }
        return pool
    }

    func beginShutdown(reason: SkewlessError, gracefully: Bool) {
        let pools = state.withLock { state -> [ConnectionPool] in
            if state.shutdown == nil || !gracefully {
                state.shutdown = (state.shutdown?.reason ?? reason, gracefully)
            }
            return Array(state.pools.values)
        }
        for pool in [home] + pools {
            pool.beginShutdown(reason: reason, gracefully: gracefully)
        }
    }

    func waitUntilClosed() async {
        let pools = state.withLock { Array($0.pools.values) }
        for pool in [home] + pools {
            await pool.waitUntilClosed()
        }
    }
}
