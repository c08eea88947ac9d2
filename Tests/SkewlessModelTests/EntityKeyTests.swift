import Testing
@testable import SkewlessModel

@Suite struct EntityKeyTests {
    static let keys: [EntityKey] = [
        EntityKey(.int64(0)), EntityKey(.int64(-1)), EntityKey(.int64(.min)), EntityKey(.int64(.max)),
        EntityKey(.string("")), EntityKey(.string("0")), EntityKey(.string("a string long enough for the heap")),
        EntityKey([.int64(0), .string("")]), EntityKey([.string(""), .int64(0)]), EntityKey([.int64(1), .int64(2)]),
    ]

    @Test func equalKeysHashAlikeWhicheverWayTheyWereBuilt() {
        for key in Self.keys {
            let rebuilt = EntityKey(key.parts)
            #expect(rebuilt == key)
            #expect(rebuilt.hashValue == key.hashValue)
            #expect(rebuilt._rawHashValue(seed: 42) == key._rawHashValue(seed: 42))
        }
        // A single int64 key hashes as its Int64 does.
        #expect(EntityKey(.int64(7))._rawHashValue(seed: 3) == Int64(7)._rawHashValue(seed: 3))
    }

    @Test func aDictionaryFindsEveryKindOfKey() {
        var index: [EntityKey: Int] = [:]
        let many = (0..<20_000).map { EntityKey(.int64(Int64($0) << 20)) } + Self.keys.dropFirst(4)
        for (slot, key) in many.enumerated() {
            #expect(index.updateValue(slot, forKey: key) == nil)
        }
        #expect(index.count == many.count)
        for (slot, key) in many.enumerated() {
            #expect(index[key] == slot)
        }
        #expect(index[EntityKey(.int64(1))] == nil)
        #expect(index[EntityKey([.int64(0), .string("x")])] == nil)
    }

    @Test func partsAreReadWithoutTheArray() {
        for key in Self.keys {
            #expect((0..<key.count).map { key.part($0) } == key.parts)
        }
    }
}
