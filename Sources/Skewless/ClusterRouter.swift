import NIOCore
import SkewlessModel
import SkewlessWire
import Synchronization

/// Sends a client's reads and writes to the nodes of a cluster (docs/cluster.md), the way
/// grpc-swift's `ClientRPCExecutor` hands each call to the executor of its policy: the map
/// and the nodes' health are `ClusterMapCache`'s, a read's routing, failover and hedging
/// `ClusterReadExecutor`'s, a write's `ClusterRouter+Writes`; every request to a node is a
/// `OneShotExecutor` attempt over the client's `NodeTransport`, and every call's attempts
/// follow the `RetryPolicy` (`RetryExecutor`).
///
/// What stays here: the definitions (the feature repo, read from any node, and the routing
/// plan of each request shape) and splitting a read by routing group.
///
/// Failures stay invisible within the deadline: a replica that fails or times out is retried
/// on the next one; a wrong-shard answer (`ABORTED`: the client's map is stale, or the node's)
/// refreshes the map and re-routes the rows; optionally a slow replica is hedged.
final class ClusterRouter: Sendable {
    /// What a read asks for.
    enum Selection: Sendable {
        case service(String)
        case features([String])
    }

    private struct Definitions {
        var repo: FeatureRepo?
        /// Routing plans by request shape, for `repo`.
        var plans: [String: RoutingPlan] = [:]
    }

    private static let maximumCachedPlans = 1024

    let maps: ClusterMapCache
    let oneShot: OneShotExecutor
    let retry: RetryExecutor
    private let reads: ClusterReadExecutor
    private let definitions = Mutex(Definitions())

    init(configuration: FeatureClient.Configuration, transport: any NodeTransport) {
        oneShot = OneShotExecutor(transport: transport)
        retry = RetryExecutor(policy: configuration.retryPolicy)
        maps = ClusterMapCache(oneShot: oneShot, seeds: [configuration.endpoint] + configuration.seeds)
        reads = ClusterReadExecutor(maps: maps, oneShot: oneShot, retry: retry, hedging: configuration.hedging)
    }

    /// Whether the router knows a cluster map, so calls go through it.
    var isRouting: Bool {
        maps.topology != nil
    }

    /// The map the router routes by, if any.
    var topology: ClusterTopology? {
        maps.topology
    }

    /// Reads the map from `endpoint` (a node that answered wrong-shard to a client that was
    /// not routing yet). Returns whether the node is part of a cluster.
    func discover(from endpoint: Endpoint, deadline: NIODeadline) async -> Bool {
        await maps.refresh(preferring: endpoint, deadline: deadline) != nil
    }

    // MARK: - Reads

    /// The answers of a read's groups and, when there are several, where each column of
    /// the request comes from (group, column); rows are in request order.
    /// - Parameter requestID: the read's name in the nodes' served-feature logs, sent with
    ///   every sub-request.
    nonisolated(nonsending) func read(
        _ selection: Selection, shape: String, entities: [[String: KeyPart]], requestID: String, deadline: NIODeadline
    ) async throws(SkewlessError) -> (answers: [MergedAnswer], sources: [(answer: Int, column: Int)]?) {
        try await maps.withDueRefresh(deadline: deadline) { () throws(SkewlessError) in
            let plan = try await plan(for: selection, shape: shape, deadline: deadline)
            let topology = try await maps.current(deadline: deadline)
            if entities.isEmpty {
                return ([try await readWithoutRows(selection, topology: topology, deadline: deadline)], nil)
            }
            let logging = ClusterReadExecutor.Logging(requestID: requestID, service: plan.service)
            if plan.groups.count == 1 {
                return ([try await reads.read(plan.groups[0], entities: entities, logging: logging, topology: topology, deadline: deadline)], nil)
            }
            return (
                try await readGroups(plan, entities: entities, logging: logging, topology: topology, deadline: deadline),
                plan.columns.map { (answer: $0.group, column: $0.column) })
        }
    }

    /// The groups of a read that routes by several keys, in parallel.
    private func readGroups(
        _ plan: RoutingPlan, entities: [[String: KeyPart]], logging: ClusterReadExecutor.Logging, topology: ClusterTopology, deadline: NIODeadline
    ) async throws(SkewlessError) -> [MergedAnswer] {
        // Each child stores its own outcome; the group only waits. A group whose children
        // returned (Int, Result<MergedAnswer, SkewlessError>) and a loop storing them by
        // index trapped (illegal instruction, in that store) in release builds with Swift 6.3
        // when called here, while debug builds passed: `fsctl get` of a service that routes
        // by three keys crashed. Not understood; this shape does not trap.
        let outcomes = GroupOutcomes(count: plan.groups.count)
        await withTaskGroup(of: Void.self) { tasks in
            for (index, group) in plan.groups.enumerated() {
                tasks.addTask {
                    do throws(SkewlessError) {
                        outcomes.set(index, .success(try await self.reads.read(group, entities: entities, logging: logging, topology: topology, deadline: deadline)))
                    } catch {
                        outcomes.set(index, .failure(error))
                    }
                }
            }
            while await tasks.next() != nil {
                if outcomes.hasFailure {
                    tasks.cancelAll()  // the read has failed: the other groups' answers are not wanted
                }
            }
        }
        var answers: [MergedAnswer] = []
        for result in outcomes.all {
            guard let result else { throw SkewlessError(.internal, "a group of the read did not finish") }
            answers.append(try result.get())
        }
        return answers
    }

    /// A read of no entities still has columns (empty ones): any node answers it.
    private func readWithoutRows(_ selection: Selection, topology: ClusterTopology, deadline: NIODeadline) async throws(SkewlessError) -> MergedAnswer {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        switch selection {
        case .service(let name):
            request.featureService = name
        case .features(let names):
            var list = Skewless_V1_FeatureList()
            list.features = names
            request.features = list
        }
        let payload = try await anyNode(topology: topology, deadline: deadline) { endpoint, deadline throws(SkewlessError) in
            try await self.oneShot.send(.getOnlineFeatures, payload: RequestEncoding.encode(request), to: endpoint, deadline: deadline)
        }
        return MergedAnswer(try payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
            try ReceivedFeatures(decoding: bytes, rowCount: 0)
        })
    }

    // MARK: - Definitions

    /// The definitions, from any node (cached; every node serves the same repo).
    func repo(deadline: NIODeadline, reload: Bool = false) async throws(SkewlessError) -> FeatureRepo {
        if !reload, let repo = definitions.withLock({ $0.repo }) {
            return repo
        }
        let topology = try await maps.current(deadline: deadline)
        let response: Skewless_V1_DescribeResponse = try await anyNode(topology: topology, deadline: deadline) { endpoint, deadline throws(SkewlessError) in
            try await self.oneShot.call(.describe, Skewless_V1_DescribeRequest(), to: endpoint, deadline: deadline)
        }
        let repo = try response.featureRepo()
        definitions.withLock { definitions in
            definitions.repo = repo
            definitions.plans.removeAll()
        }
        return repo
    }

    /// The routing plan of a request shape. An unknown service or feature reloads the
    /// definitions once (the repo may have changed) before it is reported.
    private func plan(for selection: Selection, shape: String, deadline: NIODeadline) async throws(SkewlessError) -> RoutingPlan {
        if let plan = definitions.withLock({ $0.plans[shape] }) {
            return plan
        }
        func build(_ repo: FeatureRepo) throws(SkewlessError) -> RoutingPlan {
            switch selection {
            case .service(let name): return try RoutingPlan.service(name, repo: repo)
            case .features(let names): return try RoutingPlan.features(names, repo: repo)
            }
        }
        let plan: RoutingPlan
        do {
            plan = try build(try await repo(deadline: deadline))
        } catch where error.code == .notFound {
            plan = try build(try await repo(deadline: deadline, reload: true))
        }
        definitions.withLock { definitions in
            if definitions.plans.count >= Self.maximumCachedPlans { definitions.plans.removeAll() }
            definitions.plans[shape] = plan
        }
        return plan
    }

    // MARK: - Nodes

    /// Runs `call` on the nodes of the map in turn (those that failed lately last) until one
    /// answers, each with a share of the time left (so that one that does not answer leaves
    /// time for the others); a round over all of them is an attempt of the retry policy.
    func anyNode<T>(
        topology: ClusterTopology, deadline: NIODeadline, _ call: (Endpoint, NIODeadline) async throws(SkewlessError) -> T
    ) async throws(SkewlessError) -> T {
        try await retry.execute(deadline: deadline) { _ throws(SkewlessError) in
            let suspect = maps.suspects(in: topology)
            let order = topology.endpoints.indices.sorted { !suspect[$0] && suspect[$1] }.map { topology.endpoints[$0] }
            var lastError = SkewlessError(.unavailable, "the cluster map lists no nodes")
            for (index, endpoint) in order.enumerated() {
                let now = NIODeadline.now()
                guard now < deadline else {
                    if index == 0 {
                        lastError = SkewlessError(.deadlineExceeded, "the deadline passed before any node of the map was asked: give the call a longer timeout")
                    }
                    break
                }
                let share = TimeAmount.nanoseconds((deadline - now).nanoseconds / Int64(order.count - index))
                do throws(SkewlessError) {
                    return try await call(endpoint, now + share)
                } catch where retry.policy.retries(error) {
                    maps.markSuspect(endpoint)
                    lastError = error
                }
            }
            throw lastError
        }
    }
}

/// The outcomes of a read's groups, each set once by its own child task.
private final class GroupOutcomes: Sendable {
    private let results: Mutex<[Result<MergedAnswer, SkewlessError>?]>

    init(count: Int) {
        results = Mutex([Result<MergedAnswer, SkewlessError>?](repeating: nil, count: count))
    }

    func set(_ index: Int, _ result: Result<MergedAnswer, SkewlessError>) {
        results.withLock { $0[index] = result }
    }

    var hasFailure: Bool {
        results.withLock { $0.contains { if case .failure = $0 { true } else { false } } }
    }

    var all: [Result<MergedAnswer, SkewlessError>?] { results.withLock { $0 } }
}
