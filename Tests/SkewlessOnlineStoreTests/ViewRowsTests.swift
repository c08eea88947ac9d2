import SkewlessModel
import Testing
@testable import SkewlessOnlineStore

@Suite struct ViewRowsTests {
    /// bool, float and double fields, each with and without a default.
    static func fixedView(policy: StalenessPolicy) -> FeatureView {
        FeatureView(
            name: "fixed", version: 1, entities: ["user"],
            fields: [
                Field(name: "b", type: .bool),
                Field(name: "bd", type: .bool, defaultValue: .bool(true)),
                Field(name: "f", type: .float),
                Field(name: "fd", type: .float, defaultValue: .float(2.5)),
                Field(name: "d", type: .double),
                Field(name: "dd", type: .double, defaultValue: .double(-1e300)),
                Field(name: "n", type: .int64, defaultValue: .int64(3)),
            ],
            ttlSeconds: 60, stalenessPolicy: policy)
    }

    /// Rows 1...40: fresh or stale, some fields null; ids 41...45 never written.
    static func seeded(_ view: FeatureView, now: Int64) throws -> OnlineStore {
        let store = Fixtures.store(view)
        let ids = Array(Int64(1)...40)
        let nulls = ids.map { $0 % 3 == 0 }
        func column(_ values: ColumnValues) -> FieldValues { FieldValues(values: values, nullRows: nulls) }
        let batch = WriteBatch(
            keys: ids.map { EntityKey(.int64($0)) },
            eventTimes: ids.map { $0 % 4 == 0 ? now - 120 * Fixtures.second : now - $0 },
            createdTimes: nil,
            fields: [
                column(.bool(ids.map { $0 % 2 == 0 })), column(.bool(ids.map { $0 % 5 == 0 })),
                column(.float(ids.map { Float($0) / 7 })), column(.float(ids.map { -Float($0) })),
                column(.double(ids.map { Double($0) * .pi })), column(.double(ids.map { 1 / Double($0) })),
                column(.int64(ids)),
            ])
        _ = try store.write(view: view, batch: batch, nowMicros: now)
        return store
    }

    /// The little-endian bytes `read` gives for a fixed-width column.
    static func littleEndian(_ values: ColumnValues) -> [UInt8] {
        switch values {
        case .bool(let v): return v.map { $0 ? 1 : 0 }
        case .float(let v): return v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        case .double(let v): return v.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
        default: return []
        }
    }

    @Test(arguments: [StalenessPolicy.serveFlagged, .serveDefault])
    func gatheringFixedWidthFieldsServesWhatReadServes(policy: StalenessPolicy) throws {
        let now: Int64 = 1_000 * Fixtures.second
        let view = Self.fixedView(policy: policy)
        let store = try Self.seeded(view, now: now)
        let keys = (Int64(1)...45).reversed().map { EntityKey(.int64($0)) }
        let fields = Array(view.fields.indices)
        let expected = try store.read(view: view, fieldIndexes: fields, keys: keys, nowMicros: now)
        var checked = 0
        try store.withRows(store.viewTable(view), keys: keys, nowMicros: now) { rows in
            #expect(rows.count == keys.count)
            #expect(rows.eventTimes == expected[0].eventTimes)
            for field in fields {
                #expect(rows.column(field: field) == expected[field])
                guard let width = rows.fixedWidth(ofField: field) else {
                    #expect(view.fields[field].type == .int64)
                    continue
                }
                var statuses = [ValueStatus](repeating: .notFound, count: keys.count)
                var bytes = [UInt8](repeating: 0xAA, count: width * keys.count)
                statuses.withUnsafeMutableBufferPointer { statusBuffer in
                    bytes.withUnsafeMutableBytes { rowsGather(rows, field, statusBuffer, $0) }
                }
                #expect(statuses == expected[field].statuses)
                #expect(bytes == Self.littleEndian(expected[field].values))
                checked += 1
            }
        }
        #expect(checked == 6)
    }

    /// A gather into room sized for a narrower type (a float's 4 bytes for a double field,
    /// as a plan that disagrees with the store would give) traps before writing a value,
    /// in release builds too (an exit test: the child process must die).
    @Test func gatheringIntoRoomOfAnotherWidthTraps() async {
        await #expect(processExitsWith: .failure) {
            let view = Self.fixedView(policy: .serveFlagged)
            let store = try Self.seeded(view, now: 1_000 * Fixtures.second)
            try store.withRows(store.viewTable(view), keys: Fixtures.keys(1, 2), nowMicros: 1_000 * Fixtures.second) { rows in
                var statuses = [ValueStatus](repeating: .notFound, count: 2)
                var bytes = [UInt8](repeating: 0, count: 2 * 4)
                statuses.withUnsafeMutableBufferPointer { statuses in
                    bytes.withUnsafeMutableBytes { rows.gatherFixedWidth(field: 4, statuses: statuses, values: $0) }
                }
            }
        }
    }

    /// A field without a fixed width would leave the statuses unwritten: it traps.
    @Test func gatheringAFieldWithoutAFixedWidthTraps() async {
        await #expect(processExitsWith: .failure) {
            let view = Self.fixedView(policy: .serveFlagged)
            let store = try Self.seeded(view, now: 1_000 * Fixtures.second)
            try store.withRows(store.viewTable(view), keys: Fixtures.keys(1), nowMicros: 1_000 * Fixtures.second) { rows in
                var statuses = [ValueStatus](repeating: .notFound, count: 1)
                var bytes = [UInt8](repeating: 0, count: 8)
                statuses.withUnsafeMutableBufferPointer { statuses in
                    bytes.withUnsafeMutableBytes { rows.gatherFixedWidth(field: 6, statuses: statuses, values: $0) }
                }
            }
        }
    }

    private func rowsGather(_ rows: ViewRows, _ field: Int, _ statuses: UnsafeMutableBufferPointer<ValueStatus>, _ values: UnsafeMutableRawBufferPointer) {
        rows.gatherFixedWidth(field: field, statuses: statuses, values: values)
    }

    @Test func failClosedViewsRefuseStaleRowsBeforeTheBodyRuns() throws {
        let now: Int64 = 1_000 * Fixtures.second
        let view = Self.fixedView(policy: .failClosed)
        let store = try Self.seeded(view, now: now)
        var ran = false
        #expect(throws: SkewlessError.self) {
            try store.withRows(store.viewTable(view), keys: Fixtures.keys(1, 4), nowMicros: now) { _ in ran = true }
        }
        #expect(!ran)
        try store.withRows(store.viewTable(view), keys: Fixtures.keys(1, 2, 44), nowMicros: now) { rows in
            ran = true
            #expect(rows.column(field: 2).statuses == [.present, .present, .notFound])
        }
        #expect(ran)
    }

    @Test func badKeysAndUnknownViewsAreRejected() throws {
        let view = Self.fixedView(policy: .serveFlagged)
        let store = Fixtures.store(view)
        #expect(throws: SkewlessError.self) {
            try store.withRows(store.viewTable(view), keys: [EntityKey([1, "x"])], nowMicros: 0) { _ in }
        }
        #expect(throws: SkewlessError.self) {
            _ = try store.viewTable(Fixtures.scoreView())
        }
    }
}
