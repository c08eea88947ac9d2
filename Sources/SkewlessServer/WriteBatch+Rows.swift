import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire

extension WriteBatch {
    /// The rows `rows` of the batch, in that order.
    func gathered(_ rows: [Int]) -> WriteBatch {
        WriteBatch(
            keys: rows.map { keys[$0] },
            eventTimes: rows.map { eventTimes[$0] },
            createdTimes: createdTimes.map { times in rows.map { times[$0] } },
            fields: fields.map { field in
                field.map { FieldValues(values: $0.values.gathered(rows), nullRows: $0.nullRows.map { nulls in rows.map { nulls[$0] } }) }
            })
    }
}

extension Skewless_V1_EntityKeyColumn {
    /// One column per join key (in key order) holding `keys`' parts.
    static func columns(keys: [EntityKey], joinKeys: [JoinKey]) -> [Skewless_V1_EntityKeyColumn] {
        joinKeys.enumerated().map { position, joinKey in
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = joinKey.name
            for key in keys {
                switch key.parts[position].storage {
                case .int64(let value): column.int64Values.append(value)
                case .string(let value): column.stringValues.append(value)
                }
            }
            return column
        }
    }
}
