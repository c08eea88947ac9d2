import SkewlessModel

/// The in-memory online store of a node: for every feature view version, the latest row
/// of every entity, served with the statuses of `ServingRule`.
///
/// Shared by the event loop threads (reads, the hot path) and writers. Each view version
/// has its own `FeatureTable` behind its own lock, so traffic to one view never waits for
/// another; requests are validated before the lock is taken, and the lock is held only
/// to look keys up and copy values. The set of views is fixed at creation.
///
/// Views are identified by name and version (`qualifiedName`); the definition given at
/// creation is the one used (fields, TTL, policy, defaults), whatever copy a caller passes.
package final class OnlineStore: Sendable {
    /// How many rows each table's key index reserves up front by default.
    package static let defaultExpectedRowsPerView = 1_024

    private struct ViewID: Hashable, Sendable {
        var name: String
        var version: Int

        init(_ view: FeatureView) {
            name = view.name
            version = view.version
        }
    }

    private let tables: [ViewID: LockedTable]
    /// View names in a stable order, for error messages.
    private let knownViews: [String]

    /// One empty table per view version.
    /// - Parameters:
    ///   - views: each view with its join keys, in key order (for a repo,
    ///     `repo.joinKeys(of: view)`). Writes check keys' arity and part types against
    ///     them. When a view version appears twice, the first definition is kept.
    ///   - expectedRowsPerView: rows each table's key index reserves up front, so it does
    ///     not rehash under the lock while growing to that size.
    package init(views: [(view: FeatureView, joinKeys: [JoinKey])], expectedRowsPerView: Int = OnlineStore.defaultExpectedRowsPerView) {
        var tables: [ViewID: LockedTable] = [:]
        tables.reserveCapacity(views.count)
        for (view, joinKeys) in views where tables[ViewID(view)] == nil {
            tables[ViewID(view)] = LockedTable(schema: TableSchema(view: view, joinKeys: joinKeys), expectedRows: expectedRowsPerView)
        }
        self.tables = tables
        self.knownViews = tables.values.map(\.schema.view.qualifiedName).sorted()
    }

    /// One empty table per version of every view of `repo`.
    package convenience init(repo: FeatureRepo, expectedRowsPerView: Int = OnlineStore.defaultExpectedRowsPerView) {
        self.init(views: repo.featureViews.map { ($0, repo.joinKeys(of: $0)) }, expectedRowsPerView: expectedRowsPerView)
    }

    func table(for view: FeatureView) throws(SkewlessError) -> LockedTable {
        guard let table = tables[ViewID(view)] else {
            let known = knownViews.isEmpty ? "none" : knownViews.joined(separator: ", ")
            throw SkewlessError(.notFound, "feature view '\(view.qualifiedName)' has no table in this online store (known: \(known)): load a repo that defines it")
        }
        return table
    }

    /// Writes a batch of rows to one view version.
    ///
    /// The batch is validated completely first (see `TableSchema.validate`); an invalid
    /// batch changes nothing and throws `invalidArgument` naming the view, field and row.
    /// Rows apply in batch order. A row older than the stored row of its key, by (event
    /// time, created time), is ignored and counted; equal times replace the row.
    ///
    /// A large batch is applied in slices, one lock acquisition each, so reads of the view
    /// never wait for a whole batch: a concurrent read may see some of the batch's rows
    /// before others (each row whole). The final state is the same either way.
    /// - Parameter nowMicros: the created time of every row when the batch has none.
    /// - Throws: `notFound` for a view this store does not hold, `invalidArgument` for a
    ///   malformed batch, `resourceExhausted` when the table reaches `UInt32.max` rows (the
    ///   one error that can come after some slices were applied).
    package func write(view: FeatureView, batch: WriteBatch, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        try table(for: view).write(batch, nowMicros: nowMicros)
    }

    /// Reads fields of one view version for entity keys.
    ///
    /// - Parameters:
    ///   - fieldIndexes: indexes into the view's fields; repeats are allowed.
    ///   - keys: entity keys in the view's join-key order.
    ///   - nowMicros: the time the TTL is measured against. A row is stale when
    ///     `nowMicros - eventTime > ttlSeconds * 1_000_000`; exactly at the TTL it is fresh.
    /// - Returns: one `ReadColumn` per entry of `fieldIndexes`, in that order, each with
    ///   one status, event time and value per key.
    /// - Throws: `notFound` for an unknown view, `invalidArgument` for a bad field index or
    ///   key arity, `failedPrecondition` when the view is `failClosed` and a requested row
    ///   is stale.
    package func read(view: FeatureView, fieldIndexes: [Int], keys: [EntityKey], nowMicros: Int64) throws(SkewlessError) -> [ReadColumn] {
        try table(for: view).read(fieldIndexes: fieldIndexes, keys: keys, nowMicros: nowMicros)
    }

    /// Drops, from every view version, the rows whose key `remove` accepts: a cluster node
    /// giving up partitions. Each table is rebuilt without them under its lock, one table at a
    /// time, so reads and writes of a view wait for that view's copy.
    /// - Returns: the number of rows dropped.
    package func removeRows(where remove: @Sendable (EntityKey) -> Bool) -> Int {
        tables.values.reduce(0) { $0 + $1.removeRows(where: remove) }
    }

    /// Entity rows across every view version.
    package var entityRowCount: Int {
        tables.values.reduce(0) { $0 + $1.rowCount }
    }

    /// Entity rows of one view version; 0 for a view this store does not hold.
    package func entityRowCount(view: FeatureView) -> Int {
        tables[ViewID(view)]?.rowCount ?? 0
    }

    /// Estimated heap bytes of every table (see `FeatureTable.memoryFootprint`).
    package func memoryFootprint() -> Int {
        tables.values.reduce(0) { $0 + $1.memoryFootprint }
    }

    /// Estimated heap bytes of one view version's table; 0 for a view this store does not hold.
    package func memoryFootprint(view: FeatureView) -> Int {
        tables[ViewID(view)]?.memoryFootprint ?? 0
    }
}
