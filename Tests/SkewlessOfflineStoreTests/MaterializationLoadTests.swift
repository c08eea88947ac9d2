import SkewlessModel
import SkewlessOnlineStore
import Testing
@testable import SkewlessOfflineStore

/// Materialization through the online store's bulk path (`OnlineStore.load`, what the node
/// uses) against the row-by-row path (`OnlineStore.write`): from the same segments they
/// must serve the same values.
@Suite struct MaterializationLoadTests {
    typealias P = PointInTimeTests

    /// Both paths, from the same `latestRows`; returns what each serves for `keys`.
    static func materialize(
        _ store: OfflineStore, view: FeatureView, keys joinKeys: [JoinKey], asOf time: Int64, keep: ((EntityKey) -> Bool)? = nil, read keys: [EntityKey]
    ) throws -> (loaded: [ReadColumn], written: [ReadColumn], estimate: Int?) {
        let loaded = OnlineStore(views: [(view, joinKeys)])
        let written = OnlineStore(views: [(view, joinKeys)])
        var estimate: Int?
        let expecting = { (entities: Int) in
            estimate = entities
            loaded.reserveRows(view: view, rows: entities)
        }
        try store.latestRows(of: view, joinKeys: joinKeys, asOf: time, keep: keep, batchRows: 5, expecting: expecting) { batch throws(SkewlessError) in
            #expect(try loaded.load(view: view, batch: batch, nowMicros: 0) == written.write(view: view, batch: batch, nowMicros: 0))
        }
        let fields = Array(view.fields.indices)
        return (
            try loaded.read(view: view, fieldIndexes: fields, keys: keys, nowMicros: time),
            try written.read(view: view, fieldIndexes: fields, keys: keys, nowMicros: time),
            estimate)
    }

    @Test(arguments: [UInt64(21), 22, 23, 24])
    func loadingServesWhatWritingServesAtEveryT(stream: UInt64) throws {
        try TemporaryDirectory.with { directory in
            // Row groups of 3 rows: entities' rows run across groups.
            let store = P.store(directory)
            _ = try P.randomHistory(store, stream: stream)
            var random = TestSeed.generator(stream &* 31)
            let users = (0...7).map(P.user)
            for round in 0..<6 {
                if round == 3 { try store.compact(view: P.view, joinKeys: Fixtures.userKey) }
                let time = P.t0 + Int64.random(in: -1...10, using: &random) * P.hour / 2 + Int64.random(in: -1...1, using: &random)
                let all = try Self.materialize(store, view: P.view, keys: Fixtures.userKey, asOf: time, read: users)
                #expect(all.loaded == all.written, "T \(time), \(TestSeed.note)")
                #expect(all.estimate != nil)
                let even = try Self.materialize(store, view: P.view, keys: Fixtures.userKey, asOf: time, keep: { $0 == P.user(2) || $0 == P.user(4) }, read: users)
                #expect(even.loaded == even.written, "T \(time), a filter, \(TestSeed.note)")
            }
        }
    }

    @Test func everyTypeWithNullsAndCompositeKeysLoadsAsItWrites() throws {
        try TemporaryDirectory.with { directory in
            let view = Fixtures.allTypesView
            let store = P.store(directory, rowGroupRows: 4)
            var random = TestSeed.generator(5)
            var keys: Set<EntityKey> = []
            for _ in 0..<3 {
                let session = try store.beginIngest(view: view, joinKeys: Fixtures.pairKey, nowMicros: 0)
                for row in 0..<40 {
                    let key = EntityKey([.int64(Int64.random(in: 1...9, using: &random)), .string(Bool.random(using: &random) ? "m" : "a merchant with a long name")])
                    keys.insert(key)
                    let values = view.fields.map { field -> FeatureValue? in
                        Int.random(in: 0..<4, using: &random) == 0 ? nil : Fixtures.value(field.type, seed: row + Int.random(in: 0...99, using: &random))
                    }
                    let event = Fixtures.base + Int64.random(in: 0...5, using: &random) * Fixtures.hour
                    try session.append(key: key, eventTime: event, createdTime: event + Int64.random(in: 0...2, using: &random), values: values)
                }
                try session.commit()
            }
            let read = Array(keys) + [EntityKey([.int64(0), .string("none")])]
            for compacted in [false, true] {
                if compacted { try store.compact(view: view, joinKeys: Fixtures.pairKey) }
                for time in [Fixtures.base + 2 * Fixtures.hour, Int64.max] {
                    let both = try Self.materialize(store, view: view, keys: Fixtures.pairKey, asOf: time, read: read)
                    #expect(both.loaded == both.written, "compacted \(compacted), T \(time), \(TestSeed.note)")
                }
            }
        }
    }

    @Test func theEstimateCountsEntitiesNotRowsAndHonoursTheFilter() throws {
        try TemporaryDirectory.with { directory in
            let store = P.store(directory, rowGroupRows: 1_000)
            var rows: [P.Row] = []
            for id in 1...30 {
                for hour in 0..<3 {
                    rows.append(P.Row(key: P.user(Int64(id)), event: P.t0 + Int64(hour) * P.hour, created: P.t0, values: [.int64(Int64(id)), nil]))
                }
            }
            try P.ingest(store, rows)
            let snapshot = try store.snapshot(of: P.view, joinKeys: Fixtures.userKey)
            #expect(try OfflineStore.estimatedEntities(snapshot, keep: nil) == 30)
            #expect(try OfflineStore.estimatedEntities(snapshot, keep: { $0.parts == [.int64(7)] || $0.parts == [.int64(8)] }) == 2)
        }
    }
}
