import NIOCore
import SkewlessModel
import SkewlessWire
import Synchronization

/// The cluster map a client routes by, and what it knows of the nodes' health: which failed
/// lately (tried after the others for `suspectPeriod`).
///
/// The map is read from a seed the first time, and again when a node answers wrong-shard
/// (its map or ours is stale) or after a node failed (it may have been marked down in a
/// newer epoch, after which the map itself sends reads elsewhere). Concurrent callers share
/// one refresh: the first performs it in its own task, the others wait for its outcome (a
/// waiter whose task is cancelled stops waiting at once).
///
/// The refresh after a failure is made by the next call, beside its own requests
/// (`withDueRefresh`): structured, so that nothing runs after the calls that started it,
/// and off the path of the call that saw the failure (which is busy failing over).
final class ClusterMapCache: Sendable {
    private typealias Waiter = CheckedContinuation<ClusterTopology?, Never>

    private struct State {
        var topology: ClusterTopology?
        /// Nodes that failed recently, until when.
        var suspectUntil: [Endpoint: NIODeadline] = [:]
        /// When a node's failure last made a refresh due.
        var failureRefreshAt: NIODeadline?
        /// The callers waiting for the refresh under way, if one is.
        var refreshWaiters: [UInt64: Waiter]?
    }

    /// How long a node that failed is tried after the others.
    static let suspectPeriod = TimeAmount.seconds(2)

    private let oneShot: OneShotExecutor
    /// The configured endpoint and seeds, without duplicates.
    let seeds: [Endpoint]
    private let state = Mutex(State())
    private let refreshDue = Atomic<Bool>(false)
    private let nextWaiterID = Atomic<UInt64>(0)

    init(oneShot: OneShotExecutor, seeds: [Endpoint]) {
        self.oneShot = oneShot
        var seen = Set<Endpoint>()
        self.seeds = seeds.filter { seen.insert($0).inserted }
    }

    /// The map in use, if any.
    var topology: ClusterTopology? {
        state.withLock { $0.topology }
    }

    var epoch: UInt64 {
        state.withLock { $0.topology?.epoch ?? 0 }
    }

    /// The map to route by, read from a seed the first time.
    /// - Throws: `UNAVAILABLE` when no seed answers with a map.
    func current(deadline: NIODeadline) async throws(SkewlessError) -> ClusterTopology {
        if let topology = state.withLock({ $0.topology }) {
            return topology
        }
        guard let topology = await refresh(preferring: nil, deadline: deadline) else {
            let seeds = seeds.map(\.description).joined(separator: ", ")
            throw SkewlessError(.unavailable, "no seed answered with a cluster map (tried \(seeds)): are the nodes running, and was the cluster created (fsctl cluster init)?")
        }
        return topology
    }

    // MARK: - Refreshing

    /// Reads the map again and installs it if it is newer: from `preferred` first (a node that
    /// said wrong-shard may have a newer map), else from every known node and seed but
    /// `excluded`, keeping the newest. Joins the refresh under way, if one is.
    /// - Returns: the map now in use; nil when there is none.
    @discardableResult
    func refresh(preferring preferred: Endpoint?, excluding excluded: Set<Endpoint> = [], deadline: NIODeadline) async -> ClusterTopology? {
        let performs = state.withLock { state -> Bool in
            guard state.refreshWaiters == nil else { return false }
            state.refreshWaiters = [:]
            return true
        }
        guard performs else { return await joinRefresh() }
        let newest = await fetchNewest(preferring: preferred, excluding: excluded, deadline: deadline)
        let (topology, waiters) = state.withLock { state -> (ClusterTopology?, [Waiter]) in
            if let newest, newest.epoch > (state.topology?.epoch ?? 0) {
                state.topology = newest
            }
            let waiters = Array((state.refreshWaiters ?? [:]).values)
            state.refreshWaiters = nil
            return (state.topology, waiters)
        }
        for waiter in waiters {
            waiter.resume(returning: topology)
        }
        return topology
    }

    /// Waits for the refresh under way; returns the map in use at once if it has ended, or
    /// when the calling task is cancelled.
    private func joinRefresh() async -> ClusterTopology? {
        let id = nextWaiterID.add(1, ordering: .relaxed).newValue
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: Waiter) in
                let now = state.withLock { state -> ClusterTopology?? in
                    guard state.refreshWaiters != nil, !Task.isCancelled else { return .some(state.topology) }
                    state.refreshWaiters?[id] = waiter
                    return .none
                }
                if case .some(let topology) = now {
                    waiter.resume(returning: topology)
                }
            }
        } onCancel: {
            let (waiter, topology) = state.withLock { state in
                (state.refreshWaiters?.removeValue(forKey: id), state.topology)
            }
            waiter?.resume(returning: topology)
        }
    }

    /// The newest map among the answers: `preferred`'s when it is newer than ours, else
    /// that of every known node and seed but `excluded`, asked in parallel.
    private func fetchNewest(preferring preferred: Endpoint?, excluding excluded: Set<Endpoint>, deadline: NIODeadline) async -> ClusterTopology? {
        let known = state.withLock { $0.topology }
        var newest: ClusterTopology?
        if let preferred {
            newest = try? await fetch(from: preferred, deadline: deadline)
        }
        guard (newest?.epoch ?? 0) <= (known?.epoch ?? 0) else { return newest }
        var seen = Set<Endpoint>()
        let candidates = ((known?.endpoints ?? []) + seeds).filter { seen.insert($0).inserted && $0 != preferred && !excluded.contains($0) }
        let answers = await withTaskGroup(of: ClusterTopology?.self) { tasks in
            for endpoint in candidates {
                tasks.addTask { try? await self.fetch(from: endpoint, deadline: deadline) }
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
        return newest
    }

    /// The map a node holds; nil when it is not part of a cluster.
    private func fetch(from endpoint: Endpoint, deadline: NIODeadline) async throws(SkewlessError) -> ClusterTopology? {
        let response: Skewless_V1_GetClusterMapResponse = try await oneShot.call(
            .getClusterMap, Skewless_V1_GetClusterMapRequest(), to: endpoint, deadline: deadline)
        guard !response.mapJson.isEmpty else { return nil }
        return try ClusterTopology(mapJSON: response.mapJson, source: endpoint.description)
    }

    /// Runs `body`, and when a node's failure has made a refresh of the map due, reads the
    /// map from the nodes that have not failed lately beside it, in a child task that ends
    /// before this returns (within `deadline`).
    nonisolated(nonsending) func withDueRefresh<T>(
        deadline: NIODeadline, _ body: nonisolated(nonsending) () async throws(SkewlessError) -> T
    ) async throws(SkewlessError) -> T {
        guard refreshDue.load(ordering: .relaxed), refreshDue.exchange(false, ordering: .relaxed) else {
            return try await body()
        }
        let excluded = state.withLock { Set($0.suspectUntil.keys) }
        async let refreshed = refresh(preferring: nil, excluding: excluded, deadline: deadline)
        do {
            let value = try await body()
            _ = await refreshed
            return value
        } catch {
            _ = await refreshed
            throw error
        }
    }

    // MARK: - Failures

    /// Tries `endpoint` after the others for `suspectPeriod`, and makes a refresh of the map
    /// due (at most once per `suspectPeriod`): the next call reads it again.
    func markSuspect(_ endpoint: Endpoint) {
        let now = NIODeadline.now()
        let due = state.withLock { state -> Bool in
            state.suspectUntil[endpoint] = now + Self.suspectPeriod
            guard state.topology != nil, (state.failureRefreshAt.map { now - $0 >= Self.suspectPeriod }) ?? true else { return false }
            state.failureRefreshAt = now
            return true
        }
        if due {
            refreshDue.store(true, ordering: .relaxed)
        }
    }

    /// For each node of `topology`: whether it failed recently.
    func suspects(in topology: ClusterTopology) -> [Bool] {
        state.withLock { state in
            guard !state.suspectUntil.isEmpty else { return [Bool](repeating: false, count: topology.endpoints.count) }
            let now = NIODeadline.now()
            state.suspectUntil = state.suspectUntil.filter { $0.value > now }
            return topology.endpoints.map { state.suspectUntil[$0] != nil }
        }
    }
}
