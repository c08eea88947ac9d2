import NIOCore
import SkewlessModel
import SkewlessWire

extension ClusterRouter {
    /// Sends a write batch, whole, to one node: its coordinator, which logs it once in the
    /// offline store and applies it on every replica of its rows' partitions
    /// (docs/write-log.md). The first choice is the first replica, in preferred order, of the
    /// first row's partition that has not failed lately (for a one-row write, a node that
    /// holds the row); when it fails with a retryable code, the same request (the same
    /// idempotency key) goes to the next replica, then to any other node. A round over the
    /// nodes is an attempt of the retry policy: the next round, after its pause, tries them
    /// all again, within the deadline.
    func write(view: String, request: Skewless_V1_WriteFeaturesRequest, entities: [[String: KeyPart]], deadline: NIODeadline) async throws(SkewlessError) -> WriteSummary {
        try await maps.withDueRefresh(deadline: deadline) { () throws(SkewlessError) in
            let repo = try await repo(deadline: deadline)
            let target = try repo.featureView(qualified: view)
            let routing = RoutingPlan.Group(joinKeys: repo.joinKeys(of: target), features: [])
            return try await retry.execute(deadline: deadline) { _ throws(SkewlessError) in
                try await writeRound(request, routing: routing, entities: entities, deadline: deadline)
            }
        }
    }

    /// One round: the nodes in turn until one accepts the batch, following the map when a
    /// node answers wrong-shard.
    private func writeRound(
        _ request: Skewless_V1_WriteFeaturesRequest, routing: RoutingPlan.Group, entities: [[String: KeyPart]], deadline: NIODeadline
    ) async throws(SkewlessError) -> WriteSummary {
        var request = request
        var mapChanges = 0
        var failed = Set<Endpoint>()
        var lastFailure: SkewlessError?
        while true {
            let topology = try await maps.current(deadline: deadline)
            request.mapEpoch = topology.epoch
            let first = try entities.isEmpty ? 0 : routing.partitions(of: [entities[0]], partitioner: topology.partitioner)[0]
            let suspect = maps.suspects(in: topology)
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
                    let answer = try await oneShot.send(.writeFeatures, payload: payload, to: endpoint, deadline: deadline)
                    let response: Skewless_V1_WriteFeaturesResponse = try NodeConnection.decode(answer, from: endpoint)
                    return WriteSummary(response)
                } catch where error.code == .aborted {
                    refresh = endpoint
                    lastFailure = error
                    break
                } catch where retry.policy.retries(error) {
                    // Maybe logged, maybe not: the same key sent elsewhere is stored once.
                    maps.markSuspect(endpoint)
                    failed.insert(endpoint)
                    lastFailure = error
                } catch {
                    // The rows themselves are refused (a bad value, an unknown field): every
                    // node would say the same.
                    throw error
                }
            }
            if let refresh, mapChanges < ClusterReadExecutor.maximumMapChanges, NIODeadline.now() < deadline {
                mapChanges += 1
                let before = topology.epoch
                if (await maps.refresh(preferring: refresh, deadline: deadline)?.epoch ?? before) == before {
                    try await RetryPause.sleep(.milliseconds(Int64(5 * mapChanges)))
                }
                continue
            }
            guard NIODeadline.now() < deadline else {
                throw SkewlessError(.deadlineExceeded, "no node accepted the write within the deadline; last: \(lastFailure?.message ?? "none answered")")
            }
            let tried = failed.count + (refresh == nil ? 0 : 1)
            throw SkewlessError(
                lastFailure.map { $0.code == .aborted ? .unavailable : $0.code } ?? .unavailable,
                "no node accepted the write (tried \(tried) of \(topology.endpoints.count)): \(lastFailure?.message ?? "none was left to try")")
        }
    }
}
