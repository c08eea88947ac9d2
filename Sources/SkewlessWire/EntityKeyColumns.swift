import SkewlessModel

/// The join-key columns of a request, indexed by join key name, with one row count.
///
/// A request carries each join key once; every feature view it touches takes the columns
/// of its own join keys, in its own key order, to build its entity keys.
package struct EntityKeyColumns {
    package let rowCount: Int
    /// In request order. A request carries one to a few join keys: a scan finds one faster
    /// than hashing its name would, and building a dictionary cost every request an allocation.
    private let columns: [Skewless_V1_EntityKeyColumn]

    package init(_ wire: [Skewless_V1_EntityKeyColumn]) throws(SkewlessError) {
        var rowCount: Int?
        // Past a few columns (only a malformed request sends many), a set keeps the check linear.
        var seen: Set<String>? = wire.count > 8 ? [] : nil
        for (index, column) in wire.enumerated() {
            guard !column.joinKey.isEmpty else {
                throw SkewlessError(.invalidArgument, "an entity key column has no join_key name")
            }
            let repeated = seen == nil ? wire[..<index].contains(where: { $0.joinKey == column.joinKey }) : seen?.insert(column.joinKey).inserted == false
            guard !repeated else {
                throw SkewlessError(.invalidArgument, "join key '\(column.joinKey)' is sent twice: send each join key column once")
            }
            if !column.int64Values.isEmpty && !column.stringValues.isEmpty {
                throw SkewlessError(.invalidArgument, "join key '\(column.joinKey)' holds both int64 and string values: a key column has one type")
            }
            let count = max(column.int64Values.count, column.stringValues.count)
            if let rowCount, rowCount != count {
                throw SkewlessError(.invalidArgument, "join key '\(column.joinKey)' has \(count) rows but another key column has \(rowCount): every key column needs one value per entity row")
            }
            rowCount = count
        }
        self.columns = wire
        self.rowCount = rowCount ?? 0
    }

    /// The entity keys of every row for a view whose key is `joinKeys`.
    /// - Parameter view: names the view in errors.
    package func keys(for joinKeys: [JoinKey], view: String) throws(SkewlessError) -> [EntityKey] {
        if joinKeys.count == 1 {
            // One key part per entity (the common case): no intermediate arrays.
            let column = try column(for: joinKeys[0], view: view)
            switch joinKeys[0].type.storage {
            case .int64: return column.int64Values.map { EntityKey(.int64($0)) }
            case .string: return column.stringValues.map { EntityKey(.string($0)) }
            }
        }
        var parts: [[KeyPart]] = []
        parts.reserveCapacity(joinKeys.count)
        for joinKey in joinKeys {
            let column = try column(for: joinKey, view: view)
            switch joinKey.type.storage {
            case .int64: parts.append(column.int64Values.map(KeyPart.int64))
            case .string: parts.append(column.stringValues.map(KeyPart.string))
            }
        }
        return (0..<rowCount).map { row in EntityKey(parts.map { $0[row] }) }
    }

    /// The column of `joinKey`, checked to hold values of its type.
    package func column(for joinKey: JoinKey, view: String) throws(SkewlessError) -> Skewless_V1_EntityKeyColumn {
        guard let column = columns.first(where: { $0.joinKey == joinKey.name }) else {
            let sent = columns.map(\.joinKey).sorted().joined(separator: ", ")
            throw SkewlessError(.invalidArgument, "feature view '\(view)' needs join key '\(joinKey.name)' (\(joinKey.type.rawValue)) but the request sends \(sent.isEmpty ? "no key columns" : "only: \(sent)")")
        }
        switch joinKey.type.storage {
        case .int64 where !column.stringValues.isEmpty:
            throw SkewlessError(.invalidArgument, "join key '\(joinKey.name)' is int64 but the request sends string values")
        case .string where !column.int64Values.isEmpty:
            throw SkewlessError(.invalidArgument, "join key '\(joinKey.name)' is string but the request sends int64 values")
        default:
            return column
        }
    }
}

extension Skewless_V1_EntityKeyColumn {
    /// Builds the key columns for rows of join-key values, in the order the names are given.
    /// - Throws: when a row lacks a key or gives it two types.
    package static func columns(joinKeys: [String], rows: [[String: KeyPart]]) throws(SkewlessError) -> [Skewless_V1_EntityKeyColumn] {
        var result: [Skewless_V1_EntityKeyColumn] = []
        for name in joinKeys {
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = name
            var type: KeyType?
            for (index, row) in rows.enumerated() {
                // The key's parts are copied out before anything can throw: Swift 6.3's release
                // build crashed (CopyPropagation, "Found ownership error") on a borrow of the
                // row's KeyPart that stayed live across the throws and the switch below.
                guard let storage = row[name]?.storage else {
                    throw SkewlessError(.invalidArgument, "entity row \(index) has no value for join key '\(name)'")
                }
                let partType: KeyType
                switch storage {
                case .int64(let v):
                    partType = .int64
                    column.int64Values.append(v)
                case .string(let v):
                    partType = .string
                    column.stringValues.append(v)
                }
                if let type, type != partType {
                    throw SkewlessError(.invalidArgument, "join key '\(name)' is \(type.rawValue) in an earlier row but \(partType.rawValue) in row \(index)")
                }
                type = partType
            }
            result.append(column)
        }
        return result
    }
}
