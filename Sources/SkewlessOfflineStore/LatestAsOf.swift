import SkewlessModel

/// The one definition of "the latest row as of T" (docs/point-in-time.md), shared by
/// historical retrieval and materialization so that they cannot diverge.
///
/// For one entity of one view, the row as of T is, among the rows with event time <= T (and,
/// `asOfKnownTime`, created time <= T), the latest by (event time, created time), and of
/// rows equal in both, the one written last. It is fresh when its event time >= T - TTL
/// (exactly at the TTL it is still fresh, as the online store serves it); otherwise the
/// entity's value at T is outside the TTL.
///
/// Rows of one entity are stored in (event time, created time, write order) order, so the
/// row as of T is the last eligible row of the entity's run of rows.
package struct LatestAsOf: Sendable, Hashable {
    /// Microseconds since the epoch.
    package var time: Int64
    package var ttlMicros: Int64
    /// Also require created time <= T, so that values written later (late corrections,
    /// backfills) are not seen as of T.
    package var asOfKnownTime: Bool

    package init(time: Int64, ttlMicros: Int64, asOfKnownTime: Bool = false) {
        self.time = time
        self.ttlMicros = ttlMicros
        self.asOfKnownTime = asOfKnownTime
    }

    /// Whether a row may be the row as of T.
    @inline(__always)
    package func isEligible(eventTime: Int64, createdTime: Int64) -> Bool {
        eventTime <= time && (!asOfKnownTime || createdTime <= time)
    }

    /// Whether the chosen row is within the TTL at T: `eventTime >= T - TTL`.
    @inline(__always)
    package func isFresh(eventTime: Int64) -> Bool {
        eventTime >= time &- ttlMicros
    }

    /// The row as of T among `run`, the rows of one entity in stored order: the last
    /// eligible one, or nil when none is.
    @inline(__always)
    func latest(in run: Range<Int>, eventTimes: UnsafeBufferPointer<Int64>, createdTimes: UnsafeBufferPointer<Int64>) -> Int? {
        // The first row with event time > T (event times ascend within a run) ...
        var low = run.lowerBound, high = run.upperBound
        while low < high {
            let middle = (low + high) >> 1
            if eventTimes[middle] <= time { low = middle + 1 } else { high = middle }
        }
        // ... and before it, the last eligible row.
        var row = low - 1
        while row >= run.lowerBound {
            if isEligible(eventTime: eventTimes[row], createdTime: createdTimes[row]) { return row }
            row -= 1
        }
        return nil
    }

    /// A row chosen in one piece of a view (a segment, or a row group of it), with what orders
    /// it against rows chosen in other pieces: the latest by (event time, created time), then
    /// the later segment, then the later position.
    struct Candidate: Sendable, Hashable {
        var eventTime: Int64
        var createdTime: Int64
        var segment: Int32
        var group: Int32
        var row: Int32

        @inline(__always)
        func isLater(than other: Candidate) -> Bool {
            (eventTime, createdTime, segment, group, row) > (other.eventTime, other.createdTime, other.segment, other.group, other.row)
        }
    }
}
