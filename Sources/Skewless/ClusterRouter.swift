import Foundation
import NIOCore
import SkewlessCluster
import SkewlessModel
import SkewlessWire
import SwiftProtobuf
import Synchronization

/// Sends a client's reads and writes to the nodes of a cluster (docs/cluster.md): it reads
/// the cluster map from a node, routes every entity row by its view's key to a replica of the
/// row's partition, sends the per-node sub-requests in parallel over one connection pool per
/// node, and merges the answers back into request order.
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

    private struct State {
        var topology: ClusterTopology?
        var repo: FeatureRepo?
        /// Routing plans by request shape, for `repo`.
        var plans: [String: RoutingPlan] = [:]
        var pools: [Endpoint: ConnectionPool]
        /// Nodes that failed recently, until when: tried after the others.
        var suspectUntil: [Endpoint: NIODeadline] = [:]
        var refresh: Task<ClusterTopology?, Never>?
        /// When a node's failure last started a refresh of the map in the background.
        var failureRefreshAt: NIODeadline?
    }

    /// How long a node that failed is tried after the others.
    static let suspectPeriod = TimeAmount.seconds(2)
    /// Map changes followed within one call before giving up (a rebalance takes three).
    static let maximumMapChanges = 8
    private static let maximumCachedPlans = 1024

    private let configuration: FeatureClient.Configuration
    private let group: any EventLoopGroup
    private let state: Mutex<State>
    private let rotation = Atomic<Int>(0)
    private let latencies = LatencyWindow()

    /// - Parameter pool: the client's pool to `configuration.endpoint`, shared.
    init(configuration: FeatureClient.Configuration, group: any EventLoopGroup, pool: ConnectionPool) {
        self.configuration = configuration
        self.group = group
        state = Mutex(State(pools: [pool.endpoint: pool]))
    }

    /// Whether the router knows a cluster map, so calls go through it.
    var isRouting: Bool {
        state.withLock { $0.topology != nil }
    }

    /// The map the router routes by, if any.
    var topology: ClusterTopology? {
        state.withLock { $0.topology }
    }

    /// Reads the map from `endpoint` (a node that answered wrong-shard to a client that was
    /// not routing yet). Returns whether the node is part of a cluster.
    func discover(from endpoint: Endpoint, deadline: NIODeadline) async -> Bool {
        await refreshTopology(preferring: endpoint, deadline: deadline) != nil
    }

    func close() async {
        let pools = state.withLock { Array($0.pools.values) }
        for pool in pools {
            await pool.close()
        }
    }

    // MARK: - Reads

    /// The answers of a read's groups and, when there are several, where each column of
    /// the request comes from (group, column); rows are in request order.
    func read(
        _ selection: Selection, shape: String, entities: [[String: KeyPart]], deadline: NIODeadline
    ) async throws(SkewlessError) -> (answers: [MergedAnswer], sources: [(answer: Int, column: Int)]?) {
        let plan = try await plan(for: selection, shape: shape, deadline: deadline)
        let topology = try await currentTopology(deadline: deadline)
        if entities.isEmpty {
            return ([try await readWithoutRows(selection, topology: topology, deadline: deadline)], nil)
        }
        if plan.groups.count == 1 {
            return ([try await read(plan.groups[0], entities: entities, topology: topology, deadline: deadline)], nil)
        }
        let results = await withTaskGroup(of: (Int, Result<MergedAnswer, SkewlessError>).self) { tasks in
            for (index, group) in plan.groups.enumerated() {
                tasks.addTask {
                    do throws(SkewlessError) {
                        return (index, .success(try await self.read(group, entities: entities, topology: topology, deadline: deadline)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<MergedAnswer, SkewlessError>?](repeating: nil, count: plan.groups.count)
            for await (index, result) in tasks {
                results[index] = result
            }
            return results
        }
        var answers: [MergedAnswer] = []
        for result in results {
            guard let result else { throw SkewlessError(.internal, "a group of the read did not finish") }
            answers.append(try result.get())
        }
        return (answers, plan.columns.map { (answer: $0.group, column: $0.column) })
    }

    private func read(_ group: RoutingPlan.Group, entities: [[String: KeyPart]], topology: ClusterTopology, deadline: NIODeadline) async throws(SkewlessError) -> MergedAnswer {
        let partitions = try group.partitions(of: entities, partitioner: topology.partitioner)
        let read = GroupRead(group: group, entities: entities, partitions: partitions, deadline: deadline)
        let pieces = try await readRows(Array(entities.indices), of: read, excluded: [], retry: RetryState())
        return try ResponseMerger(pieces: pieces, rowCount: entities.count).answer(features: group.features)
    }

    /// One group's read in progress: what every attempt needs.
    private struct GroupRead: Sendable {
        let group: RoutingPlan.Group
        let entities: [[String: KeyPart]]
        /// The partition of each request row.
        let partitions: [Int]
        let deadline: NIODeadline
    }

    /// How far a call's retries have gone.
    private struct RetryState: Sendable {
        /// Rounds over every replica (after the last one failed, the first is tried again).
        var round = 1
        var mapChanges = 0
        var lastError: SkewlessError?
    }

    /// Sends `rows` to replicas of their partitions, one sub-request per node, skipping
    /// `excluded` nodes, and recovers from what fails.
    private func readRows(_ rows: [Int], of read: GroupRead, excluded: Set<Endpoint>, retry: RetryState) async throws(SkewlessError) -> [RoutedPiece] {
        let topology = try await currentTopology(deadline: read.deadline)
        let isExcluded = topology.endpoints.map { excluded.contains($0) }
        let isSuspect = suspects(in: topology)
        let rotation = self.rotation.add(1, ordering: .relaxed).newValue
        var rowsByNode: [Int: [Int]] = [:]
        var stranded: [Int] = []
        for row in rows {
            if let node = topology.readNode(partition: read.partitions[row], rotation: rotation, excluded: { isExcluded[$0] }, suspect: { isSuspect[$0] }) {
                rowsByNode[node, default: []].append(row)
            } else {
                stranded.append(row)
            }
        }
        let now = NIODeadline.now()
        let outcomes = await withTaskGroup(of: (Endpoint, [Int], Result<[RoutedPiece], SkewlessError>).self) { tasks in
            for (node, nodeRows) in rowsByNode {
                let endpoint = topology.endpoints[node]
                let candidates = topology.remainingCandidates(partition: read.partitions[nodeRows[0]]) { isExcluded[$0] }
                let attemptDeadline = min(read.deadline, now + TimeAmount.nanoseconds((read.deadline - now).nanoseconds / Int64(candidates)))
                tasks.addTask {
                    (endpoint, nodeRows, await self.readHedged(nodeRows, of: read, from: endpoint, attemptDeadline: attemptDeadline, excluded: excluded, retry: retry))
                }
            }
            var outcomes: [(Endpoint, [Int], Result<[RoutedPiece], SkewlessError>)] = []
            for await outcome in tasks {
                outcomes.append(outcome)
            }
            return outcomes
        }
        var pieces: [RoutedPiece] = []
        for (endpoint, nodeRows, outcome) in outcomes {
            switch outcome {
            case .success(let answered):
                pieces += answered
            case .failure(let error):
                pieces += try await recover(from: error, at: endpoint, rows: nodeRows, of: read, excluded: excluded, retry: retry)
            }
        }
        if !stranded.isEmpty {
            pieces += try await nextRound(stranded, of: read, retry: retry)
        }
        return pieces
    }

    /// After a sub-request failed: refresh the map on a wrong-shard answer, skip the node on
    /// a failure or timeout, and send its rows again; other errors are the caller's.
    private func recover(from error: SkewlessError, at endpoint: Endpoint, rows: [Int], of read: GroupRead, excluded: Set<Endpoint>, retry: RetryState) async throws(SkewlessError) -> [RoutedPiece] {
        guard NIODeadline.now() < read.deadline else {
            throw error.code == .deadlineExceeded ? error : SkewlessError(.deadlineExceeded, "no replica answered within the deadline; last: \(error.message)")
        }
        var retry = retry
        retry.lastError = error
        switch error.code {
        case .aborted:
            // Wrong shard. A newer map re-routes everything; an unchanged one means the node's
            // map is behind ours, so another replica (or the draining owner) serves.
            let before = currentEpoch
            let after = await refreshTopology(preferring: endpoint, deadline: read.deadline)?.epoch ?? before
            if after > before && retry.mapChanges < Self.maximumMapChanges {
                retry.mapChanges += 1
                return try await readRows(rows, of: read, excluded: [], retry: retry)
            }
            return try await readRows(rows, of: read, excluded: excluded.union([endpoint]), retry: retry)
        case .unavailable, .deadlineExceeded, .resourceExhausted:
            markSuspect(endpoint)
            return try await readRows(rows, of: read, excluded: excluded.union([endpoint]), retry: retry)
        default:
            throw error
        }
    }

    /// Every replica of these rows' partitions was tried: back off and try them all again
    /// while rounds and the deadline remain.
    private func nextRound(_ rows: [Int], of read: GroupRead, retry: RetryState) async throws(SkewlessError) -> [RoutedPiece] {
        let lastError = retry.lastError ?? SkewlessError(.unavailable, "no node of the cluster map holds partition \(read.partitions[rows[0]])")
        let backoff = TimeAmount.milliseconds(Int64(5 << min(retry.round, 6)))
        guard retry.round < configuration.maxAttempts, read.deadline - .now() > backoff else {
            if lastError.code == .unavailable {
                throw SkewlessError(.unavailable, "\(lastError.message) (every replica tried, \(retry.round) rounds)")
            }
            throw lastError
        }
        try await RetryPause.sleep(backoff)
        var retry = retry
        retry.round += 1
        return try await readRows(rows, of: read, excluded: [], retry: retry)
    }

    /// One sub-request, and with hedging on, the same rows to other replicas if it is slow.
    private func readHedged(_ rows: [Int], of read: GroupRead, from endpoint: Endpoint, attemptDeadline: NIODeadline, excluded: Set<Endpoint>, retry: RetryState) async -> Result<[RoutedPiece], SkewlessError> {
        let delay: Duration?
        switch configuration.hedging.delay {
        case .off: delay = nil
        case .fixed(let fixed): delay = fixed
        case .observedP95: delay = latencies.p95
        }
        guard let delay, (topology?.replicationFactor ?? 1) > 1 else {
            return await readPiece(rows, of: read, from: endpoint, deadline: attemptDeadline)
        }
        let race = HedgedRead<[RoutedPiece]>()
        return await race.run(
            primary: { await self.readPiece(rows, of: read, from: endpoint, deadline: read.deadline) },
            hedge: {
                do throws(SkewlessError) {
                    return .success(try await self.readRows(rows, of: read, excluded: excluded.union([endpoint]), retry: retry))
                } catch {
                    return .failure(error)
                }
            },
            after: delay)
    }

    /// One GetOnlineFeatures sub-request: `rows` of the group to one node.
    private func readPiece(_ rows: [Int], of read: GroupRead, from endpoint: Endpoint, deadline: NIODeadline) async -> Result<[RoutedPiece], SkewlessError> {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        if let service = read.group.service {
            request.featureService = service
        } else {
            var list = Skewless_V1_FeatureList()
            list.features = read.group.features
            request.features = list
        }
        request.entities = Self.keyColumns(read.group.joinKeys, entities: read.entities, rows: rows)
        let started = ContinuousClock.now
        do throws(SkewlessError) {
            let payload = try await send(.getOnlineFeatures, payload: RequestEncoding.encode(request), to: endpoint, deadline: deadline)
            let answer = try payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
                try ReceivedFeatures(decoding: bytes, rowCount: rows.count, expectedNames: read.group.expectedNames)
            }
            latencies.record(ContinuousClock.now - started)
            return .success([RoutedPiece(rows: rows, answer: answer, endpoint: endpoint)])
        } catch {
            return .failure(error)
        }
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
        let payload = try await anyNode(topology: topology, deadline: deadline) { endpoint throws(SkewlessError) in
            try await self.send(.getOnlineFeatures, payload: RequestEncoding.encode(request), to: endpoint, deadline: deadline)
        }
        return MergedAnswer(try payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
            try ReceivedFeatures(decoding: bytes, rowCount: 0)
        })
    }

    /// The key columns of `rows`, for the group's join keys (types checked when routing).
    static func keyColumns(_ joinKeys: [JoinKey], entities: [[String: KeyPart]], rows: [Int]) -> [Skewless_V1_EntityKeyColumn] {
        joinKeys.map { key in
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = key.name
            switch key.type {
            case .int64:
                column.int64Values.reserveCapacity(rows.count)
                for row in rows {
                    if case .int64(let value)? = entities[row][key.name] { column.int64Values.append(value) }
                }
            case .string:
                column.stringValues.reserveCapacity(rows.count)
                for row in rows {
                    if case .string(let value)? = entities[row][key.name] { column.stringValues.append(value) }
                }
            }
            return column
        }
    }

    // MARK: - Writes

    /// Sends a write batch, whole, to one node: its coordinator, which logs it once in the
    /// offline store and applies it on every replica of its rows' partitions
    /// (docs/write-log.md). The first choice is the first replica, in preferred order, of the
    /// first row's partition that has not failed lately (for a one-row write, a node that
    /// holds the row); when it fails or times out, the same request (the same idempotency
    /// key) goes to the next replica, then to any other node, within the deadline.
    func write(view: String, request: Skewless_V1_WriteFeaturesRequest, entities: [[String: KeyPart]], deadline: NIODeadline) async throws(SkewlessError) -> WriteSummary {
        let repo = try await repo(deadline: deadline)
        let target = try repo.featureView(qualified: view)
        let routing = RoutingPlan.Group(joinKeys: repo.joinKeys(of: target), features: [])
        var request = request
        var mapChanges = 0
        var failed = Set<Endpoint>()
        var lastFailure: SkewlessError?
        while true {
            let topology = try await currentTopology(deadline: deadline)
            request.mapEpoch = topology.epoch
            let first = try entities.isEmpty ? 0 : routing.partitions(of: [entities[0]], partitioner: topology.partitioner)[0]
            let suspect = suspects(in: topology)
            var order = topology.writeTargets[first].filter { !suspect[$0] }
            order += topology.writeTargets[first].filter { suspect[$0] }
            order += topology.endpoints.indices.filter { !order.contains($0) }
            let payload = try NodeConnection.encode(request)
            var refresh: Endpoint?
            for node in order {
                let endpoint = topology.endpoints[node]
                guard !failed.contains(endpoint) else { continue }
                guard NIODeadline.now() < deadline else { break }
                do throws(SkewlessError) {
                    let answer = try await send(.writeFeatures, payload: payload, to: endpoint, deadline: deadline)
                    let response: Skewless_V1_WriteFeaturesResponse = try NodeConnection.decode(answer, from: endpoint)
                    return WriteSummary(response)
                } catch {
                    switch error.code {
                    case .unavailable, .deadlineExceeded:
                        // Maybe logged, maybe not: the same key sent elsewhere is stored once.
                        markSuspect(endpoint)
                        failed.insert(endpoint)
                        lastFailure = error
                    case .aborted:
                        refresh = endpoint
                        lastFailure = error
                    default:
                        // The rows themselves are refused (a bad value, an unknown field):
                        // every node would say the same.
                        throw error
                    }
                }
                if refresh != nil { break }
            }
            if let refresh, mapChanges < Self.maximumMapChanges, NIODeadline.now() < deadline {
                mapChanges += 1
                let before = topology.epoch
                if (await refreshTopology(preferring: refresh, deadline: deadline)?.epoch ?? before) == before {
                    try await RetryPause.sleep(.milliseconds(Int64(5 * mapChanges)))
                }
                continue
            }
            throw SkewlessError(lastFailure?.code ?? .unavailable, "no node accepted the write (tried \(failed.count + (refresh == nil ? 0 : 1)) of \(topology.endpoints.count)): \(lastFailure?.message ?? "the deadline passed")")
        }
    }

    // MARK: - Definitions

    /// The definitions, from any node (cached; every node serves the same repo).
    func repo(deadline: NIODeadline, reload: Bool = false) async throws(SkewlessError) -> FeatureRepo {
        if !reload, let repo = state.withLock({ $0.repo }) {
            return repo
        }
        let topology = try await currentTopology(deadline: deadline)
        let payload = try await anyNode(topology: topology, deadline: deadline) { endpoint throws(SkewlessError) in
            try await self.send(.describe, Skewless_V1_DescribeRequest(), to: endpoint, deadline: deadline)
        }
        let response: Skewless_V1_DescribeResponse = try NodeConnection.decode(payload, from: configuration.endpoint)
        let repo = try response.featureRepo()
        state.withLock { state in
            state.repo = repo
            state.plans.removeAll()
        }
        return repo
    }

    /// The routing plan of a request shape. An unknown service or feature reloads the
    /// definitions once (the repo may have changed) before it is reported.
    private func plan(for selection: Selection, shape: String, deadline: NIODeadline) async throws(SkewlessError) -> RoutingPlan {
        if let plan = state.withLock({ $0.plans[shape] }) {
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
        state.withLock { state in
            if state.plans.count >= Self.maximumCachedPlans { state.plans.removeAll() }
            state.plans[shape] = plan
        }
        return plan
    }

    // MARK: - The map

    private var currentEpoch: UInt64 {
        state.withLock { $0.topology?.epoch ?? 0 }
    }

    /// The map to route by, read from a seed the first time.
    private func currentTopology(deadline: NIODeadline) async throws(SkewlessError) -> ClusterTopology {
        if let topology = state.withLock({ $0.topology }) {
            return topology
        }
        guard let topology = await refreshTopology(preferring: nil, deadline: deadline) else {
            let seeds = seedEndpoints.map(\.description).joined(separator: ", ")
            throw SkewlessError(.unavailable, "no seed answered with a cluster map (tried \(seeds)): are the nodes running, and was the cluster created (fsctl cluster init)?")
        }
        return topology
    }

    private var seedEndpoints: [Endpoint] {
        var seen = Set<Endpoint>()
        return ([configuration.endpoint] + configuration.seeds).filter { seen.insert($0).inserted }
    }

    /// Reads the map again and installs it if it is newer: from `preferred` first (a node that
    /// said wrong-shard may have a newer map), else from every known node and seed, keeping
    /// the newest. Concurrent callers share one refresh.
    /// - Returns: the map now in use; nil when there is none.
    @discardableResult
    func refreshTopology(preferring preferred: Endpoint?, deadline: NIODeadline) async -> ClusterTopology? {
        let task = state.withLock { state -> Task<ClusterTopology?, Never> in
            if let running = state.refresh {
                return running
            }
            let known = state.topology
            var seen = Set<Endpoint>()
            let candidates = ((known?.endpoints ?? []) + seedEndpoints).filter { seen.insert($0).inserted && $0 != preferred }
            let task = Task<ClusterTopology?, Never> {
                var newest: ClusterTopology?
                if let preferred {
                    newest = try? await self.fetchTopology(from: preferred, deadline: deadline)
                }
                if (newest?.epoch ?? 0) <= (known?.epoch ?? 0) {
                    let answers = await withTaskGroup(of: ClusterTopology?.self) { tasks in
                        for endpoint in candidates {
                            tasks.addTask { try? await self.fetchTopology(from: endpoint, deadline: deadline) }
                        }
                        var answers: [ClusterTopology] = []
                        for await answer in tasks {
                            if let answer { answers.append(answer) }
                        }
                        return answers
                    }
                    for answer in answers where answer.epoch > (newest?.epoch ?? 0) {
                        newest = answer
                    }
                }
                return self.state.withLock { state in
                    if let newest, newest.epoch > (state.topology?.epoch ?? 0) {
                        state.topology = newest
                    }
                    state.refresh = nil
                    return state.topology
                }
            }
            state.refresh = task
            return task
        }
        return await task.value
    }

    /// The map a node holds; nil when it is not part of a cluster.
    private func fetchTopology(from endpoint: Endpoint, deadline: NIODeadline) async throws(SkewlessError) -> ClusterTopology? {
        let payload = try await send(.getClusterMap, Skewless_V1_GetClusterMapRequest(), to: endpoint, deadline: deadline)
        let response: Skewless_V1_GetClusterMapResponse = try NodeConnection.decode(payload, from: endpoint)
        guard !response.mapJson.isEmpty else { return nil }
        return try ClusterTopology(mapJSON: response.mapJson, source: endpoint.description)
    }

    // MARK: - Nodes

    /// Runs `call` on the nodes of the map in turn (suspects last) until one answers.
    private func anyNode<T>(topology: ClusterTopology, deadline: NIODeadline, _ call: (Endpoint) async throws(SkewlessError) -> T) async throws(SkewlessError) -> T {
        let suspect = suspects(in: topology)
        let order = topology.endpoints.indices.sorted { !suspect[$0] && suspect[$1] }.map { topology.endpoints[$0] }
        var lastError = SkewlessError(.unavailable, "the cluster map lists no nodes")
        for endpoint in order {
            do {
                return try await call(endpoint)
            } catch where error.code == .unavailable || error.code == .deadlineExceeded {
                markSuspect(endpoint)
                lastError = error
                guard NIODeadline.now() < deadline else { break }
            }
        }
        throw lastError
    }

    /// Tries `endpoint` after the others for a while, and reads the map again in the
    /// background (at most once per `suspectPeriod`): a node that fails may have been marked
    /// down in a newer epoch, after which the map itself sends its reads elsewhere.
    private func markSuspect(_ endpoint: Endpoint) {
        let now = NIODeadline.now()
        let refresh = state.withLock { state -> Bool in
            state.suspectUntil[endpoint] = now + Self.suspectPeriod
            guard state.topology != nil, (state.failureRefreshAt.map { now - $0 >= Self.suspectPeriod }) ?? true else { return false }
            state.failureRefreshAt = now
            return true
        }
        if refresh {
            Task { await self.refreshTopology(preferring: nil, deadline: now + Self.suspectPeriod) }
        }
    }

    /// For each node of `topology`: whether it failed recently.
    private func suspects(in topology: ClusterTopology) -> [Bool] {
        state.withLock { state in
            guard !state.suspectUntil.isEmpty else { return [Bool](repeating: false, count: topology.endpoints.count) }
            let now = NIODeadline.now()
            state.suspectUntil = state.suspectUntil.filter { $0.value > now }
            return topology.endpoints.map { state.suspectUntil[$0] != nil }
        }
    }

    private func pool(for endpoint: Endpoint) -> ConnectionPool {
        state.withLock { state in
            if let pool = state.pools[endpoint] {
                return pool
            }
            let pool = ConnectionPool(
                endpoint: endpoint, size: configuration.connectionsPerNode, group: group,
                connectTimeout: configuration.connectTimeout, clientName: configuration.clientName)
            state.pools[endpoint] = pool
            return pool
        }
    }

    /// One request to one node, no retries.
    private func send<Request: SwiftProtobuf.Message>(_ method: Skewless_V1_Method, _ request: Request, to endpoint: Endpoint, deadline: NIODeadline) async throws(SkewlessError) -> ByteBuffer {
        try await send(method, payload: try NodeConnection.encode(request), to: endpoint, deadline: deadline)
    }

    private func send(_ method: Skewless_V1_Method, payload: [UInt8], to endpoint: Endpoint, deadline: NIODeadline) async throws(SkewlessError) -> ByteBuffer {
        let connection = try await pool(for: endpoint).connection()
        return try await connection.call(method, payload: payload, deadline: deadline)
    }
}
