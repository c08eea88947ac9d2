import SkewlessModel

/// One feature of one entity row at one time, as served or as the offline store gives it
/// point in time: its status, its value (nil when the status carries none) and the event
/// time of the row it came from (nil when there is none).
package struct AuditCell: Sendable, Hashable {
    package var status: ValueStatus
    package var value: FeatureValue?
    package var eventTime: Int64?

    package init(status: ValueStatus, value: FeatureValue?, eventTime: Int64?) {
        self.status = status
        self.value = value
        self.eventTime = eventTime
    }

    /// Whether a served cell and a point-in-time cell say the same: the same status and
    /// row (event time), and the same value where both carry one. A stale row served
    /// flagged (OUTSIDE_TTL, with its value) matches OUTSIDE_TTL in a training set (no
    /// value), as docs/point-in-time.md defines the correspondence; a default never matches,
    /// training sets have none.
    package func matches(_ other: AuditCell) -> Bool {
        guard status == other.status, eventTime == other.eventTime else { return false }
        guard let value, let otherValue = other.value else { return true }
        return Self.same(value, otherValue)
    }

    /// Equal values, floats by bit pattern (so NaN equals NaN).
    static func same(_ a: FeatureValue, _ b: FeatureValue) -> Bool {
        switch (a.storage, b.storage) {
        case (.float(let x), .float(let y)): return x.bitPattern == y.bitPattern
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.embedding(let x), .embedding(let y)): return x.map(\.bitPattern) == y.map(\.bitPattern)
        default: return a == b
        }
    }
}
