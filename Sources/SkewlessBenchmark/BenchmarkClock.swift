#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Time as the load driver sees it, in nanoseconds. Tests drive the driver with a simulated
/// clock; runs use `MonotonicClock`.
package protocol BenchmarkClock: Sendable {
    func now() -> UInt64
    /// Returns at or after `deadline` (immediately when it has passed).
    func sleep(until deadline: UInt64) async
}

/// CLOCK_MONOTONIC; sleeps with `Task.sleep` (timerfd-backed on NIO's event loops).
package struct MonotonicClock: BenchmarkClock {
    package init() {}

    package func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    package func sleep(until deadline: UInt64) async {
        let current = now()
        guard deadline > current else { return }
        try? await Task.sleep(nanoseconds: deadline - current)
    }
}
