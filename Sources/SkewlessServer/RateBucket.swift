import Synchronization

/// One principal's token bucket, shared by its connections on every event loop, as a single
/// atomic (the generic cell rate algorithm): `due` is when the bucket would next be full to
/// the brim of one request; a request at `now` is admitted when taking it keeps `due` within
/// `tolerance` of `now`. One compare-and-swap per request, no lock.
final class RateBucket: Sendable {
    /// Nanoseconds one request adds.
    private let interval: Int64
    /// How far ahead of `now` `due` may run: (burst - 1) requests.
    private let tolerance: Int64
    private let due = Atomic<Int64>(0)

    init(requestsPerSecond: Int, burst: Int) {
        interval = max(1, 1_000_000_000 / Int64(max(1, requestsPerSecond)))
        tolerance = interval * Int64(max(1, burst) - 1)
    }

    /// Takes one request at `nowNanos` (a monotonic clock); false when the bucket is empty.
    func take(nowNanos: Int64) -> Bool {
        var current = due.load(ordering: .relaxed)
        while true {
            let start = max(current, nowNanos)
            guard start - nowNanos <= tolerance else { return false }
            let (exchanged, original) = due.compareExchange(expected: current, desired: start + interval, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Seconds until one more request would be admitted, rounded up to milliseconds.
    func retryAfterMilliseconds(nowNanos: Int64) -> Int64 {
        max(1, (due.load(ordering: .relaxed) - tolerance - nowNanos + 999_999) / 1_000_000)
    }
}
