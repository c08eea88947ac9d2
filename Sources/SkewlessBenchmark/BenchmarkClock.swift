import NIOCore
import NIOPosix

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

/// CLOCK_MONOTONIC; sleeps on an event loop's timer.
///
/// `Task.sleep` is not precise enough for an open loop: on Linux it is a `dispatch_after`,
/// whose leeway is a tenth of the delay and at least 1 ms, and whose job then hops from a
/// Dispatch thread to the task's executor. With 64 workers at 2,000 req/s each worker sleeps
/// about 32 ms, so requests went out up to 3 ms late (P99 wake lateness 2 ms on a quiet
/// machine) and every target's P99 measured the generator. An event loop's timer fires
/// within microseconds, on the loop where the worker already runs (the one that read its
/// previous response, for a task preferring the client's executor), so the wake-up needs no
/// other thread.
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
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            loop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(deadline)) { continuation.resume() }
        }
    }
}
