extension ValueStatus {
    /// The status as every output spells it: the protocol's enum name without its
    /// `VALUE_STATUS_` prefix (`PRESENT`, `NOT_FOUND`, `NULL_VALUE`, `OUTSIDE_TTL`,
    /// `DEFAULTED`). `fsctl get` (table, list and JSON), `fsctl historical`'s status columns,
    /// the Python package and the protocol all use these names, so a status found in one
    /// output can be searched for in the others (docs/operations.md, "Statuses").
    public var name: String {
        switch storage {
        case .present: return "PRESENT"
        case .notFound: return "NOT_FOUND"
        case .nullValue: return "NULL_VALUE"
        case .outsideTTL: return "OUTSIDE_TTL"
        case .defaulted: return "DEFAULTED"
        }
    }
}
