import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

@Suite struct OnlineStoreTests {
    typealias F = Fixtures
    static let now: Int64 = 10_000 * Fixtures.second

    /// Writes users 1 (score 0.5, count 3) and 2 (score null, count null) at `eventTime`.
    static func seeded(_ view: FeatureView, eventTime: Int64) throws -> OnlineStore {
        let store = F.store(view)
        let batch = F.scoreBatch([1, 2], eventTime: eventTime, scores: [0.5, 99], scoreNulls: [false, true])
        var withCounts = batch
        withCounts.fields[1] = FieldValues(values: .int64([3, 0]), nullRows: [false, true])
        _ = try store.write(view: view, batch: withCounts, nowMicros: eventTime)
        return store
    }

    // MARK: - Statuses

    @Test(arguments: StalenessPolicy.allCases)
    func freshRowsMissingRowsAndNullFieldsUnderEveryPolicy(policy: StalenessPolicy) throws {
        let view = F.scoreView(policy: policy, scoreDefault: policy == .serveDefault ? .float(-1) : nil)
        let store = try Self.seeded(view, eventTime: Self.now - 10 * F.second)
        let columns = try store.read(view: view, fieldIndexes: [0, 1], keys: F.keys(1, 2, 3), nowMicros: Self.now)
        let scoreDefault: Float = policy == .serveDefault ? -1 : 0
        // score: default only under serve_default here.
        #expect(columns[0].statuses == [.present, policy == .serveDefault ? .defaulted : .nullValue, policy == .serveDefault ? .defaulted : .notFound])
        #expect(columns[0].values == .float([0.5, scoreDefault, scoreDefault]))
        // count: declares default 7.
        #expect(columns[1].statuses == [.present, .defaulted, .defaulted])
        #expect(columns[1].values == .int64([3, 7, 7]))
        let eventTime = Self.now - 10 * F.second
        #expect(columns[0].eventTimes == [eventTime, eventTime, 0])
        #expect(columns[1].eventTimes == columns[0].eventTimes)
    }

    @Test func staleRowsServedFlagged() throws {
        let view = F.scoreView(policy: .serveFlagged)
        let eventTime = Self.now - 61 * F.second
        let store = try Self.seeded(view, eventTime: eventTime)
        let columns = try store.read(view: view, fieldIndexes: [0, 1], keys: F.keys(1, 2, 3), nowMicros: Self.now)
        #expect(columns[0].statuses == [.outsideTTL, .nullValue, .notFound])
        #expect(columns[0].values == .float([0.5, 0, 0]))
        #expect(columns[1].statuses == [.outsideTTL, .defaulted, .defaulted])
        #expect(columns[1].values == .int64([3, 7, 7]))
        #expect(columns[0].eventTimes == [eventTime, eventTime, 0])
    }

    @Test func staleRowsServedAsDefaults() throws {
        let view = F.scoreView(policy: .serveDefault, scoreDefault: .float(-1))
        let store = try Self.seeded(view, eventTime: Self.now - 61 * F.second)
        let columns = try store.read(view: view, fieldIndexes: [0, 1], keys: F.keys(1, 2, 3), nowMicros: Self.now)
        #expect(columns[0].statuses == [.defaulted, .defaulted, .defaulted])
        #expect(columns[0].values == .float([-1, -1, -1]))
        #expect(columns[1].statuses == [.defaulted, .defaulted, .defaulted])
        #expect(columns[1].values == .int64([7, 7, 7]))
        // The stored row's event time is still reported.
        #expect(columns[0].eventTimes == [Self.now - 61 * F.second, Self.now - 61 * F.second, 0])
    }

    @Test func staleRowsFailClosedNamingViewKeyAgeAndTTL() throws {
        let view = F.scoreView(policy: .failClosed)
        let store = try Self.seeded(view, eventTime: Self.now - 90 * F.second)
        // Touching only missing keys is fine.
        let missing = try store.read(view: view, fieldIndexes: [0], keys: F.keys(3), nowMicros: Self.now)
        #expect(missing[0].statuses == [.notFound])
        do {
            _ = try store.read(view: view, fieldIndexes: [0], keys: F.keys(3, 2, 1), nowMicros: Self.now)
            Issue.record("a stale row of a fail_closed view must fail the read")
        } catch {
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("user_stats@1"))
            #expect(error.message.contains("entity 2"))
            #expect(error.message.contains("90s"))
            #expect(error.message.contains("TTL of 60s"))
            #expect(error.message.contains("refresh the view by materializing or writing fresher rows"))
        }
        // A fresher write makes the view servable again.
        _ = try store.write(view: view, batch: F.scoreBatch([1, 2], eventTime: Self.now, scores: [1, 2]), nowMicros: Self.now)
        let columns = try store.read(view: view, fieldIndexes: [0], keys: F.keys(1, 2), nowMicros: Self.now)
        #expect(columns[0].statuses == [.present, .present])
    }

    @Test(arguments: StalenessPolicy.allCases)
    func aRowExactlyAtTheTTLIsFresh(policy: StalenessPolicy) throws {
        let view = F.scoreView(ttlSeconds: 60, policy: policy, scoreDefault: .float(-1))
        let store = try Self.seeded(view, eventTime: Self.now - 60 * F.second)
        let atBoundary = try store.read(view: view, fieldIndexes: [0], keys: F.keys(1), nowMicros: Self.now)
        #expect(atBoundary[0].statuses == [.present])
        #expect(atBoundary[0].values == .float([0.5]))
        let justPast: [ReadColumn]
        do {
            justPast = try store.read(view: view, fieldIndexes: [0], keys: F.keys(1), nowMicros: Self.now + 1)
        } catch {
            #expect(policy == .failClosed)
            #expect(error.code == .failedPrecondition)
            #expect(error.message.contains("60.000001s old"))
            return
        }
        #expect(policy != .failClosed)
        #expect(justPast[0].statuses == [policy == .serveFlagged ? .outsideTTL : .defaulted])
    }

    @Test func fieldsCanBeReadInAnyOrderAndRepeated() throws {
        let view = F.scoreView()
        let store = try Self.seeded(view, eventTime: Self.now)
        let columns = try store.read(view: view, fieldIndexes: [1, 0, 1], keys: F.keys(1), nowMicros: Self.now)
        #expect(columns.map(\.values) == [.int64([3]), .float([0.5]), .int64([3])])
        #expect(try store.read(view: view, fieldIndexes: [], keys: F.keys(1), nowMicros: Self.now).isEmpty)
        let none = try store.read(view: view, fieldIndexes: [0], keys: [], nowMicros: Self.now)
        #expect(none[0].values == .float([]) && none[0].statuses.isEmpty && none[0].eventTimes.isEmpty)
    }

    // MARK: - Validation

    static let compositeView = FeatureView(
        name: "pair", entities: ["user", "merchant"],
        fields: [
            Field(name: "amount", type: .double),
            Field(name: "emb", type: .embedding(dimension: 2)),
        ],
        ttlSeconds: 60)
    static let compositeKeys = [F.userID, JoinKey(name: "merchant", type: .string)]

    static func compositeBatch(keys: [EntityKey] = [EntityKey([1, "m"]), EntityKey([2, "m"])]) -> WriteBatch {
        WriteBatch(
            keys: keys, eventTimes: [100, 100],
            fields: [
                FieldValues(values: .double([1, 2])),
                FieldValues(values: .embedding([
                    EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 8)),
                    EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 1, count: 8)),
                ])),
            ])
    }

    struct BadBatch: Sendable, CustomStringConvertible {
        var description: String
        var mentions: [String]
        var change: @Sendable (inout WriteBatch) -> Void
    }

    static let badBatches: [BadBatch] = [
        BadBatch(description: "event time count", mentions: ["1 event times for 2 rows"]) { $0.eventTimes = [1] },
        BadBatch(description: "created time count", mentions: ["3 created times"]) { $0.createdTimes = [1, 2, 3] },
        BadBatch(description: "field entry count", mentions: ["1 field entries", "2 fields"]) { $0.fields.removeLast() },
        BadBatch(description: "key arity", mentions: ["row 1", "has 1 parts", "user_id int64, merchant string"]) { $0.keys[1] = EntityKey(.int64(2)) },
        BadBatch(description: "key part type", mentions: ["row 0", "join key 'merchant'", "int64 value"]) { $0.keys[0] = EntityKey([1, 5]) },
        BadBatch(description: "field type", mentions: ["field 'amount'", "double", "float"]) { $0.fields[0] = FieldValues(values: .float([1, 2])) },
        BadBatch(description: "value count", mentions: ["field 'amount'", "1 values for 2 rows"]) { $0.fields[0] = FieldValues(values: .double([1])) },
        BadBatch(description: "null flag count", mentions: ["field 'amount'", "1 null flags"]) { $0.fields[0]?.nullRows = [true] },
        BadBatch(description: "embedding dimension", mentions: ["field 'emb' row 1", "dimension 3", "embedding[2]"]) {
            $0.fields[1] = FieldValues(values: .embedding([
                EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 8)),
                EncodedEmbedding(dimension: 3, isCompressed: false, bytes: [UInt8](repeating: 0, count: 12)),
            ]))
        },
        BadBatch(description: "raw embedding size", mentions: ["field 'emb' row 0", "needs 8 bytes, got 7"]) {
            $0.fields[1] = FieldValues(values: .embedding([
                EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 7)),
                EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 8)),
            ]))
        },
        BadBatch(description: "empty LZ4 block", mentions: ["field 'emb' row 1", "empty"]) {
            $0.fields[1] = FieldValues(values: .embedding([
                EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 8)),
                EncodedEmbedding(dimension: 2, isCompressed: true, bytes: []),
            ]))
        },
    ]

    @Test(arguments: badBatches)
    func invalidBatchesChangeNothing(bad: BadBatch) throws {
        let store = OnlineStore(views: [(Self.compositeView, Self.compositeKeys)])
        _ = try store.write(view: Self.compositeView, batch: Self.compositeBatch(keys: [EntityKey([1, "m"]), EntityKey([9, "z"])]), nowMicros: 100)
        let before = try store.read(view: Self.compositeView, fieldIndexes: [0, 1], keys: [EntityKey([1, "m"]), EntityKey([2, "m"])], nowMicros: 100)
        let footprint = store.memoryFootprint()

        // Every bad batch also carries a valid newer row for key (1, m) and a new key (2, m):
        // neither may be applied.
        var batch = Self.compositeBatch()
        batch.eventTimes = batch.eventTimes.map { $0 + 1 }
        bad.change(&batch)
        do {
            _ = try store.write(view: Self.compositeView, batch: batch, nowMicros: 200)
            Issue.record("\(bad) was accepted")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("pair@1"))
            for text in bad.mentions {
                #expect(error.message.contains(text), "\(error.message)")
            }
        }
        #expect(store.entityRowCount == 2)
        #expect(store.memoryFootprint() == footprint)
        let after = try store.read(view: Self.compositeView, fieldIndexes: [0, 1], keys: [EntityKey([1, "m"]), EntityKey([2, "m"])], nowMicros: 100)
        #expect(after == before)
    }

    @Test func nullRowsMayHoldAnyPlaceholderEmbedding() throws {
        let store = OnlineStore(views: [(Self.compositeView, Self.compositeKeys)])
        var batch = Self.compositeBatch()
        batch.fields[1] = FieldValues(
            values: .embedding([EncodedEmbedding(dimension: 0, isCompressed: false, bytes: []), EncodedEmbedding(dimension: 2, isCompressed: false, bytes: [UInt8](repeating: 0, count: 8))]),
            nullRows: [true, false])
        #expect(try store.write(view: Self.compositeView, batch: batch, nowMicros: 100).rowsWritten == 2)
        let column = try store.read(view: Self.compositeView, fieldIndexes: [1], keys: [EntityKey([1, "m"])], nowMicros: 100)
        #expect(column[0].statuses == [.nullValue])
    }

    @Test func unknownViewsAndBadReadsAreRejected() throws {
        let view = F.scoreView()
        let store = F.store(view)
        let other = F.scoreView(name: "other")
        #expect(throws: SkewlessError.self) { try store.read(view: other, fieldIndexes: [0], keys: F.keys(1), nowMicros: 0) }
        do {
            _ = try store.write(view: F.scoreView(version: 2), batch: F.scoreBatch([1], eventTime: 1), nowMicros: 1)
            Issue.record("a write to an unknown view version must fail")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("user_stats@2"))
            #expect(error.message.contains("user_stats@1"))
        }
        do {
            _ = try store.read(view: view, fieldIndexes: [2], keys: F.keys(1), nowMicros: 0)
            Issue.record("a bad field index must fail")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("field index 2"))
        }
        do {
            _ = try store.read(view: view, fieldIndexes: [0], keys: [EntityKey(1), EntityKey([1, 2])], nowMicros: 0)
            Issue.record("a key of the wrong arity must fail")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("row 1"))
        }
        #expect(store.entityRowCount(view: other) == 0)
        #expect(store.memoryFootprint(view: other) == 0)
    }

    // MARK: - Views

    @Test func versionsOfOneViewAreIndependent() throws {
        let v1 = F.scoreView(version: 1, ttlSeconds: 60)
        let v2 = F.scoreView(version: 2, ttlSeconds: 3_600, policy: .failClosed)
        let store = F.store(v1, v2)
        _ = try store.write(view: v1, batch: F.scoreBatch([1, 2], eventTime: Self.now - 600 * F.second, scores: [1, 2]), nowMicros: Self.now)
        _ = try store.write(view: v2, batch: F.scoreBatch([1], eventTime: Self.now - 600 * F.second, scores: [10]), nowMicros: Self.now)
        #expect(store.entityRowCount(view: v1) == 2)
        #expect(store.entityRowCount(view: v2) == 1)
        #expect(store.entityRowCount == 3)
        // Each version uses its own TTL and policy.
        let one = try store.read(view: v1, fieldIndexes: [0], keys: F.keys(1, 2), nowMicros: Self.now)
        #expect(one[0].statuses == [.outsideTTL, .outsideTTL])
        #expect(one[0].values == .float([1, 2]))
        let two = try store.read(view: v2, fieldIndexes: [0], keys: F.keys(1, 2), nowMicros: Self.now)
        #expect(two[0].statuses == [.present, .notFound])
        #expect(two[0].values == .float([10, 0]))
        #expect(store.memoryFootprint() == store.memoryFootprint(view: v1) + store.memoryFootprint(view: v2))
    }

    @Test func theStoreUsesItsOwnDefinitionOfAView() throws {
        let view = F.scoreView(ttlSeconds: 3_600)
        let store = try Self.seeded(view, eventTime: Self.now - 600 * F.second)
        var stranger = view
        stranger.ttlSeconds = 1
        let columns = try store.read(view: stranger, fieldIndexes: [0], keys: F.keys(1), nowMicros: Self.now)
        #expect(columns[0].statuses == [.present])
    }

    @Test func aRepoGivesEveryViewVersionATableWithItsJoinKeys() throws {
        let repo = try FeatureRepo(
            project: "shop",
            entities: [
                Entity(name: "user", joinKeys: [JoinKey(name: "user_id", type: .int64)]),
                Entity(name: "merchant", joinKeys: [JoinKey(name: "merchant_id", type: .string)]),
            ],
            featureViews: [
                F.scoreView(version: 1),
                F.scoreView(version: 2),
                FeatureView(name: "pair", entities: ["user", "merchant"], fields: [Field(name: "n", type: .int32)], ttlSeconds: 60),
            ],
            featureServices: [])
        let store = OnlineStore(repo: repo)
        let pair = try repo.featureView(qualified: "pair@1")
        let result = try store.write(
            view: pair,
            batch: WriteBatch(keys: [EntityKey([1, "m-1"])], eventTimes: [1], fields: [FieldValues(values: .int32([5]))]),
            nowMicros: 1)
        #expect(result.rowsWritten == 1)
        #expect(throws: SkewlessError.self) {
            try store.write(view: pair, batch: WriteBatch(keys: [EntityKey(["m-1", 1])], eventTimes: [1], fields: [nil]), nowMicros: 1)
        }
        _ = try store.write(view: F.scoreView(version: 2), batch: F.scoreBatch([1], eventTime: 1, scores: [1]), nowMicros: 1)
        #expect(store.entityRowCount == 2)
    }

    /// Large batches are applied in slices (one lock acquisition each); the result is the
    /// same as applying the batch at once, including rows of one key across slices.
    @Test func batchesLargerThanASliceApplyInOrder() throws {
        let view = F.scoreView()
        let store = F.store(view)
        let sliceRows = LockedTable(schema: TableSchema(view: view, joinKeys: [F.userID]), expectedRows: 0).sliceRows
        #expect(sliceRows == 1_024)
        let ids = (0..<1_000).map { Int64($0) }
        let times: [Int64] = [10, 30, 20]
        let batch = WriteBatch(
            keys: (ids + ids + ids).map { EntityKey(.int64($0)) },
            eventTimes: times.flatMap { Array(repeating: $0, count: ids.count) },
            fields: [FieldValues(values: .float(times.flatMap { t in ids.map { Float($0) + Float(t) } })), nil])
        #expect(batch.rowCount > 2 * sliceRows)
        #expect(try store.write(view: view, batch: batch, nowMicros: 40) == WriteResult(rowsWritten: 2_000, rowsIgnoredOlder: 1_000))
        let columns = try store.read(view: view, fieldIndexes: [0], keys: ids.map { EntityKey(.int64($0)) }, nowMicros: 40)
        #expect(columns[0].values == .float(ids.map { Float($0) + 30 }))
        #expect(columns[0].eventTimes == Array(repeating: 30, count: ids.count))
    }

    @Test func slicesHoldAboutSixteenThousandValues() {
        func slice(fields: Int) -> Int {
            let view = FeatureView(name: "v", entities: ["user"], fields: (0..<fields).map { Field(name: "f\($0)", type: .float) }, ttlSeconds: 1)
            return LockedTable(schema: TableSchema(view: view, joinKeys: [F.userID]), expectedRows: 0).sliceRows
        }
        #expect(slice(fields: 1) == 1_024)
        #expect(slice(fields: 50) == 327)
        #expect(slice(fields: 1_000) == 64)
    }

    // MARK: - Memory

    /// The representation's budget: at most 8 bytes per float value for a view of 50
    /// float fields, everything included (key index, row times, null bitmaps).
    @Test func fiftyFloatFieldsCostAtMostEightBytesPerValue() throws {
        let fieldCount = 50
        let entities = 100_000
        let view = FeatureView(
            name: "wide", entities: ["user"],
            fields: (0..<fieldCount).map { Field(name: "f\($0)", type: .float) }, ttlSeconds: 3_600)
        let store = F.store(view)
        let batchRows = 10_000
        for start in stride(from: 0, to: entities, by: batchRows) {
            let ids = (start..<start + batchRows).map { Int64($0) * 7_919 }
            let values = ColumnValues.float(ids.map { Float($0) })
            let batch = WriteBatch(
                keys: ids.map { EntityKey(.int64($0)) }, eventTimes: Array(repeating: 1, count: batchRows),
                fields: Array(repeating: FieldValues(values: values), count: fieldCount))
            _ = try store.write(view: view, batch: batch, nowMicros: 1)
        }
        #expect(store.entityRowCount(view: view) == entities)
        let footprint = store.memoryFootprint()
        let perValue = Double(footprint) / Double(entities * fieldCount)
        print("OnlineStore footprint, \(entities) entities x \(fieldCount) floats: \(footprint) bytes, \(perValue) bytes per value")
        #expect(perValue >= 4.0)
        #expect(perValue <= 8.0)
        let column = try store.read(view: view, fieldIndexes: [49], keys: [EntityKey(.int64(99_999 * 7_919))], nowMicros: 1)
        #expect(column[0].values == .float([Float(99_999 * 7_919)]))
    }

    // MARK: - Concurrency

    /// Writers race on the same keys with interleaved event times while readers check that
    /// every row they see is whole (its value matches its event time). The newest write wins.
    @Test func concurrentWritersAndReadersAgreeOnTheNewestRows() async throws {
        let view = F.scoreView(ttlSeconds: 1_000_000)
        let store = F.store(view)
        let ids = (0..<200).map { Int64($0) }
        let writers = 4
        let rounds = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for round in 1...rounds {
                        let eventTime = Int64(round * 10 + writer)
                        let batch = F.scoreBatch(ids, eventTime: eventTime, scores: Array(repeating: Float(eventTime), count: ids.count), counts: Array(repeating: eventTime, count: ids.count))
                        _ = try store.write(view: view, batch: batch, nowMicros: eventTime)
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<50 {
                        let columns = try store.read(view: view, fieldIndexes: [0, 1], keys: ids.map { EntityKey(.int64($0)) }, nowMicros: 1_000)
                        guard case .float(let scores) = columns[0].values, case .int64(let counts) = columns[1].values else {
                            Issue.record("wrong column types")
                            return
                        }
                        for row in ids.indices where columns[0].statuses[row] == .present {
                            #expect(scores[row] == Float(columns[0].eventTimes[row]))
                            #expect(counts[row] == columns[0].eventTimes[row])
                        }
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try store.read(view: view, fieldIndexes: [0, 1], keys: ids.map { EntityKey(.int64($0)) }, nowMicros: 1_000)
        let newest = Int64(rounds * 10 + writers - 1)
        #expect(final[0].eventTimes == Array(repeating: newest, count: ids.count))
        #expect(final[0].values == .float(Array(repeating: Float(newest), count: ids.count)))
        #expect(final[1].values == .int64(Array(repeating: newest, count: ids.count)))
        #expect(store.entityRowCount == ids.count)
    }
}
