import SkewlessModel

/// Materialization: the latest row per entity, for loading an online store.
extension OfflineStore {
    /// What a materialization read.
    package struct MaterializationSummary: Sendable, Hashable {
        /// Entities passed to `body`.
        package var entities: Int
        /// Rows of the segments read.
        package var rowsScanned: Int
        /// The largest created time among the view's rows (nil when the view has no rows):
        /// for people; incremental runs go by `arrival`.
        package var maxCreatedTime: Int64?
        /// Where the store's order of arrival stood: the mark to pass as `since` next time.
        package var arrival: ArrivalMark
    }

    /// For one view version, the row as of `asOf` (`LatestAsOf`, the same rule historical
    /// retrieval uses) of every entity, in batches ready for `OnlineStore.write`.
    ///
    /// TTL is not applied here: the online store applies it when it serves, against its own
    /// clock, exactly as `LatestAsOf.isFresh` does for training sets.
    /// - Parameters:
    ///   - asOf: T, microseconds since the epoch (`Int64.max`: everything).
    ///   - asOfKnownTime: also require created time <= T.
    ///   - since: a mark from an earlier run: only entities with a row that arrived after it
    ///     (an incremental load), in a segment or a write log, whatever its event or created
    ///     time; nil for all entities.
    ///   - keep: which entities to return (a cluster node loads only its partitions); nil: all.
    ///   - batchRows: the most entities per batch.
    ///   - expecting: for a load of all entities (no watermark), called once before the
    ///     first batch with an estimate of how many entities the batches will hold (see
    ///     `estimatedEntities`), so the caller can size its index up front.
    ///   - body: called with each batch: keys, event times, created times and every field of
    ///     the view (non-nil, with null flags), in key order.
    @discardableResult
    package func latestRows(
        of view: FeatureView, joinKeys: [JoinKey], asOf time: Int64 = .max, asOfKnownTime: Bool = false, since mark: ArrivalMark? = nil,
        keep: ((EntityKey) -> Bool)? = nil, batchRows: Int = 65_536, expecting: ((Int) -> Void)? = nil,
        _ body: (WriteBatch) throws(SkewlessError) -> Void
    ) throws(SkewlessError) -> MaterializationSummary {
        let snapshot = try snapshot(of: view, joinKeys: joinKeys, since: mark)
        let asOf = LatestAsOf(time: time, ttlMicros: view.ttlSeconds &* 1_000_000, asOfKnownTime: asOfKnownTime)
        var summary = MaterializationSummary(
            entities: 0, rowsScanned: snapshot.rowCount, maxCreatedTime: snapshot.segments.filter { $0.rowCount > 0 }.map(\.maxCreatedTime).max(),
            arrival: snapshot.arrival)
        if mark != nil, !snapshot.arrivedSince.contains(true) {
            // Nothing arrived since the mark: no entity can have changed.
            summary.rowsScanned = 0
            return summary
        }
        if mark == nil, let expecting {
            expecting(try Self.estimatedEntities(snapshot, keep: keep))
        }
        var streams = zip(snapshot.segments, snapshot.arrivedSince).map { SegmentLatestRows(reader: $0, asOf: asOf, arrivedSince: $1) }
        var pending = SegmentRows(schema: snapshot.schema)
        func emit(_ rows: SegmentRows, touched: [Bool]) throws(SkewlessError) {
            var rows = rows
            var keys = rows.keys.entityKeys()
            if mark != nil || keep != nil {
                let chosen = keys.indices.filter { (mark == nil || touched[$0]) && (keep?(keys[$0]) ?? true) }
                if chosen.count < rows.count {
                    keys = chosen.map { keys[$0] }
                    rows = rows.gathered(chosen)
                }
            }
            guard !keys.isEmpty else { return }
            summary.entities += keys.count
            try body(WriteBatch(keys: keys, eventTimes: rows.eventTimes, createdTimes: rows.createdTimes, fields: rows.fields))
        }
        if streams.count == 1 {
            while let batch = try streams[0].next() {
                try emit(batch.rows, touched: batch.touched)
            }
            return summary
        }
        // Several segments: merge their entities by key; for an entity in several, the
        // later row by (event time, created time, segment order) wins.
        var heads: [(batch: SegmentLatestRows.Batch, row: Int)?] = []
        for index in streams.indices { heads.append(try Self.nextHead(&streams[index])) }
        var touched: [Bool] = []
        while true {
            var smallest: Int?
            for index in heads.indices {
                guard let head = heads[index] else { continue }
                if let current = smallest, let best = heads[current] {
                    if head.batch.rows.keys.compare(head.row, with: best.batch.rows.keys, best.row) < 0 { smallest = index }
                } else {
                    smallest = index
                }
            }
            guard let first = smallest, let firstHead = heads[first] else { break }
            var winner = first
            var isTouched = false
            for index in heads.indices {
                guard let head = heads[index], head.batch.rows.keys.compare(head.row, with: firstHead.batch.rows.keys, firstHead.row) == 0 else { continue }
                isTouched = isTouched || head.batch.touched[head.row]
                if let best = heads[winner], index != winner,
                    (head.batch.rows.eventTimes[head.row], head.batch.rows.createdTimes[head.row], index)
                        > (best.batch.rows.eventTimes[best.row], best.batch.rows.createdTimes[best.row], winner)
                {
                    winner = index
                }
            }
            if let head = heads[winner] {
                pending.append(from: head.batch.rows, row: head.row)
                touched.append(isTouched)
            }
            for index in heads.indices {
                guard let head = heads[index], head.batch.rows.keys.compare(head.row, with: firstHead.batch.rows.keys, firstHead.row) == 0 else { continue }
                heads[index] = head.row + 1 < head.batch.rows.count ? (head.batch, head.row + 1) : try Self.nextHead(&streams[index])
            }
            if pending.count >= batchRows {
                try emit(pending, touched: touched)
                pending = SegmentRows(schema: snapshot.schema)
                touched = []
            }
        }
        try emit(pending, touched: touched)
        return summary
    }

    /// About how many entities `keep` accepts in a view: its row count times the share of
    /// accepted entities among the rows of the first segment's first row group (reading
    /// only that group's keys). Exact for one row per entity and no filter; never more
    /// than the row count.
    static func estimatedEntities(_ snapshot: ViewSnapshot, keep: ((EntityKey) -> Bool)?) throws(SkewlessError) -> Int {
        guard let first = snapshot.segments.first(where: { $0.rowGroupCount > 0 && $0.rowCount(ofGroup: 0) > 0 }) else { return 0 }
        let keys = try first.keys(ofGroup: 0)
        let bounds = keys.runBounds()
        var accepted = bounds.count - 1
        if let keep {
            accepted = bounds.dropLast().reduce(0) { $0 + (keep(keys.key(at: $1)) ? 1 : 0) }
        }
        let sampled = first.rowCount(ofGroup: 0)
        return Int((Double(snapshot.rowCount) * Double(accepted) / Double(sampled)).rounded(.up))
    }

    private static func nextHead(_ stream: inout SegmentLatestRows) throws(SkewlessError) -> (batch: SegmentLatestRows.Batch, row: Int)? {
        while let batch = try stream.next() {
            if batch.rows.count > 0 { return (batch, 0) }
        }
        return nil
    }
}
