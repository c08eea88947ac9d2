import SkewlessModel

extension ServedAudit {
    /// The cause of a served cell's difference from what the offline store gives for its
    /// serve time T, or nil when they match (docs/operations.md, "Auditing what was served").
    ///
    /// - Parameters:
    ///   - served: what the node served.
    ///   - known: the point-in-time value at T of the view version the service reads now,
    ///     as of known time: only rows created at or before T (what the store knew then).
    ///   - pointInTime: the same without the known-time rule: what a training set built
    ///     now holds for T.
    ///   - otherVersion: the node served another version of the view than `known` is of.
    static func classify(served: AuditCell, known: AuditCell, pointInTime: AuditCell, otherVersion: Bool) -> AuditCause? {
        if otherVersion {
            return served.matches(known) ? nil : .otherVersion
        }
        if served.matches(known) {
            // Served as the store knew it; a row that arrived later changes training sets.
            return known.matches(pointInTime) ? nil : .lateData
        }
        let servedTime = served.eventTime ?? 0
        if let knownTime = known.eventTime, servedTime < knownTime {
            // The store had a newer row (created <= T) than the node served: not loaded.
            return .materializationLag
        }
        if servedTime > (known.eventTime ?? 0) {
            // The node served a row the store records as arriving after T (its node's clock
            // was ahead of the serving node's).
            return pointInTime.eventTime == servedTime ? .lateData : .unexplained
        }
        // The same row (or none on both sides), served under other rules.
        switch (served.status, known.status) {
        case (.defaulted, .notFound), (.defaulted, .nullValue):
            return .defaultApplied
        case (.defaulted, .outsideTTL), (.defaulted, .present), (.present, .outsideTTL), (.outsideTTL, .present),
            (.nullValue, .outsideTTL), (.outsideTTL, .nullValue):
            return .ttlOrPolicy
        default:
            return .unexplained
        }
    }
}
