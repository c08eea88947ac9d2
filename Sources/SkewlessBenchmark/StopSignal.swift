import Synchronization

/// Tells a running write stream to stop sending: set once by whoever started it, read by
/// its workers before each batch. It keeps the time it was set, so the stream's elapsed
/// time ends there rather than when its last worker wakes from waiting for a batch that
/// would have been due later.
package final class StopSignal: Sendable {
    private let stoppedAt = Atomic<UInt64>(0)

    package init() {}

    /// - Parameter time: now on the stream's clock (at least 1).
    package func stop(at time: UInt64) {
        stoppedAt.store(max(1, time), ordering: .relaxed)
    }

    package var isStopped: Bool { stoppedAt.load(ordering: .relaxed) != 0 }

    /// When it was set; nil while it was not.
    package var time: UInt64? {
        let time = stoppedAt.load(ordering: .relaxed)
        return time == 0 ? nil : time
    }
}
