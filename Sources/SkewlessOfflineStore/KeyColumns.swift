import SkewlessModel

/// The entity keys of rows, one `KeyColumn` per join key, in the view's key order.
package struct KeyColumns: Sendable, Hashable {
    package var parts: [KeyColumn]

    package init(parts: [KeyColumn]) {
        self.parts = parts
    }

    package init(joinKeys: [JoinKey]) {
        parts = joinKeys.map { KeyColumn.empty($0.type) }
    }

    /// Keys as columns; each key must have one part per join key, of its type.
    package init(_ keys: [EntityKey], joinKeys: [JoinKey]) throws(SkewlessError) {
        self.init(joinKeys: joinKeys)
        for (row, key) in keys.enumerated() {
            try append(key, row: row)
        }
    }

    package var count: Int { parts.first?.count ?? 0 }

    package func key(at row: Int) -> EntityKey {
        parts.count == 1 ? EntityKey(parts[0].part(at: row)) : EntityKey(parts.map { $0.part(at: row) })
    }

    /// Appends a key, checking its shape; `row` is for the error message.
    package mutating func append(_ key: EntityKey, row: Int) throws(SkewlessError) {
        let keyParts = key.parts
        guard keyParts.count == parts.count else {
            throw SkewlessError(.invalidArgument, "row \(row): entity key \(key) has \(keyParts.count) parts but the view's key has \(parts.count): give one value per join key, in key order")
        }
        for (index, part) in keyParts.enumerated() {
            guard part.type == parts[index].type else {
                throw SkewlessError(.invalidArgument, "row \(row): part \(index + 1) of entity key \(key) is \(part.type.rawValue) but the join key is \(parts[index].type.rawValue)")
            }
        }
        for (index, part) in keyParts.enumerated() {
            parts[index].append(part)
        }
    }

    mutating func append(from other: KeyColumns, row: Int) {
        for index in parts.indices {
            parts[index].append(from: other.parts[index], row: row)
        }
    }

    func gathered(_ rows: [Int]) -> KeyColumns {
        KeyColumns(parts: parts.map { $0.gathered(rows) })
    }

    func slice(_ range: Range<Int>) -> KeyColumns {
        KeyColumns(parts: parts.map { $0.slice(range) })
    }

    /// -1, 0 or 1 as the key of `row` orders before, equal to or after `otherRow`'s in `other`.
    func compare(_ row: Int, with other: KeyColumns, _ otherRow: Int) -> Int {
        for index in parts.indices {
            let order = parts[index].compare(row, with: other.parts[index], otherRow)
            if order != 0 { return order }
        }
        return 0
    }
}
