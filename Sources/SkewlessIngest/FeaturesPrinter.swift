import SkewlessModel

/// Prints what `fsctl get` fetched: as a table (one row per entity), as a list (one block
/// per entity, one line per feature, with the age of its event time), or as JSON.
package enum FeaturesPrinter {
    /// One line per entity; columns for the join keys, then one per feature under its
    /// shortest unambiguous name.
    package static func table(_ entities: [FetchedEntity]) -> TablePrinter {
        let keyNames = orderedKeyNames(entities)
        let featureNames = entities.first?.features.map(\.name) ?? []
        let headers = keyNames + shortNames(featureNames)
        let rows = entities.map { entity in
            keyNames.map { name in entity.keys.first { $0.name == name }.map { $0.value.description } ?? "" }
                + entity.features.map { ValueFormatter.cell($0.value, status: $0.status) }
        }
        return TablePrinter(headers: headers, rows: rows)
    }

    /// A block per entity:
    ///
    ///     user_id=1 merchant_id=m-1
    ///       user_transactions:txn_count_1h   3              event 12m ago
    ///       merchant_risk:risk_score         0 (defaulted)
    package static func list(_ entities: [FetchedEntity], now: Int64) -> String {
        entities.map { entity in
            let title = entity.keys.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            let names = viewQualifiedNames(entity.features.map(\.name))
            let rows = zip(names, entity.features).map { name, feature in
                [name, ValueFormatter.cell(feature.value, status: feature.status), feature.eventTime.map { "event \(TimeSyntax.age(micros: now - $0)) ago" } ?? ""]
            }
            return title + "\n" + TablePrinter(rows: rows, indent: 2).render()
        }.joined(separator: "\n\n")
    }

    /// `[{"entity": {...}, "features": {"view@1:field": {"value": ..., "status": ..., "event_time": ...}}}]`
    package static func json(_ entities: [FetchedEntity]) -> JSONValue {
        .array(entities.map { entity in
            .object([
                JSONValue.Member("entity", .object(entity.keys.map { JSONValue.Member($0.name, ValueFormatter.json($0.value)) })),
                JSONValue.Member("features", .object(entity.features.map { feature in
                    JSONValue.Member(feature.name, .object([
                        JSONValue.Member("value", feature.value.map(ValueFormatter.json) ?? .null),
                        JSONValue.Member("status", .string(ValueFormatter.statusName(feature.status))),
                        JSONValue.Member("event_time", feature.eventTime.map { .integer($0) } ?? .null),
                    ]))
                })),
            ])
        })
    }

    /// The join key names of all entities, in order of first appearance.
    private static func orderedKeyNames(_ entities: [FetchedEntity]) -> [String] {
        var names: [String] = []
        for entity in entities {
            for key in entity.keys where !names.contains(key.name) { names.append(key.name) }
        }
        return names
    }

    /// `field` where no other feature has that field name, else `view:field` where that is
    /// unique, else `view@version:field`.
    static func shortNames(_ names: [String]) -> [String] {
        let fields = names.map(fieldName)
        let unversioned = viewQualifiedNames(names)
        return names.indices.map { index in
            if fields.filter({ $0 == fields[index] }).count == 1 { return fields[index] }
            return unversioned[index]
        }
    }

    /// `view:field` where that is unique, else `view@version:field`.
    static func viewQualifiedNames(_ names: [String]) -> [String] {
        let unversioned = names.map(withoutVersion)
        return names.indices.map { index in
            unversioned.filter { $0 == unversioned[index] }.count == 1 ? unversioned[index] : names[index]
        }
    }

    private static func fieldName(_ name: String) -> String {
        name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name
    }

    private static func withoutVersion(_ name: String) -> String {
        guard let at = name.firstIndex(of: "@"), let colon = name.lastIndex(of: ":"), at < colon else { return name }
        return String(name[..<at]) + String(name[colon...])
    }
}
