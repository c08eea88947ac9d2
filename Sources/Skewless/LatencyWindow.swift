import Synchronization

/// The latencies of a client's recent sub-requests and their 95th percentile: the delay
/// after which a hedged read asks a second replica.
///
/// Keeps the last `capacity` samples in a ring and recomputes the percentile every
/// `capacity / 4` samples, so recording costs a lock and a store.
final class LatencyWindow: Sendable {
    private struct State {
        var samples: [Int64]
        var next = 0
        var filled = 0
        var sinceUpdate = 0
        var p95Nanoseconds: Int64?
    }

    private let capacity: Int
    private let state: Mutex<State>
    /// Fewer samples than this: no estimate yet, so no hedging.
    private let minimumSamples: Int

    init(capacity: Int = 512, minimumSamples: Int = 64) {
        self.capacity = capacity
        self.minimumSamples = minimumSamples
        state = Mutex(State(samples: [Int64](repeating: 0, count: capacity)))
    }

    func record(_ latency: Duration) {
        let nanoseconds = latency.nanosecondsClamped
        state.withLock { state in
            state.samples[state.next] = nanoseconds
            state.next = (state.next + 1) % capacity
            state.filled = min(state.filled + 1, capacity)
            state.sinceUpdate += 1
            if state.filled >= minimumSamples && (state.p95Nanoseconds == nil || state.sinceUpdate >= capacity / 4) {
                let sorted = state.samples.prefix(state.filled).sorted()
                state.p95Nanoseconds = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
                state.sinceUpdate = 0
            }
        }
    }

    /// The 95th percentile of the recent samples; nil until there are enough.
    var p95: Duration? {
        state.withLock { $0.p95Nanoseconds }.map { .nanoseconds($0) }
    }
}
