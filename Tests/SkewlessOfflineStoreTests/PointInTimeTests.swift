import SkewlessModel
import SkewlessOnlineStore
import Testing
@testable import SkewlessOfflineStore

@Suite struct PointInTimeTests {
    static let hour = Fixtures.hour
    static let t0 = Fixtures.base
    /// TTL 2 hours.
    static let view = FeatureView(name: "v", entities: ["user"], fields: [Field(name: "n", type: .int64), Field(name: "s", type: .string)], ttlSeconds: 7_200)
    static let pairView = FeatureView(name: "pair", entities: ["user", "merchant"], fields: [Field(name: "c", type: .int32)], ttlSeconds: 7_200)

    struct Row {
        var key: EntityKey
        var event: Int64
        var created: Int64
        var values: [FeatureValue?]
    }

    static func store(_ directory: TemporaryDirectory, rowGroupRows: Int = 3) -> OfflineStore {
        OfflineStore(directory: directory.path, options: .defaults { $0.rowGroupRows = rowGroupRows })
    }

    static func ingest(_ store: OfflineStore, _ rows: [Row], view: FeatureView = view, keys: [JoinKey] = Fixtures.userKey) throws {
        let session = try store.beginIngest(view: view, joinKeys: keys, nowMicros: 0)
        for row in rows { try session.append(key: row.key, eventTime: row.event, createdTime: row.created, values: row.values) }
        try session.commit()
    }

    static func features(_ view: FeatureView) -> [ResolvedFeature] {
        view.fields.indices.map { ResolvedFeature(view: view, fieldIndex: $0) }
    }

    static func historical(_ store: OfflineStore, users: [Int64], times: [Int64], asOfKnownTime: Bool = false) throws -> [HistoricalColumn] {
        try store.historical(
            labels: HistoricalLabels(keys: ["user_id": .int64(users)], times: times), features: features(view),
            joinKeys: { _ in Fixtures.userKey }, asOfKnownTime: asOfKnownTime)
    }

    static func user(_ id: Int64) -> EntityKey { EntityKey(.int64(id)) }

    @Test func latestEventTimeAtOrBeforeTWinsAndTiesGoToTheLatestCreatedTime() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, [
                Row(key: Self.user(1), event: Self.t0, created: Self.t0 + 5, values: [.int64(1), .string("a")]),
                Row(key: Self.user(1), event: Self.t0 + Self.hour, created: Self.t0 + Self.hour + 9, values: [.int64(2), nil]),
                Row(key: Self.user(1), event: Self.t0 + Self.hour, created: Self.t0 + Self.hour + 1, values: [.int64(3), .string("c")]),
                Row(key: Self.user(1), event: Self.t0 + 2 * Self.hour, created: Self.t0 + 2 * Self.hour, values: [.int64(4), .string("d")]),
            ])
            let times = [Self.t0 - 1, Self.t0, Self.t0 + Self.hour - 1, Self.t0 + Self.hour, Self.t0 + 2 * Self.hour - 1, Self.t0 + 2 * Self.hour]
            let columns = try Self.historical(store, users: Array(repeating: 1, count: times.count), times: times)
            #expect(try times.indices.map { try columns[0].value(at: $0) } == [nil, .int64(1), .int64(1), .int64(2), .int64(2), .int64(4)])
            #expect(columns[0].statuses == [.notFound, .present, .present, .present, .present, .present])
            // The tie at t0+1h: created +9 beats +1, and its null is served as null.
            #expect(columns[1].statuses[3] == .nullValue)
            #expect(columns[0].eventTimes[3] == Self.t0 + Self.hour)
        }
    }

    @Test func anExactTieOfEventAndCreatedTimeGoesToTheLaterWrite() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, [Row(key: Self.user(1), event: Self.t0, created: Self.t0, values: [.int64(1), nil])])
            try Self.ingest(store, [
                Row(key: Self.user(1), event: Self.t0, created: Self.t0, values: [.int64(2), nil]),
                Row(key: Self.user(1), event: Self.t0, created: Self.t0, values: [.int64(3), nil]),
            ])
            #expect(try Self.historical(store, users: [1], times: [Self.t0])[0].value(at: 0) == .int64(3))
            try store.compact(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(try Self.historical(store, users: [1], times: [Self.t0])[0].value(at: 0) == .int64(3))
        }
    }

    @Test func theTTLBoundaryIsInclusive() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, [Row(key: Self.user(1), event: Self.t0, created: Self.t0, values: [.int64(1), .string("x")])])
            let ttl = 2 * Self.hour
            let columns = try Self.historical(store, users: [1, 1], times: [Self.t0 + ttl, Self.t0 + ttl + 1])
            #expect(columns[0].statuses == [.present, .outsideTTL])
            #expect(try columns[0].value(at: 1) == nil)
            #expect(columns[0].eventTimes[1] == Self.t0)
        }
    }

    @Test func noHistoryALabelBeforeAllDataAndDuplicateLabelsInInputOrder() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, [
                Row(key: Self.user(2), event: Self.t0, created: Self.t0, values: [.int64(20), nil]),
                Row(key: Self.user(3), event: Self.t0, created: Self.t0, values: [.int64(30), nil]),
            ])
            let users: [Int64] = [3, 9, 2, 3, 2, 3]
            let times = [Self.t0, Self.t0, Self.t0 - 1, Self.t0, Self.t0 + 1, Self.t0 + 1]
            let columns = try Self.historical(store, users: users, times: times)
            #expect(try users.indices.map { try columns[0].value(at: $0) } == [.int64(30), nil, nil, .int64(30), .int64(20), .int64(30)])
            #expect(columns[0].statuses == [.present, .notFound, .notFound, .present, .present, .present])
            // A view never written is an error, not every label NOT_FOUND in silence (issue 18).
            let error = TemporaryDirectory.with { empty in
                #expect(throws: SkewlessError.self) { try Self.historical(Self.store(empty), users: [1], times: [Self.t0]) }
            }
            #expect(error?.code == .notFound || error?.code == .failedPrecondition)
        }
    }

    @Test func asOfKnownTimeExcludesLateCorrections() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, [
                Row(key: Self.user(1), event: Self.t0, created: Self.t0, values: [.int64(1), nil]),
                // A correction of the same event, written a day later.
                Row(key: Self.user(1), event: Self.t0, created: Self.t0 + 24 * Self.hour, values: [.int64(100), nil]),
                // A backfilled later event, written a day later.
                Row(key: Self.user(1), event: Self.t0 + Self.hour, created: Self.t0 + 24 * Self.hour, values: [.int64(200), nil]),
            ])
            let t = Self.t0 + Self.hour + 1
            #expect(try Self.historical(store, users: [1], times: [t])[0].value(at: 0) == .int64(200))
            #expect(try Self.historical(store, users: [1], times: [t], asOfKnownTime: true)[0].value(at: 0) == .int64(1))
            #expect(try Self.historical(store, users: [1], times: [Self.t0 - 1], asOfKnownTime: true)[0].statuses == [.notFound])
        }
    }

    @Test func compositeKeys() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            func key(_ user: Int64, _ merchant: String) -> EntityKey { EntityKey([.int64(user), .string(merchant)]) }
            try Self.ingest(store, [
                Row(key: key(1, "a"), event: Self.t0, created: Self.t0, values: [.int32(1)]),
                Row(key: key(1, "b"), event: Self.t0, created: Self.t0, values: [.int32(2)]),
                Row(key: key(2, "a"), event: Self.t0, created: Self.t0, values: [.int32(3)]),
            ], view: Self.pairView, keys: Fixtures.pairKey)
            let columns = try store.historical(
                labels: HistoricalLabels(keys: ["user_id": .int64([2, 1, 1, 2]), "merchant_id": .string(["a", "b", "a", "b"])], times: Array(repeating: Self.t0, count: 4)),
                features: Self.features(Self.pairView), joinKeys: { _ in Fixtures.pairKey })
            #expect(try (0..<4).map { try columns[0].value(at: $0) } == [.int32(3), .int32(2), .int32(1), nil])
            let missing = #expect(throws: SkewlessError.self) {
                try store.historical(labels: HistoricalLabels(keys: ["user_id": .int64([1])], times: [0]), features: Self.features(Self.pairView), joinKeys: { _ in Fixtures.pairKey })
            }
            #expect(missing?.message.contains("merchant_id") == true)
        }
    }

    // MARK: - Properties

    /// Random rows with many exact ties, in several ingests, from the run's seed and
    /// `stream` (`TestSeed`).
    static func randomHistory(_ store: OfflineStore, stream: UInt64) throws -> [Row] {
        var random = TestSeed.generator(stream)
        var all: [Row] = []
        for _ in 0..<4 {
            var rows: [Row] = []
            for _ in 0..<Int.random(in: 1...60, using: &random) {
                let event = Self.t0 + Int64.random(in: 0...8, using: &random) * Self.hour / 2
                let created = event + Int64.random(in: 0...3, using: &random) * Self.hour
                rows.append(Row(key: Self.user(Int64.random(in: 1...6, using: &random)), event: event, created: created, values: [.int64(Int64(all.count + rows.count)), Bool.random(using: &random) ? nil : .string("x")]))
            }
            try Self.ingest(store, rows)
            all += rows
        }
        return all
    }

    /// The row as of T by brute force: the latest eligible by (event, created, write order).
    static func reference(_ rows: [Row], user: Int64, time: Int64, asOfKnownTime: Bool) -> Row? {
        var best: Row?
        for row in rows where row.key == Self.user(user) && row.event <= time && (!asOfKnownTime || row.created <= time) {
            if let current = best, (row.event, row.created) < (current.event, current.created) { continue }
            best = row
        }
        return best
    }

    /// Each case draws its own history from the run's seed (`TestSeed`).
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func historicalEqualsBruteForce(stream: UInt64) throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let rows = try Self.randomHistory(store, stream: stream)
            var random = TestSeed.generator(stream &* 31)
            let users = (0..<200).map { _ in Int64.random(in: 0...7, using: &random) }
            let times = (0..<200).map { _ in Self.t0 + Int64.random(in: -2...12, using: &random) * Self.hour / 2 + Int64.random(in: -1...1, using: &random) }
            for compacted in [false, true] {
                if compacted { try store.compact(view: Self.view, joinKeys: Fixtures.userKey) }
                for asOfKnownTime in [false, true] {
                    let columns = try Self.historical(store, users: users, times: times, asOfKnownTime: asOfKnownTime)
                    for label in users.indices {
                        let expected = Self.reference(rows, user: users[label], time: times[label], asOfKnownTime: asOfKnownTime)
                        let fresh = expected.map { $0.event >= times[label] - 2 * Self.hour } ?? false
                        #expect(
                            try columns[0].value(at: label) == (fresh ? expected?.values[0] : nil),
                            "label \(label) user \(users[label]) T \(times[label]) known \(asOfKnownTime), \(TestSeed.note)")
                        let status: ValueStatus = expected == nil ? .notFound : !fresh ? .outsideTTL : expected?.values[1] == nil ? .nullValue : .present
                        #expect(columns[1].statuses[label] == status, "label \(label), \(TestSeed.note)")
                    }
                }
            }
        }
    }

    /// What a node serves after materializing up to T equals the training set's value at T.
    @Test(arguments: [UInt64(11), 12, 13, 14, 15, 16])
    func materializedUpToTServesTheHistoricalValueAtT(stream: UInt64) throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            _ = try Self.randomHistory(store, stream: stream)
            var random = TestSeed.generator(stream &* 31)
            for round in 0..<8 {
                // Several segments (merged by key) first, then one (compacted).
                if round == 4 { try store.compact(view: Self.view, joinKeys: Fixtures.userKey) }
                let time = Self.t0 + Int64.random(in: -1...10, using: &random) * Self.hour / 2 + Int64.random(in: -1...1, using: &random)
                let online = OnlineStore(views: [(Self.view, Fixtures.userKey)])
                try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, asOf: time, batchRows: 2) { batch throws(SkewlessError) in
                    _ = try online.write(view: Self.view, batch: batch, nowMicros: 0)
                }
                let users: [Int64] = Array(0...7)
                let served = try online.read(view: Self.view, fieldIndexes: [0, 1], keys: users.map(Self.user), nowMicros: time)
                let columns = try Self.historical(store, users: users, times: Array(repeating: time, count: users.count))
                for (index, column) in columns.enumerated() {
                    for label in users.indices {
                        // Outside the TTL the node serves a value flagged (a null, as null); a training
                        // set has none either way.
                        let expected = column.statuses[label], got = served[index].statuses[label]
                        #expect(got == expected || (expected == .outsideTTL && got == .nullValue), "T \(time) user \(users[label]) field \(index), \(TestSeed.note)")
                        if column.statuses[label] == .present {
                            #expect(try served[index].values.value(at: label) == column.value(at: label), "\(TestSeed.note)")
                        }
                    }
                }
            }
        }
    }

    @Test func incrementalMaterializationReturnsOnlyEntitiesThatArrivedAfterTheMark() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, (1...5).map { Row(key: Self.user($0), event: Self.t0, created: Self.t0, values: [.int64($0), nil]) })
            var all: [EntityKey] = []
            let first = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey) { batch throws(SkewlessError) in all += batch.keys }
            #expect(all.count == 5)
            try Self.ingest(store, [Row(key: Self.user(4), event: Self.t0 + 1, created: Self.t0 + 10, values: [.int64(44), nil])])
            var later: [EntityKey] = []
            var values: [ColumnValues] = []
            try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, since: first.arrival) { batch throws(SkewlessError) in
                later += batch.keys
                values.append(batch.fields[0]!.values)
            }
            #expect(later == [Self.user(4)])
            #expect(values == [.int64([44])])
        }
    }

    /// The backfill case: rows ingested with created times older than everything read before
    /// (Feast-style created_timestamp columns) still reach the next incremental run, because
    /// it goes by the store's order of arrival, not by a time the input supplied.
    @Test func incrementalMaterializationLoadsABackfillWithOldCreatedTimes() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, (1...60).map { Row(key: Self.user($0), event: Self.t0, created: Self.t0 + 1_000, values: [.int64($0), nil]) })
            let first = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey) { _ throws(SkewlessError) in }
            // Newer events, created (by the input's account) long before the first run read anything.
            try Self.ingest(store, (1...60).map { Row(key: Self.user($0), event: Self.t0 + 5, created: Self.t0 - 1_000, values: [.int64($0 * 100), nil]) })
            var loaded: [EntityKey: Int64] = [:]
            let second = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, since: first.arrival) { batch throws(SkewlessError) in
                guard case .int64(let counts) = batch.fields[0]!.values else { return }
                for (key, count) in zip(batch.keys, counts) { loaded[key] = count }
            }
            #expect(loaded.count == 60)
            #expect((1...60).allSatisfy { loaded[Self.user($0)] == $0 * 100 })
            // Nothing arrived since: the next run reads no segment.
            let third = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, since: second.arrival) { _ throws(SkewlessError) in }
            #expect(third.entities == 0 && third.rowsScanned == 0)
        }
    }
}
