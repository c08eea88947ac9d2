import SkewlessModel

/// What a table of one feature view version needs to know to check requests: the view
/// (fields, TTL, policy) and its join keys. Immutable, so `OnlineStore` checks every
/// request against it before taking the table's lock.
struct TableSchema: Sendable {
    let view: FeatureView
    /// The view's join keys, in key order: every entity key must have one part per join
    /// key, of that key's type.
    let joinKeys: [JoinKey]

    init(view: FeatureView, joinKeys: [JoinKey]) {
        self.view = view
        self.joinKeys = joinKeys
    }

    /// Whether some key of this view can own heap storage (string parts or several parts),
    /// so the table must measure new keys for the footprint.
    var keysOwnHeap: Bool {
        joinKeys.count != 1 || joinKeys.first?.type != .int64
    }

    private var subject: String { "write to feature view '\(view.qualifiedName)'" }

    private var keyShape: String {
        joinKeys.map { "\($0.name) \($0.type.rawValue)" }.joined(separator: ", ")
    }

    /// Checks a batch completely, so that applying it cannot fail halfway.
    ///
    /// Counts match the rows; every key has the view's join-key count and part types;
    /// there is one entry per field and each holds values of the field's type, one per row,
    /// and at most one null flag per row. Embeddings in non-null rows must have the field's
    /// dimension and, when raw, exactly `4 * dimension` bytes; compressed blocks must not be
    /// empty (the wire layer already decoded and checked them). Values in null rows are
    /// placeholders and are not checked beyond their type.
    func validate(_ batch: WriteBatch) throws(SkewlessError) {
        let rows = batch.keys.count
        guard batch.eventTimes.count == rows else {
            throw SkewlessError(.invalidArgument, "\(subject): \(batch.eventTimes.count) event times for \(rows) rows: send one event time per row")
        }
        if let created = batch.createdTimes, created.count != rows {
            throw SkewlessError(.invalidArgument, "\(subject): \(created.count) created times for \(rows) rows: send none (the node stamps now) or one per row")
        }
        guard batch.fields.count == view.fields.count else {
            throw SkewlessError(.invalidArgument, "\(subject): \(batch.fields.count) field entries but the view has \(view.fields.count) fields: send one entry per field in view order (nil for a field null in every row)")
        }
        try validateKeys(batch.keys)
        for (index, field) in view.fields.enumerated() {
            guard let column = batch.fields[index] else { continue }
            try validate(column, of: field, rows: rows)
        }
    }

    /// Checks a read: field indexes exist and keys have the view's join-key count.
    ///
    /// Part types are not checked on the hot path (that would allocate per key): a key of
    /// the wrong types matches no row. The server builds keys from the view's join-key
    /// types, and writes check types, so no such row exists.
    func validateRead(fieldIndexes: [Int], keys: [EntityKey]) throws(SkewlessError) {
        for index in fieldIndexes where !view.fields.indices.contains(index) {
            throw SkewlessError(.invalidArgument, "read of feature view '\(view.qualifiedName)': field index \(index) is out of range 0..<\(view.fields.count): resolve features against the repo that defines this view")
        }
        for (row, key) in keys.enumerated() where key.count != joinKeys.count {
            throw SkewlessError(.invalidArgument, "read of feature view '\(view.qualifiedName)': row \(row)'s entity key \(key) has \(key.count) parts but the view's key has \(joinKeys.count) (\(keyShape)): send one value per join key, in key order")
        }
    }

    private func validateKeys(_ keys: [EntityKey]) throws(SkewlessError) {
        for (row, key) in keys.enumerated() {
            guard key.count == joinKeys.count else {
                throw SkewlessError(.invalidArgument, "\(subject): row \(row)'s entity key \(key) has \(key.count) parts but the view's key has \(joinKeys.count) (\(keyShape)): send one value per join key, in key order")
            }
            for (index, joinKey) in joinKeys.enumerated() where key.part(index).type != joinKey.type {
                let part = key.part(index)
                throw SkewlessError(.invalidArgument, "\(subject): row \(row)'s entity key \(key) gives join key '\(joinKey.name)' a \(part.type.rawValue) value but it is \(joinKey.type.rawValue): send \(joinKey.type.rawValue) values for it")
            }
        }
    }

    private func validate(_ column: FieldValues, of field: Field, rows: Int) throws(SkewlessError) {
        let name = "\(subject): field '\(field.name)'"
        guard column.values.conforms(toKindOf: field.type) else {
            throw SkewlessError(.invalidArgument, "\(name) is \(field.type) but the batch holds \(column.values.typeName) values: send \(field.type) values")
        }
        guard column.values.count == rows else {
            throw SkewlessError(.invalidArgument, "\(name) has \(column.values.count) values for \(rows) rows: send one value per row (any placeholder of the type in null rows)")
        }
        if let nullRows = column.nullRows, nullRows.count != rows {
            throw SkewlessError(.invalidArgument, "\(name) has \(nullRows.count) null flags for \(rows) rows: send none or one per row")
        }
        guard case .embedding(let dimension) = field.type.storage, case .embedding(let embeddings) = column.values else { return }
        for (row, embedding) in embeddings.enumerated() where !(column.nullRows?[row] ?? false) {
            guard embedding.dimension == dimension else {
                throw SkewlessError(.invalidArgument, "\(name) row \(row): the embedding has dimension \(embedding.dimension) but the field is \(field.type): send vectors of dimension \(dimension)")
            }
            if embedding.isCompressed {
                guard !embedding.bytes.isEmpty else {
                    throw SkewlessError(.invalidArgument, "\(name) row \(row): the LZ4 embedding block is empty: encode vectors with EmbeddingCodec.encode")
                }
            } else if embedding.bytes.count != dimension * 4 {
                throw SkewlessError(.invalidArgument, "\(name) row \(row): a raw embedding of dimension \(dimension) needs \(dimension * 4) bytes, got \(embedding.bytes.count): encode vectors with EmbeddingCodec.encode")
            }
        }
    }
}
