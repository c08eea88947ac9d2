import NIOCore
import SkewlessModel
import SkewlessWire
import Synchronization

/// Reads one routing group's rows from a cluster: each row goes to a replica of its
/// partition, one sub-request per node, in parallel; a sub-request that fails is sent again
/// to other replicas, and the answers are merged back in request order.
///
/// The policies are the executors': a sub-request is a `OneShotExecutor` attempt, or with
/// hedging on, a `HedgingExecutor` race against the same rows on other replicas. Within an
/// attempt of the `RetryExecutor` (a round), a failed sub-request moves on at once: a
/// wrong-shard answer (`ABORTED`) refreshes the map and re-routes the rows, a retryable code
/// skips the node; rows left with no replica to try end the round, and the next one, after
/// the policy's pause, tries every replica again.
final class ClusterReadExecutor: Sendable {
    /// Map changes followed within one round before giving up (a rebalance takes three).
    static let maximumMapChanges = 8

    private let maps: ClusterMapCache
    private let oneShot: OneShotExecutor
    private let retry: RetryExecutor
    private let hedging: FeatureClient.Hedging
    private let latencies = LatencyWindow()
    private let rotation = Atomic<Int>(0)

    init(maps: ClusterMapCache, oneShot: OneShotExecutor, retry: RetryExecutor, hedging: FeatureClient.Hedging) {
        self.maps = maps
        self.oneShot = oneShot
        self.retry = retry
        self.hedging = hedging
    }

    /// What every sub-request of one read tells the nodes for their served-feature logs
    /// (docs/served-log.md): the read's request id and, for a read of a service, its name.
    struct Logging: Sendable {
        var requestID: String
        var service: String?
    }

    /// One group's read in progress: what every attempt needs.
    private struct GroupRead: Sendable {
        let group: RoutingPlan.Group
        let entities: [[String: KeyPart]]
        let logging: Logging
        /// The partition of each request row.
        let partitions: [Int]
        let deadline: NIODeadline
    }

    /// What a round did with some rows: the answers it got, and the rows no replica served.
    private struct Outcome: Sendable {
        var pieces: [RoutedPiece] = []
        var stranded: [Int] = []
        /// Why the last replica of a stranded row failed.
        var lastError: SkewlessError?

        mutating func add(_ other: Outcome) {
            pieces += other.pieces
            stranded += other.stranded
            lastError = other.lastError ?? lastError
        }
    }

    /// The group's answer for `entities`, rows in request order.
    nonisolated(nonsending) func read(
        _ group: RoutingPlan.Group, entities: [[String: KeyPart]], logging: Logging, topology: ClusterTopology, deadline: NIODeadline
    ) async throws(SkewlessError) -> MergedAnswer {
        let read = GroupRead(
            group: group, entities: entities, logging: logging, partitions: try group.partitions(of: entities, partitioner: topology.partitioner),
            deadline: deadline)
        var pieces: [RoutedPiece] = []
        var remaining = Array(entities.indices)
        try await retry.execute(deadline: deadline) { _ throws(SkewlessError) in
            let outcome = try await self.readRows(remaining, of: read, excluded: [], mapChanges: 0)
            pieces += outcome.pieces
            remaining = outcome.stranded
            if let first = remaining.first {
                throw Self.strandedError(partition: read.partitions[first], last: outcome.lastError)
            }
        }
        return try ResponseMerger(pieces: pieces, rowCount: entities.count).answer(features: group.features)
    }

    private static func strandedError(partition: Int, last: SkewlessError?) -> SkewlessError {
        guard let last else {
            return SkewlessError(.unavailable, "no node of the cluster map holds partition \(partition)")
        }
        return SkewlessError(.unavailable, "every replica of partition \(partition) was tried; the last said: \(last.message)")
    }

    /// Sends `rows` to replicas of their partitions, one sub-request per node, skipping
    /// `excluded` nodes, and recovers from what fails.
    /// - Throws: an error no other replica would answer differently, or `DEADLINE_EXCEEDED`.
    nonisolated(nonsending) private func readRows(_ rows: [Int], of read: GroupRead, excluded: Set<Endpoint>, mapChanges: Int) async throws(SkewlessError) -> Outcome {
        let topology = try await maps.current(deadline: read.deadline)
        let isExcluded = topology.endpoints.map { excluded.contains($0) }
        let isSuspect = maps.suspects(in: topology)
        let rotation = self.rotation.add(1, ordering: .relaxed).newValue
        var rowsByNode: [Int: [Int]] = [:]
        var outcome = Outcome()
        for row in rows {
            if let node = topology.readNode(partition: read.partitions[row], rotation: rotation, excluded: { isExcluded[$0] }, suspect: { isSuspect[$0] }) {
                rowsByNode[node, default: []].append(row)
            } else {
                outcome.stranded.append(row)
            }
        }
        let now = NIODeadline.now()
        let hedgeDelay = delayBeforeHedging(topology)
        /// One sub-request's rows, node and deadline (a share of what is left, so that a
        /// replica that does not answer leaves time for the others).
        func attempt(_ node: Int, _ nodeRows: [Int]) -> (endpoint: Endpoint, rows: [Int], deadline: NIODeadline) {
            let candidates = topology.remainingCandidates(partition: read.partitions[nodeRows[0]]) { isExcluded[$0] }
            let share = TimeAmount.nanoseconds((read.deadline - now).nanoseconds / Int64(candidates))
            return (topology.endpoints[node], nodeRows, min(read.deadline, now + share))
        }
        /// The sub-request, hedged if hedging is on.
        @Sendable func send(_ rows: [Int], to endpoint: Endpoint, deadline: NIODeadline) async -> Result<[RoutedPiece], SkewlessError> {
            guard let hedgeDelay else {
                return await readPiece(rows, of: read, from: endpoint, deadline: deadline)
            }
            return await readHedged(rows, of: read, from: endpoint, excluded: excluded, mapChanges: mapChanges, after: hedgeDelay)
        }
        var results: [(endpoint: Endpoint, rows: [Int], result: Result<[RoutedPiece], SkewlessError>)] = []
        if rowsByNode.count == 1, let only = rowsByNode.first {
            // One node (a small batch, or one partition): no task group.
            let (endpoint, rows, deadline) = attempt(only.key, only.value)
            results = [(endpoint, rows, await send(rows, to: endpoint, deadline: deadline))]
        } else if !rowsByNode.isEmpty {
            results = await withTaskGroup(of: (Endpoint, [Int], Result<[RoutedPiece], SkewlessError>).self) { tasks in
                for (node, nodeRows) in rowsByNode {
                    let (endpoint, rows, deadline) = attempt(node, nodeRows)
                    tasks.addTask { (endpoint, rows, await send(rows, to: endpoint, deadline: deadline)) }
                }
                var results: [(endpoint: Endpoint, rows: [Int], result: Result<[RoutedPiece], SkewlessError>)] = []
                for await (endpoint, rows, result) in tasks {
                    results.append((endpoint, rows, result))
                }
                return results
            }
        }
        for (endpoint, nodeRows, result) in results {
            switch result {
            case .success(let pieces):
                outcome.pieces += pieces
            case .failure(let error):
                outcome.add(try await recover(from: error, at: endpoint, rows: nodeRows, of: read, excluded: excluded, mapChanges: mapChanges))
            }
        }
        return outcome
    }

    /// After a sub-request failed: refresh the map on a wrong-shard answer, skip the node on
    /// a retryable failure, and send its rows again; other errors are the caller's.
    nonisolated(nonsending) private func recover(
        from error: SkewlessError, at endpoint: Endpoint, rows: [Int], of read: GroupRead, excluded: Set<Endpoint>, mapChanges: Int
    ) async throws(SkewlessError) -> Outcome {
        guard NIODeadline.now() < read.deadline else {
            throw error.code == .deadlineExceeded ? error : SkewlessError(.deadlineExceeded, "no replica answered within the deadline; last: \(error.message)")
        }
        var outcome: Outcome
        if error.code == .aborted {
            // Wrong shard. A newer map re-routes everything; an unchanged one means the node's
            // map is behind ours, so another replica (or the draining owner) serves.
            let before = maps.epoch
            let after = await maps.refresh(preferring: endpoint, deadline: read.deadline)?.epoch ?? before
            if after > before && mapChanges < Self.maximumMapChanges {
                return try await readRows(rows, of: read, excluded: [], mapChanges: mapChanges + 1)
            }
            outcome = try await readRows(rows, of: read, excluded: excluded.union([endpoint]), mapChanges: mapChanges)
        } else if retry.policy.retries(error) {
            maps.markSuspect(endpoint)
            outcome = try await readRows(rows, of: read, excluded: excluded.union([endpoint]), mapChanges: mapChanges)
        } else {
            throw error
        }
        if !outcome.stranded.isEmpty, outcome.lastError == nil {
            outcome.lastError = error
        }
        return outcome
    }

    /// The delay after which a sub-request is hedged, if hedging is on and has one.
    private func delayBeforeHedging(_ topology: ClusterTopology) -> Duration? {
        guard topology.replicationFactor > 1 else { return nil }
        switch hedging.delay {
        case .off: return nil
        case .fixed(let delay): return delay
        case .observedP95: return latencies.p95
        }
    }

    /// One sub-request and, if it is slow, the same rows to other replicas beside it.
    private func readHedged(
        _ rows: [Int], of read: GroupRead, from endpoint: Endpoint, excluded: Set<Endpoint>, mapChanges: Int, after delay: Duration
    ) async -> Result<[RoutedPiece], SkewlessError> {
        await HedgingExecutor(delay: delay).execute(
            primary: { await self.readPiece(rows, of: read, from: endpoint, deadline: read.deadline) },
            hedge: {
                do throws(SkewlessError) {
                    let outcome = try await self.readRows(rows, of: read, excluded: excluded.union([endpoint]), mapChanges: mapChanges)
                    if let first = outcome.stranded.first {
                        return .failure(Self.strandedError(partition: read.partitions[first], last: outcome.lastError))
                    }
                    return .success(outcome.pieces)
                } catch {
                    return .failure(error)
                }
            })
    }

    /// One GetOnlineFeatures sub-request: `rows` of the group to one node.
    nonisolated(nonsending) private func readPiece(_ rows: [Int], of read: GroupRead, from endpoint: Endpoint, deadline: NIODeadline) async -> Result<[RoutedPiece], SkewlessError> {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        if let service = read.group.service {
            request.featureService = service
        } else {
            var list = Skewless_V1_FeatureList()
            list.features = read.group.features
            request.features = list
            // The node logs a service's read by the service's name, not by this list.
            if let service = read.logging.service { request.servedService = service }
        }
        request.requestID = read.logging.requestID
        request.entities = Self.keyColumns(read.group.joinKeys, entities: read.entities, rows: rows)
        let started = ContinuousClock.now
        do throws(SkewlessError) {
            let payload = try await oneShot.send(.getOnlineFeatures, payload: RequestEncoding.encode(request), to: endpoint, deadline: deadline)
            let answer = try payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
                try ReceivedFeatures(decoding: bytes, rowCount: rows.count, expectedNames: read.group.expectedNames)
            }
            latencies.record(ContinuousClock.now - started)
            return .success([RoutedPiece(rows: rows, answer: answer, endpoint: endpoint)])
        } catch {
            return .failure(error)
        }
    }

    /// The key columns of `rows`, for the group's join keys (types checked when routing).
    static func keyColumns(_ joinKeys: [JoinKey], entities: [[String: KeyPart]], rows: [Int]) -> [Skewless_V1_EntityKeyColumn] {
        joinKeys.map { key in
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = key.name
            switch key.type.storage {
            case .int64:
                column.int64Values.reserveCapacity(rows.count)
                for row in rows {
                    if case .int64(let value)? = entities[row][key.name]?.storage { column.int64Values.append(value) }
                }
            case .string:
                column.stringValues.reserveCapacity(rows.count)
                for row in rows {
                    if case .string(let value)? = entities[row][key.name]?.storage { column.stringValues.append(value) }
                }
            }
            return column
        }
    }
}
