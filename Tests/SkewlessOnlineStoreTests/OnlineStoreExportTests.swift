import SkewlessCompression
import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

/// Exporting stored rows (EXPORT_ROWS' store side): a snapshot of the keys a predicate
/// accepts, then pages of whole rows that another store reproduces exactly.
@Suite struct OnlineStoreExportTests {
    typealias F = Fixtures
    static let view = FeatureTableTests.allTypesView

    /// Store A holds rows 1-3 of every type (row 2 null in every field, created at 100).
    static func sourceStore() throws -> OnlineStore {
        let store = F.store(view)
        let batch = WriteBatch(
            keys: F.keys(1, 2, 3), eventTimes: [10, 20, 30], createdTimes: nil,
            fields: FeatureTableTests.written.map { FieldValues(values: $0, nullRows: [false, true, false]) })
        _ = try store.write(view: view, batch: batch, nowMicros: 100)
        return store
    }

    @Test func everyFieldTypeAndNullCopiesExactly() throws {
        let source = try Self.sourceStore()
        let keys = try source.exportKeys(view: Self.view) { _ in true }
        #expect(keys == F.keys(1, 2, 3))
        let batch = try source.exportRows(view: Self.view, keys: keys)
        #expect(batch.eventTimes == [10, 20, 30])
        #expect(batch.createdTimes == [100, 100, 100])

        let target = F.store(Self.view)
        // nowMicros differs: the copied created times must be the ones used.
        #expect(try target.write(view: Self.view, batch: batch, nowMicros: 999) == WriteResult(rowsWritten: 3, rowsIgnoredOlder: 0))
        let probe = F.keys(3, 1, 2, 4)
        let fields = Array(0..<Self.view.fields.count)
        let expected = try source.read(view: Self.view, fieldIndexes: fields, keys: probe, nowMicros: 100)
        let copied = try target.read(view: Self.view, fieldIndexes: fields, keys: probe, nowMicros: 100)
        #expect(copied == expected)
        #expect(copied.allSatisfy { $0.statuses == [.present, .present, .nullValue, .notFound] })
        // Copying again changes nothing (equal times replace with the same row).
        #expect(try target.write(view: Self.view, batch: batch, nowMicros: 999).rowsIgnoredOlder == 0)
        #expect(try target.read(view: Self.view, fieldIndexes: fields, keys: probe, nowMicros: 100) == expected)
    }

    @Test func anOlderCopiedRowNeverReplacesANewerOne() throws {
        let source = try Self.sourceStore()
        let target = F.store(Self.view)
        var fields = [FieldValues?](repeating: nil, count: Self.view.fields.count)
        fields[2] = FieldValues(values: .int64([777]))
        // Key 1 is newer on the target (event time 50 > 10); key 3 has the same event time but
        // an older created time, so the copy (created 100) wins there.
        _ = try target.write(view: Self.view, batch: WriteBatch(keys: F.keys(1), eventTimes: [50], createdTimes: [1], fields: fields), nowMicros: 0)
        _ = try target.write(view: Self.view, batch: WriteBatch(keys: F.keys(3), eventTimes: [30], createdTimes: [99], fields: fields), nowMicros: 0)
        let batch = try source.exportRows(view: Self.view, keys: try source.exportKeys(view: Self.view) { _ in true })
        let result = try target.write(view: Self.view, batch: batch, nowMicros: 0)
        #expect(result == WriteResult(rowsWritten: 2, rowsIgnoredOlder: 1))
        let column = try #require(try target.read(view: Self.view, fieldIndexes: [2], keys: F.keys(1, 3), nowMicros: 60).first)
        #expect(column.values == .int64([777, 42]))
        #expect(column.eventTimes == [50, 30])
    }

    @Test func compositeKeysArePagedByPredicateWithoutGapsOrRepeats() throws {
        let view = FeatureView(name: "pair", entities: ["user", "merchant"], fields: [Field(name: "amount", type: .double)], ttlSeconds: 60)
        let joinKeys = [F.userID, JoinKey(name: "merchant", type: .string)]
        let store = OnlineStore(views: [(view, joinKeys)])
        let all = (0..<50).map { EntityKey([.int64(Int64($0 / 5)), .string("m-\($0 % 5)")]) }
        _ = try store.write(view: view, batch: WriteBatch(keys: all, eventTimes: Array(repeating: 5, count: 50), fields: [FieldValues(values: .double((0..<50).map(Double.init)))]), nowMicros: 5)
        let even: @Sendable (EntityKey) -> Bool = { key in
            if case .int64(let user) = key.parts[0].storage { return user % 2 == 0 }
            return false
        }
        let snapshot = try store.exportKeys(view: view, where: even)
        #expect(snapshot == all.filter(even))  // in the order first written
        #expect(snapshot.count == 25)

        // Between pages: a row of the snapshot is updated, one is dropped, one is added.
        _ = try store.write(view: view, batch: WriteBatch(keys: [snapshot[20]], eventTimes: [9], fields: [FieldValues(values: .double([-1]))]), nowMicros: 9)
        let dropped = snapshot[7]
        #expect(store.removeRows { $0 == dropped } == 1)
        _ = try store.write(view: view, batch: WriteBatch(keys: [EntityKey([.int64(100), .string("new")])], eventTimes: [9], fields: [FieldValues(values: .double([1]))]), nowMicros: 9)

        var exported: [EntityKey] = []
        var amounts: [Double] = []
        for start in stride(from: 0, to: snapshot.count, by: 4) {
            let page = try store.exportRows(view: view, keys: snapshot[start..<min(snapshot.count, start + 4)])
            #expect(page.rowCount <= 4)
            exported += page.keys
            if case .double(let values)? = page.fields[0]?.values { amounts += values }
        }
        #expect(exported == snapshot.filter { $0 != dropped })
        #expect(Set(exported).count == exported.count)
        let updated = try #require(exported.firstIndex(of: snapshot[20]))
        #expect(amounts[updated] == -1)
    }

    @Test func anUnknownViewIsNotFound() throws {
        let store = F.store(F.scoreView())
        #expect(throws: SkewlessError.self) { try store.exportKeys(view: Self.view) { _ in true } }
        do {
            _ = try store.exportRows(view: Self.view, keys: F.keys(1))
            Issue.record("expected not found")
        } catch {
            #expect(error.code == .notFound)
        }
    }
}
