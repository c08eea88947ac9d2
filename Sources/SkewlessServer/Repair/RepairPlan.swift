import SkewlessWire
import SkewlessModel

/// Which rows each replica of a partition must be given so that every replica holds, for every
/// entity, the newest row any of them holds: the newer-wins rule of the online store
/// (docs/cluster.md, "Replica repair and anti-entropy"), computed from the rows each replica
/// exported (`ReplicaRows`). A value type with no I/O.
///
/// For each entity, the winner is the row newest by (event time, created time), ties broken
/// by the larger row digest; every replica that lacks the entity, or holds another row, is
/// given the winner. Applied through the store's write rule, the winner replaces an older row
/// (or an equal-times one), and is itself ignored by a replica that has meanwhile stored a
/// newer one: a repair never overwrites a newer row.
///
/// Rows whose winner was created at or after `settledBeforeMicros` are left out and counted
/// as `unsettled`: they are usually a write still being applied on its replicas (the write path
/// and the log follower deliver them within about a second), and the next comparison sees them.
package struct RepairPlan: Sendable, Equatable {
    /// One row to give a node: from which node's rows, which page and row.
    package struct Transfer: Sendable, Hashable {
        package var source: String
        package var page: Int
        package var index: Int
    }

    /// Per node: the rows to apply to it.
    package var transfers: [String: [Transfer]] = [:]
    /// Differences left to the write path (winner too recent).
    package var unsettled = 0

    /// Rows to apply, on all nodes together.
    package var rowCount: Int { transfers.values.reduce(0) { $0 + $1.count } }

    package init(replicas: [String: ReplicaRows], settledBeforeMicros: Int64 = .max) {
        let nodes = replicas.keys.sorted()
        var keys = Set<EntityKey>()
        for rows in replicas.values { keys.formUnion(rows.rows.keys) }
        for key in keys {
            var winner: (node: String, row: ReplicaRows.Row)?
            for node in nodes {
                guard let row = replicas[node]?.rows[key] else { continue }
                if winner.map({ row.isNewer(than: $0.row) }) ?? true { winner = (node, row) }
            }
            guard let winner else { continue }
            let behind = nodes.filter { node in !(replicas[node]?.rows[key].map { $0.sameContent(as: winner.row) } ?? false) }
            guard !behind.isEmpty else { continue }
            guard winner.row.createdTime < settledBeforeMicros else {
                unsettled += behind.count
                continue
            }
            for node in behind {
                transfers[node, default: []].append(Transfer(source: winner.node, page: winner.row.page, index: winner.row.index))
            }
        }
        for node in transfers.keys {
            transfers[node]?.sort { ($0.source, $0.page, $0.index) < ($1.source, $1.page, $1.index) }
        }
    }
}
