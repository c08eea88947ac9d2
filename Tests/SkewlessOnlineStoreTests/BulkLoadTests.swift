import SkewlessCompression
import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

/// The bulk path (`FeatureTable.load`, `OnlineStore.load`) against the row-by-row path
/// (`applyValidated`, `OnlineStore.write`): on the same batches they must leave the same
/// table and report the same counts.
@Suite struct BulkLoadTests {
    typealias F = Fixtures

    static let view = FeatureTableTests.allTypesView
    static let sessionKeys = [JoinKey(name: "user_id", type: .int64), JoinKey(name: "session", type: .string)]

    /// Random batches: few distinct keys (duplicates within and across batches), event and
    /// created times from a small range (ties, out-of-order rows, rows older than stored),
    /// every field type, random nulls, fields absent from a batch, batches with no created
    /// times; from the run's seed and `stream` (`TestSeed`).
    static func batches(stream: UInt64, count: Int, composite: Bool) -> [WriteBatch] {
        var rng = TestSeed.generator(stream)
        return (0..<count).map { _ in
            let rows = Int.random(in: 0...120, using: &rng)
            let keySpace = Int64.random(in: 1...200, using: &rng)
            let keys = (0..<rows).map { _ -> EntityKey in
                let id = Int64.random(in: 1...keySpace, using: &rng)
                return composite ? EntityKey([.int64(id), .string(id % 3 == 0 ? "s-\(id % 5)" : "a long session name, on the heap \(id % 7)")]) : EntityKey(.int64(id))
            }
            let eventTimes = (0..<rows).map { _ in Int64.random(in: 0...20, using: &rng) }
            let createdTimes = Bool.random(using: &rng) ? nil : (0..<rows).map { _ in Int64.random(in: 0...5, using: &rng) }
            let fields = view.fields.map { field -> FieldValues? in
                guard Int.random(in: 0..<6, using: &rng) != 0 else { return nil }
                let nulls = Bool.random(using: &rng) ? nil : (0..<rows).map { _ in Int.random(in: 0..<4, using: &rng) == 0 }
                return FieldValues(values: values(of: field.type, rows: rows, using: &rng), nullRows: nulls)
            }
            return WriteBatch(keys: keys, eventTimes: eventTimes, createdTimes: createdTimes, fields: fields)
        }
    }

    static func values(of type: FeatureType, rows: Int, using rng: inout SplitMix64) -> ColumnValues {
        func text(_ rng: inout SplitMix64) -> String {
            String(repeating: "x", count: Int.random(in: 0...40, using: &rng))
        }
        switch type.storage {
        case .bool: return .bool((0..<rows).map { _ in Bool.random(using: &rng) })
        case .int32: return .int32((0..<rows).map { _ in Int32.random(in: .min ... .max, using: &rng) })
        case .int64: return .int64((0..<rows).map { _ in Int64.random(in: .min ... .max, using: &rng) })
        case .float: return .float((0..<rows).map { _ in Float.random(in: -1e6...1e6, using: &rng) })
        case .double: return .double((0..<rows).map { _ in Double.random(in: -1e9...1e9, using: &rng) })
        case .string: return .string((0..<rows).map { _ in text(&rng) })
        case .bytes: return .bytes((0..<rows).map { _ in Array(text(&rng).utf8) })
        case .timestamp: return .timestamp((0..<rows).map { _ in Int64.random(in: 0...1_800_000_000_000_000, using: &rng) })
        case .embedding(let dimension):
            return .embedding((0..<rows).map { _ in
                let seed = UInt64.random(in: 0 ... .max, using: &rng)
                return EmbeddingCodec.encode(Bool.random(using: &rng) ? F.sparseVector(dimension, seed: seed) : F.denseVector(dimension, seed: seed))
            })
        case .int64List: return .int64List((0..<rows).map { _ in (0..<Int.random(in: 0...5, using: &rng)).map { Int64($0) } })
        case .stringList: return .stringList((0..<rows).map { _ in (0..<Int.random(in: 0...3, using: &rng)).map { _ in text(&rng) } })
        }
    }

    /// Everything a table holds, slot by slot.
    static func expectSame(_ bulk: FeatureTable, _ reference: FeatureTable) {
        #expect(bulk.index == reference.index, "\(TestSeed.note)")
        let slots = Array(0..<reference.rowCount)
        #expect(slots.map { bulk.eventTimes[$0] } == slots.map { reference.eventTimes[$0] })
        #expect(slots.map { bulk.createdTimes[$0] } == slots.map { reference.createdTimes[$0] })
        for (field, column) in reference.columns.enumerated() {
            let expected = column.stored(slots: slots)
            let actual = bulk.columns[field].stored(slots: slots)
            #expect(actual.values == expected.values, "field \(field), \(TestSeed.note)")
            #expect(actual.nullRows == expected.nullRows, "field \(field), \(TestSeed.note)")
            #expect(bulk.columns[field].count == column.count, "field \(field), \(TestSeed.note)")
        }
        // The heap the stored keys and values own is the same; chunk capacities may differ
        // (the bulk path grows a chunk once per slice, the row path once per row).
        #expect(bulk.keyHeapBytes == reference.keyHeapBytes)
        #expect(bulk.columns.map(\.elementHeapBytes) == reference.columns.map(\.elementHeapBytes))
        let keys = Array(reference.index.keys) + [EntityKey(.int64(-1))]
        let fields = Array(view.fields.indices)
        #expect((try? bulk.readValidated(fieldIndexes: fields, keys: keys, nowMicros: 15)) == (try? reference.readValidated(fieldIndexes: fields, keys: keys, nowMicros: 15)))
    }

    @Test(arguments: [(1 as UInt64, false), (2, false), (3, true), (4, true), (5, false)])
    func loadingMatchesWritingRowByRow(stream: UInt64, composite: Bool) throws {
        let joinKeys = composite ? Self.sessionKeys : [F.userID]
        let bulk = FeatureTable(view: Self.view, joinKeys: joinKeys)
        let reference = FeatureTable(view: Self.view, joinKeys: joinKeys)
        var rng = TestSeed.generator(stream &* 31)
        for batch in Self.batches(stream: stream, count: 40, composite: composite) {
            try reference.schema.validate(batch)
            // The same random slices on both sides, as `LockedTable` applies them.
            var start = 0
            while start < batch.rowCount {
                let end = min(batch.rowCount, start + Int.random(in: 1...80, using: &rng))
                let expected = try reference.applyValidated(batch, rows: start..<end, nowMicros: 7)
                let actual = try bulk.load(batch, rows: start..<end, nowMicros: 7)
                #expect(actual == expected, "\(TestSeed.note)")
                start = end
            }
        }
        #expect(reference.rowCount > 50, "\(TestSeed.note)")
        Self.expectSame(bulk, reference)
    }

    @Test func aRebuildOfNewKeysInOrderMatchesWritingRowByRow() throws {
        // The materialization shape: every row a new key, consecutive, no duplicates; with
        // and without nulls, then the same keys again (every row an update, some older).
        let bulk = FeatureTable(view: Self.view, joinKeys: [F.userID])
        let reference = FeatureTable(view: Self.view, joinKeys: [F.userID])
        var rng = TestSeed.generator(99)
        let rows = 9_000
        for round in 0..<2 {
            let fields = Self.view.fields.enumerated().map { (index, field) in
                FieldValues(values: Self.values(of: field.type, rows: rows, using: &rng), nullRows: index % 2 == 0 ? nil : (0..<rows).map { $0 % 7 == round })
            }
            let batch = WriteBatch(
                keys: (0..<rows).map { EntityKey(.int64(Int64($0))) },
                eventTimes: (0..<rows).map { Int64(($0 + round) % 3) }, createdTimes: nil, fields: fields)
            #expect(try bulk.load(batch, rows: 0..<rows, nowMicros: 5) == reference.applyValidated(batch, rows: 0..<rows, nowMicros: 5))
        }
        Self.expectSame(bulk, reference)
    }

    @Test func theStoreLoadsLikeItWritesAndRejectsWhatWriteRejects() throws {
        let view = F.scoreView()
        let bulk = F.store(view)
        let reference = F.store(view)
        let ids = (0..<5_000).map { Int64($0 % 3_000) }
        let batch = F.scoreBatch(ids, eventTime: 10, scores: ids.map { Float($0) }, scoreNulls: ids.map { $0 % 11 == 0 }, counts: ids)
        bulk.reserveRows(view: view, rows: 3_000)
        #expect(try bulk.load(view: view, batch: batch, nowMicros: 20) == reference.write(view: view, batch: batch, nowMicros: 20))
        let keys = (0..<3_001).map { EntityKey(.int64($0)) }
        #expect(try bulk.read(view: view, fieldIndexes: [0, 1], keys: keys, nowMicros: 30) == reference.read(view: view, fieldIndexes: [0, 1], keys: keys, nowMicros: 30))
        #expect(bulk.entityRowCount(view: view) == 3_000)

        var bad = batch
        bad.eventTimes.removeLast()
        #expect(throws: SkewlessError.self) { try bulk.load(view: view, batch: bad, nowMicros: 20) }
        #expect(throws: SkewlessError.self) { try bulk.load(view: F.scoreView(name: "other"), batch: batch, nowMicros: 20) }
    }

    @Test func reservingRoomNeverShrinksTheIndex() {
        let table = FeatureTable(view: F.scoreView(), joinKeys: [F.userID], expectedRows: 5_000)
        let capacity = table.index.capacity
        table.reserveRows(10)
        #expect(table.index.capacity == capacity)
        table.reserveRows(50_000)
        #expect(table.index.capacity >= 50_000)
    }
}

extension FieldColumn {
    /// The heap its stored values own (`TypedColumn.elementHeapBytes`).
    fileprivate var elementHeapBytes: Int {
        switch self {
        case .bool(let column): return column.elementHeapBytes
        case .int32(let column): return column.elementHeapBytes
        case .int64(let column): return column.elementHeapBytes
        case .float(let column): return column.elementHeapBytes
        case .double(let column): return column.elementHeapBytes
        case .string(let column): return column.elementHeapBytes
        case .bytes(let column): return column.elementHeapBytes
        case .timestamp(let column): return column.elementHeapBytes
        case .embedding(let column): return column.elementHeapBytes
        case .int64List(let column): return column.elementHeapBytes
        case .stringList(let column): return column.elementHeapBytes
        }
    }
}
