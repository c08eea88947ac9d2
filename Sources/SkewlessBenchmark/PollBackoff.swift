/// How long a freshness probe waits between two reads of a replica that has not served the
/// written value yet: `base` at first, then a fiftieth of the time since the write was sent,
/// at most `cap`. The first milliseconds, where the goals lie (5 and 10 ms), are resolved
/// to `base` plus a read; a replica that lags by seconds, or never gets the row (a write
/// path that does not replicate), is read a few dozen times a second instead of thousands,
/// so it does not drown the node and the writer in reads.
package struct PollBackoff: Sendable, Hashable {
    /// Nanoseconds.
    package let base: UInt64
    /// Nanoseconds.
    package let cap: UInt64

    package init(base: UInt64, cap: UInt64 = 20_000_000) {
        self.base = base
        self.cap = max(base, cap)
    }

    /// The pause before the next read, `elapsed` nanoseconds after the send.
    package func pause(after elapsed: UInt64) -> UInt64 {
        max(base, min(elapsed / 50, cap))
    }
}
