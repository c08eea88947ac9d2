import SkewlessModel

/// How a push ended: its totals, and why it stopped early when it did.
package struct PushOutcome: Sendable {
    /// Why a push stopped before the end of its input.
    package enum Failure: Error, Sendable {
        /// The input cannot go on: a CSV header that does not fit the view, a created_time
        /// column, a record too long. Rows before it were pushed.
        case input(InputProblems)
        /// More bad rows than `PushOptions.maxBadRows`; rows before the last were pushed.
        case tooManyBadRows(limit: Int, at: String)
        /// A batch the node refused, or one still failing after `retryFor`.
        case node(SkewlessError, batch: String)
        /// The input could not be read.
        case read(String)
    }

    package var totals: PushTotals
    package var failure: Failure?
    /// Whether it stopped because `interrupt()` was called (rows read before were pushed).
    package var wasInterrupted = false
    /// Bytes of an unfinished last line left unread at an interrupt (never half a row).
    package var unfinishedBytes = 0
    /// When rows may be missing after a failure: "every row before line 812 is stored".
    package var storedBefore: String?
    package var elapsed: Duration = .zero
}
