import NIOCore
import Synchronization

/// The idempotency keys this node accepted lately, per view version: a retry of a batch the
/// node logged (the client timed out, or lost the connection) is recognised and not logged
/// again. Each entry is the future acceptance time of the original, so a retry that arrives
/// while the original is still being synced waits for it rather than acknowledging early.
///
/// Entries are kept for the store's deduplication window and at most `capacity` of them;
/// retries that reach another node, or come after a restart, are recognised by the offline
/// store's readers instead (docs/write-log.md, "Exactly once").
final class IdempotencyIndex: Sendable {
    struct Key: Hashable, Sendable {
        var view: String
        var idempotencyKey: [UInt8]
    }

    /// What a key was first accepted with: its acceptance time (once durable) and a
    /// fingerprint of its rows (`WriteCoordinator.fingerprint`), so a key sent again with other
    /// rows is refused instead of being taken for a retry.
    struct Original: Sendable {
        var accepted: EventLoopFuture<Int64>
        var fingerprint: UInt64
    }

    private struct State {
        var accepted: [Key: Original] = [:]
        /// Keys in the order they were inserted, from `head` on (the rest are forgotten).
        var order: [(key: Key, insertedMicros: Int64)] = []
        var head = 0
    }

    private let state = Mutex(State())
    private let windowMicros: Int64
    private let capacity: Int

    init(windowMicros: Int64, capacity: Int = 1_000_000) {
        self.windowMicros = windowMicros
        self.capacity = capacity
    }

    /// The original if `key` was seen; otherwise records `original` for it and returns nil.
    func claim(_ key: Key, _ original: Original, nowMicros: Int64) -> Original? {
        state.withLock { state in
            if let original = state.accepted[key] { return original }
            while state.head < state.order.count,
                state.order[state.head].insertedMicros < nowMicros - windowMicros || state.order.count - state.head >= capacity
            {
                state.accepted[state.order[state.head].key] = nil
                state.head += 1
            }
            if state.head > 4_096, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            state.accepted[key] = original
            state.order.append((key, nowMicros))
            return nil
        }
    }

    /// Forgets a key whose batch was not logged (the log failed), so a retry logs it.
    func release(_ key: Key) {
        state.withLock { _ = $0.accepted.removeValue(forKey: key) }
    }
}
