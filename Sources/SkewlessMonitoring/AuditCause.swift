/// Why a served value differs from the point-in-time value the offline store gives for
/// the moment it was served (`ServedAudit`, docs/operations.md "Auditing what was served").
package enum AuditCause: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A row that arrived in the offline store after the serve time (created time > T)
    /// changes the value as of T: training sets built now hold a value the model could not
    /// have been served.
    case lateData = "late_data"
    /// The offline store held a newer row at the serve time (created time <= T) that the
    /// node had not loaded: it served an older row, or none.
    case materializationLag = "materialization_lag"
    /// The same row, judged differently against its TTL: the view's staleness policy served
    /// a default where training sets have OUTSIDE_TTL, or the TTL or policy differs between
    /// the node's repo and this one.
    case ttlOrPolicy = "ttl_or_policy"
    /// The node served the field's declared default where training sets have no value
    /// (no row, or a null field): defaults are applied when serving only.
    case defaultApplied = "default_applied"
    /// The node served another version of the view than the one the service reads now.
    case otherVersion = "other_version"
    /// None of the above explains it.
    case unexplained

    /// For people: what happened.
    package var explanation: String {
        switch self {
        case .lateData: return "a row that arrived after the serve time changes the value as of then"
        case .materializationLag: return "the offline store had a newer row at the serve time that the node had not loaded"
        case .ttlOrPolicy: return "the same row judged differently against the TTL (staleness policy, or another TTL or policy in the node's repo)"
        case .defaultApplied: return "the node served the field's default where training sets have no value"
        case .otherVersion: return "the node served another version of the view than the service reads now"
        case .unexplained: return "no known cause"
        }
    }

    package static func < (lhs: AuditCause, rhs: AuditCause) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
