import Foundation
import NIOCore
import SkewlessModel
import Synchronization
@testable import Skewless
@testable import SkewlessWire

/// A cluster of nodes inside the test process, as a `NodeTransport`: the client's executors
/// and routing run as they do against real nodes, with no process and no socket, and each
/// node can be told to fail.
///
/// A healthy node answers as a real one does: its own cluster map, the test repo, and reads
/// of `user_id` rows (`user@1:amount` is the user id + 0.5, `user@1:count` the user id) of
/// the partitions its map gives it, and wrong-shard (`ABORTED`) for any other; writes are
/// acknowledged. A fault makes it refuse connections, answer an error, answer late, or
/// never answer (until the request's deadline or its caller's cancellation).
///
/// `liveAttempts` counts the requests in progress: a call that owns its tasks leaves none.
final class InProcessCluster: NodeTransport {
    enum Fault: Sendable {
        /// `UNAVAILABLE` at once, as a node that is down.
        case refuse
        /// This status instead of an answer.
        case fail(SkewlessError)
        /// The answer, this much later.
        case delay(Duration)
        /// No answer.
        case hang
    }

    private struct Rule {
        var fault: Fault
        var method: Skewless_V1_Method?
        /// How many more requests it applies to; nil: all.
        var remaining: Int?
    }

    private struct Node {
        let id: String
        var mapJSON: Data
        var rules: [Rule] = []
    }

    /// A request a node received.
    struct Request: Sendable {
        let node: String
        let method: Skewless_V1_Method
        /// A write's idempotency key.
        let idempotencyKey: Data?
    }

    private struct State {
        var nodes: [Endpoint: Node]
        var requests: [Request] = []
        var shutdown: (reason: SkewlessError, gracefully: Bool)?
    }

    let repo: FeatureRepo
    let endpoints: [String: Endpoint]
    private let state: Mutex<State>
    let liveAttempts = Atomic<Int>(0)

    /// - Parameters:
    ///   - nodes: node ids, each at 127.0.0.1, port 7001 and up (never opened).
    ///   - mapJSON: every node's map, at first.
    init(nodes: [String], mapJSON: Data, repo: FeatureRepo) {
        self.repo = repo
        var endpoints: [String: Endpoint] = [:]
        var states: [Endpoint: Node] = [:]
        for (index, id) in nodes.enumerated() {
            let endpoint = Endpoint(host: "127.0.0.1", port: 7001 + index)
            endpoints[id] = endpoint
            states[endpoint] = Node(id: id, mapJSON: mapJSON)
        }
        self.endpoints = endpoints
        state = Mutex(State(nodes: states))
    }

    func endpoint(_ node: String) -> Endpoint {
        endpoints[node]!
    }

    /// Gives `node` a fault for its next `times` requests (all, when nil) of `method` (any, when nil).
    func inject(_ fault: Fault, on node: String, method: Skewless_V1_Method? = nil, times: Int? = nil) {
        let endpoint = endpoint(node)
        state.withLock { $0.nodes[endpoint]?.rules.append(Rule(fault: fault, method: method, remaining: times)) }
    }

    /// Ends every fault of `node`.
    func heal(_ node: String) {
        let endpoint = endpoint(node)
        state.withLock { $0.nodes[endpoint]?.rules.removeAll() }
    }

    /// Installs a map on `node` (it then serves and refuses by it).
    func install(mapJSON: Data, on node: String) {
        let endpoint = endpoint(node)
        state.withLock { $0.nodes[endpoint]?.mapJSON = mapJSON }
    }

    var requests: [Request] {
        state.withLock { $0.requests }
    }

    func requests(to node: String, _ method: Skewless_V1_Method) -> Int {
        requests.count { $0.node == node && $0.method == method }
    }

    func forgetRequests() {
        state.withLock { $0.requests.removeAll() }
    }

    // MARK: - NodeTransport

    nonisolated(nonsending) func send(
        _ method: Skewless_V1_Method, payload: [UInt8], to endpoint: Endpoint, deadline: NIODeadline
    ) async throws(SkewlessError) -> ByteBuffer {
        liveAttempts.add(1, ordering: .relaxed)
        defer { liveAttempts.subtract(1, ordering: .relaxed) }
        let (node, fault) = try state.withLock { state throws(SkewlessError) -> (Node, Fault?) in
            if let shutdown = state.shutdown { throw shutdown.reason }
            guard var node = state.nodes[endpoint] else {
                throw SkewlessError(.unavailable, "cannot connect to \(endpoint): no node of the in-process cluster is there")
            }
            var key: Data?
            if method == .writeFeatures {
                key = (try? Skewless_V1_WriteFeaturesRequest(serializedBytes: payload))?.idempotencyKey
            }
            state.requests.append(Request(node: node.id, method: method, idempotencyKey: key))
            var fault: Fault?
            if let index = node.rules.firstIndex(where: { $0.method == nil || $0.method == method }) {
                fault = node.rules[index].fault
                if let remaining = node.rules[index].remaining {
                    if remaining <= 1 { node.rules.remove(at: index) } else { node.rules[index].remaining = remaining - 1 }
                }
                state.nodes[endpoint] = node
            }
            return (node, fault)
        }
        switch fault {
        case .refuse?:
            throw SkewlessError(.unavailable, "cannot connect to \(endpoint): refused (an injected fault)")
        case .fail(let error)?:
            throw error
        case .delay(let delay)?:
            try await wait(for: delay, deadline: deadline, endpoint: endpoint)
        case .hang?:
            try await wait(for: nil, deadline: deadline, endpoint: endpoint)
        case nil:
            guard NIODeadline.now() < deadline else {
                throw SkewlessError(.deadlineExceeded, "the deadline passed before the request was sent to \(endpoint)")
            }
        }
        return try answer(method, payload: payload, node: node, endpoint: endpoint)
    }

    /// Sleeps `duration` (for ever when nil), or until the deadline (`DEADLINE_EXCEEDED`), the
    /// caller's cancellation (`CANCELLED`) or a shutdown that fails requests in flight.
    private func wait(for duration: Duration?, deadline: NIODeadline, endpoint: Endpoint) async throws(SkewlessError) {
        let start = NIODeadline.now()
        let end = duration.map { start + .nanoseconds($0.nanosecondsClamped) }
        while true {
            let now = NIODeadline.now()
            if let end, now >= end, now < deadline { return }
            if now >= deadline {
                throw SkewlessError(.deadlineExceeded, "no response from \(endpoint) within the deadline")
            }
            if let shutdown = state.withLock({ $0.shutdown }), !shutdown.gracefully {
                throw shutdown.reason
            }
            let slice = min(end ?? deadline, deadline, now + .milliseconds(2)) - now
            do {
                try await Task.sleep(nanoseconds: UInt64(max(0, slice.nanoseconds)))
            } catch {
                throw SkewlessError(.cancelled, "the call to \(endpoint) was cancelled (its task was)")
            }
        }
    }

    private func answer(_ method: Skewless_V1_Method, payload: [UInt8], node: Node, endpoint: Endpoint) throws(SkewlessError) -> ByteBuffer {
        do {
            switch method {
            case .getClusterMap:
                var response = Skewless_V1_GetClusterMapResponse()
                response.mapJson = node.mapJSON
                response.nodeID = node.id
                response.epoch = try ClusterTopology(mapJSON: node.mapJSON, source: node.id).epoch
                return ByteBuffer(bytes: try response.serializedBytes() as [UInt8])
            case .describe:
                return ByteBuffer(bytes: try Skewless_V1_DescribeResponse(repo: repo).serializedBytes() as [UInt8])
            case .health:
                var response = Skewless_V1_HealthResponse()
                response.nodeID = node.id
                response.status = .serving
                return ByteBuffer(bytes: try response.serializedBytes() as [UInt8])
            case .writeFeatures:
                let request = try Skewless_V1_WriteFeaturesRequest(serializedBytes: payload)
                var response = Skewless_V1_WriteFeaturesResponse()
                response.rowsWritten = UInt64(request.eventTimeMicros.count)
                response.minReplicasApplied = 1
                return ByteBuffer(bytes: try response.serializedBytes() as [UInt8])
            case .getOnlineFeatures:
                return try read(try Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: payload), node: node, endpoint: endpoint)
            default:
                throw SkewlessError(.unimplemented, "the in-process node does not answer \(method)")
            }
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.internal, "the in-process node \(node.id) failed: \(error)")
        }
    }

    /// A read of `user_id` rows, refused wrong-shard when one is not in a partition the
    /// node serves by its map.
    private func read(_ request: Skewless_V1_GetOnlineFeaturesRequest, node: Node, endpoint: Endpoint) throws -> ByteBuffer {
        let topology = try ClusterTopology(mapJSON: node.mapJSON, source: node.id)
        let me = topology.node(at: endpoint)
        let ids = request.entities.first { $0.joinKey == "user_id" }?.int64Values ?? []
        for id in ids {
            let partition = topology.partitioner.partition(ofInt64: id)
            guard let me, topology.readNode(partition: partition, rotation: 0, excluded: { $0 != me }, suspect: { _ in false }) == me else {
                throw SkewlessError(.aborted, "wrong shard: \(node.id) does not serve partition \(partition) at epoch \(topology.epoch); refresh the cluster map")
            }
        }
        let names = request.featureService.isEmpty
            ? request.features.features
            : try repo.resolve(service: request.featureService).map(\.qualifiedName)
        var response = Skewless_V1_GetOnlineFeaturesResponse()
        response.features = names.map { name in
            var column = Skewless_V1_FeatureColumn()
            column.feature = name
            column.statuses = ids.map { _ in .present }
            column.eventTimeMicros = ids.map { _ in 1 }
            if name.hasSuffix(":count") {
                column.type = .int64
                column.values.int64Values = ids
            } else {
                column.type = .double
                column.values.doubleValues = ids.map { Double($0) + 0.5 }
            }
            return column
        }
        return ByteBuffer(bytes: try response.serializedBytes() as [UInt8])
    }

    func beginShutdown(reason: SkewlessError, gracefully: Bool) {
        state.withLock { state in
            if !gracefully {
                state.shutdown = (reason, false)
            } else if state.shutdown == nil {
                state.shutdown = (reason, true)
            }
        }
    }

    func waitUntilClosed() async {
        while liveAttempts.load(ordering: .relaxed) > 0 {
            do {
                try await Task.sleep(for: .milliseconds(1))
            } catch {
                await Task.yield()  // cancelled: the shutdown fails what is in flight soon
            }
        }
    }
}
