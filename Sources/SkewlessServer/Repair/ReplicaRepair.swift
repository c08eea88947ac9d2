import SkewlessWire
import SkewlessModel

/// The replicas of one partition, in the map's preferred order.
package struct ReplicaSet: Sendable, Hashable {
    package var partition: Int
    package var replicas: [String]

    package init(partition: Int, replicas: [String]) {
        self.partition = partition
        self.replicas = replicas
    }
}

/// One replica's row count and digest of a (view, partition).
package struct ReplicaDigest: Sendable, Hashable {
    package var node: String
    package var rowCount: UInt64
    package var digest: UInt64
}

/// A (view, partition) whose replicas hold other rows.
package struct PartitionDifference: Sendable, Hashable {
    package var featureView: String
    package var partition: Int
    /// Every replica that answered, in the map's order.
    package var replicas: [ReplicaDigest]
}

/// A partition a replica could not be asked about (down, loading, refusing).
package struct UnverifiablePartition: Sendable, Hashable {
    package var partition: Int
    package var node: String
    package var reason: String
}

/// What comparing replicas' digests found.
package struct ReplicaComparison: Sendable {
    /// (view, partition) pairs compared across at least two replicas.
    package var compared = 0
    package var differences: [PartitionDifference] = []
    /// One entry per partition and replica that did not answer; its partitions are not
    /// compared when fewer than two replicas answered, and a difference is never inferred.
    package var unverifiable: [UnverifiablePartition] = []
}

/// What repairing one difference did.
package struct RepairOutcome: Sendable {
    package var difference: PartitionDifference
    /// The digest buckets whose rows were compared.
    package var buckets: [Int] = []
    /// Per node: rows sent to it, and how many of those it stored (the others it ignored as
    /// older than a row it had meanwhile).
    package var rowsSent: [String: Int] = [:]
    package var rowsStored: [String: Int] = [:]
    /// Differences left to the write path (`RepairPlan.unsettled`).
    package var unsettled = 0
}

/// Compares the replicas of partitions by their digests (PARTITION_DIGEST) and repairs the
/// differences by the newer-wins rule (docs/cluster.md, "Replica repair and anti-entropy"):
///
/// 1. every replica is asked, once per node for all its partitions, for the row count and
///    digest of each (view, partition); a difference is any disagreement among those that
///    answered;
/// 2. to repair one, every replica is asked for its 64 bucket digests of that (view,
///    partition), then for the rows of the buckets that differ (EXPORT_ROWS with a bucket
///    filter and row digests), so only those rows travel;
/// 3. `RepairPlan` picks each entity's newest row; each replica is given the rows it lacks or
///    holds older as a replica application (WRITE_FEATURES with `replica_apply`): applied in
///    memory by the store's write rule, never logged (they are not new data), never replacing
///    a newer row.
///
/// No I/O of its own: requests go through a `ReplicaTransport`, so the node's anti-entropy
/// loop and `fsctl verify --repair` run this same code.
package struct ReplicaRepair: Sendable {
    package var transport: any ReplicaTransport
    /// The epoch of the map the partitions' replicas were taken from (sent as `map_epoch`).
    package var mapEpoch: UInt64
    /// The view to compare, "" for every view version.
    package var featureView = ""
    /// Rows per EXPORT_ROWS page.
    package var pageRows = 1_024

    package init(transport: any ReplicaTransport, mapEpoch: UInt64) {
        self.transport = transport
        self.mapEpoch = mapEpoch
    }

    // MARK: - Comparing

    /// Asks every replica of `sets` for its digests and compares them per (view, partition).
    /// Sets with fewer than two replicas are skipped.
    package func compare(_ sets: [ReplicaSet]) async -> ReplicaComparison {
        var byNode: [String: [Int]] = [:]
        for set in sets where set.replicas.count >= 2 {
            for node in set.replicas { byNode[node, default: []].append(set.partition) }
        }
        let answers = await withTaskGroup(of: (String, Result<Skewless_V1_PartitionDigestResponse, SkewlessError>).self) { tasks in
            for (node, partitions) in byNode {
                tasks.addTask {
                    var request = Skewless_V1_PartitionDigestRequest()
                    request.featureView = featureView
                    request.partitions = partitions.sorted().map { UInt32(truncatingIfNeeded: $0) }
                    do throws(SkewlessError) {
                        return (node, .success(try await transport.call(.partitionDigest, request, node: node, as: Skewless_V1_PartitionDigestResponse.self)))
                    } catch {
                        return (node, .failure(error))
                    }
                }
            }
            var answers: [String: Result<Skewless_V1_PartitionDigestResponse, SkewlessError>] = [:]
            for await (node, answer) in tasks { answers[node] = answer }
            return answers
        }
        // Per node: (view, partition) -> digest.
        var digests: [String: [DigestKey: ReplicaDigest]] = [:]
        for (node, answer) in answers {
            guard case .success(let response) = answer else { continue }
            var entries: [DigestKey: ReplicaDigest] = [:]
            for entry in response.digests {
                entries[DigestKey(view: entry.featureView, partition: Int(entry.partition))] = ReplicaDigest(node: node, rowCount: entry.rowCount, digest: entry.digest)
            }
            digests[node] = entries
        }
        var comparison = ReplicaComparison()
        for set in sets.sorted(by: { $0.partition < $1.partition }) where set.replicas.count >= 2 {
            var answered: [String] = []
            for node in set.replicas {
                if case .failure(let error)? = answers[node] {
                    comparison.unverifiable.append(UnverifiablePartition(partition: set.partition, node: node, reason: "\(error.code): \(error.message)"))
                } else {
                    answered.append(node)
                }
            }
            guard answered.count >= 2 else { continue }
            var views = Set<String>()
            for node in answered {
                for key in (digests[node] ?? [:]).keys where key.partition == set.partition { views.insert(key.view) }
            }
            for view in views.sorted() {
                let key = DigestKey(view: view, partition: set.partition)
                let replicas = answered.map { node in digests[node]?[key] ?? ReplicaDigest(node: node, rowCount: 0, digest: 0) }
                comparison.compared += 1
                if Set(replicas.map { [$0.rowCount, $0.digest] }).count > 1 {
                    comparison.differences.append(PartitionDifference(featureView: view, partition: set.partition, replicas: replicas))
                }
            }
        }
        return comparison
    }

    private struct DigestKey: Hashable {
        var view: String
        var partition: Int
    }

    // MARK: - Repairing

    /// Repairs one difference found by `compare`: narrows it to the differing buckets, fetches
    /// their rows from every replica and gives each replica the rows it lacks or holds older.
    /// - Parameter settledBeforeMicros: rows whose newest version was created at or after it
    ///   are left to the write path (`RepairPlan`); `.max` repairs everything.
    /// - Throws: the first replica's error (the repair of this difference stops; rows already
    ///   applied stay, and are right).
    package func repair(_ difference: PartitionDifference, settledBeforeMicros: Int64 = .max) async throws(SkewlessError) -> RepairOutcome {
        var outcome = RepairOutcome(difference: difference)
        let nodes = difference.replicas.map(\.node)
        var request = Skewless_V1_PartitionDigestRequest()
        request.featureView = difference.featureView
        request.partitions = [UInt32(truncatingIfNeeded: difference.partition)]
        request.includeBuckets = true
        var bucketDigests: [[UInt64]] = []
        for node in nodes {
            let response = try await transport.call(.partitionDigest, request, node: node, as: Skewless_V1_PartitionDigestResponse.self)
            guard let entry = response.digests.first(where: { $0.featureView == difference.featureView }),
                entry.bucketRowCounts.count == entry.bucketDigests.count
            else {
                throw SkewlessError(.dataLoss, "node \(node) answered PARTITION_DIGEST of \(difference.featureView) partition \(difference.partition) without it or its buckets")
            }
            bucketDigests.append(zip(entry.bucketRowCounts, entry.bucketDigests).flatMap { [$0, $1] })
        }
        let bucketCount = bucketDigests.map { $0.count / 2 }.max() ?? 0
        outcome.buckets = (0..<bucketCount).filter { bucket in
            Set(bucketDigests.map { $0.count > 2 * bucket + 1 ? [$0[2 * bucket], $0[2 * bucket + 1]] : [0, 0] }).count > 1
        }
        guard !outcome.buckets.isEmpty else { return outcome }
        var replicas: [String: ReplicaRows] = [:]
        for node in nodes {
            replicas[node] = try await rows(of: difference, buckets: outcome.buckets, from: node)
        }
        let plan = RepairPlan(replicas: replicas, settledBeforeMicros: settledBeforeMicros)
        outcome.unsettled = plan.unsettled
        for (target, transfers) in plan.transfers.sorted(by: { $0.key < $1.key }) {
            var groups: [String: [Int: [Int]]] = [:]
            for transfer in transfers { groups[transfer.source, default: [:]][transfer.page, default: []].append(transfer.index) }
            for (source, pages) in groups.sorted(by: { $0.key < $1.key }) {
                for (page, indexes) in pages.sorted(by: { $0.key < $1.key }) {
                    guard let rows = replicas[source] else { continue }
                    let application = rows.application(page: page, indexes: indexes, view: difference.featureView, epoch: mapEpoch)
                    let answer = try await transport.call(.writeFeatures, application, node: target, as: Skewless_V1_WriteFeaturesResponse.self)
                    outcome.rowsSent[target, default: 0] += indexes.count
                    outcome.rowsStored[target, default: 0] += Int(answer.rowsWritten)
                }
            }
        }
        return outcome
    }

    /// Every row of the buckets of a (view, partition) on one node, page by page.
    private func rows(of difference: PartitionDifference, buckets: [Int], from node: String) async throws(SkewlessError) -> ReplicaRows {
        var request = Skewless_V1_ExportRowsRequest()
        request.featureView = difference.featureView
        request.partitions = [UInt32(truncatingIfNeeded: difference.partition)]
        request.buckets = buckets.map { UInt32(truncatingIfNeeded: $0) }
        request.includeRowDigests = true
        request.maxRows = UInt32(clamping: pageRows)
        var rows = ReplicaRows()
        while true {
            let page = try await transport.call(.exportRows, request, node: node, as: Skewless_V1_ExportRowsResponse.self)
            try rows.add(page, from: node)
            guard !page.nextCursor.isEmpty else { return rows }
            request.cursor = page.nextCursor
        }
    }
}
