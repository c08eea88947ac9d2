import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

@Suite struct KeyColumnsTests {
    @Test func runBoundsSplitRowsWhereTheKeyChanges() throws {
        let ids = KeyColumns(parts: [.int64([1, 1, 2, 3, 3, 3, 9])])
        #expect(ids.runBounds() == [0, 2, 3, 6, 7])
        #expect(KeyColumns(parts: [.int64([])]).runBounds() == [])
        #expect(KeyColumns(parts: [.int64([5])]).runBounds() == [0, 1])
        let pairs = KeyColumns(parts: [.int64([1, 1, 1, 2, 2]), .string(["a", "a", "b", "b", "b"])])
        #expect(pairs.runBounds() == [0, 2, 3, 5])
        let texts = KeyColumns(parts: [.string(["", "", "é", "e\u{301}"])])
        // Byte-wise, as segments order keys: "é" and "e + combining accent" are two keys.
        #expect(texts.runBounds() == [0, 2, 3, 4])
    }

    @Test func entityKeysAreEveryRowsKey() {
        for columns in [
            KeyColumns(parts: [.int64([1, 1, 2])]), KeyColumns(parts: [.string(["x", "y"])]),
            KeyColumns(parts: [.int64([1, 2]), .string(["a", "b"])]),
        ] {
            #expect(columns.entityKeys() == (0..<columns.count).map { columns.key(at: $0) })
        }
    }

    @Test func aPrefixIsTheGatherOfTheFirstRows() throws {
        let view = Fixtures.allTypesView
        var rows = SegmentRows(schema: Fixtures.schema(view))
        for row in 0..<9 {
            let values = view.fields.map { row % 3 == 1 ? nil : Fixtures.value($0.type, seed: row) }
            try rows.append(key: EntityKey(.int64(Int64(row))), eventTime: Int64(row), createdTime: 0, values: values, row: row)
        }
        for count in [0, 1, 5, 9] {
            let prefix = rows.prefix(count), gathered = rows.gathered(Array(0..<count))
            #expect(prefix.keys == gathered.keys && prefix.eventTimes == gathered.eventTimes && prefix.createdTimes == gathered.createdTimes)
            #expect(prefix.fields.map(\.values) == gathered.fields.map(\.values))
            #expect(prefix.fields.map(\.nullRows) == gathered.fields.map(\.nullRows))
        }
    }
}
