import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The entry point. Like a latency-tuned inference service, fsbench runs Swift Concurrency
/// on NIO's event loops, so an awaited response resumes on the thread that read it instead
/// of hopping to the global pool. `SKEWLESS_CONCURRENCY_ON_NIO=0` measures the default
/// executor instead. Installing must happen first, on the main thread, before any task runs.
/// `FSBENCH_EVENT_LOOPS=N` sizes that group (NIO's default: one loop per core); it shapes
/// how the generator shares the cores with the targets, so keep it equal across runs compared.
@main
enum FSBenchMain {
    static func main() async {
        preciseTimers()
        if let loops = ProcessInfo.processInfo.environment["FSBENCH_EVENT_LOOPS"].flatMap(Int.init), loops > 0 {
            NIOSingletons.groupLoopCountSuggestion = loops
        }
        if ProcessInfo.processInfo.environment["SKEWLESS_CONCURRENCY_ON_NIO"] != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await FSBench.main(nil)
    }

    /// Linux lets a timer fire up to 50 µs late by default (timer slack), which an open loop
    /// would count as latency of every request it sleeps for. Threads inherit the slack of
    /// the thread that starts them, so setting 1 ns here, before NIO starts its threads,
    /// covers them all. Best effort: elsewhere, or if refused, the default stays (the report
    /// shows the generator's lateness either way).
    private static func preciseTimers() {
        #if os(Linux)
        try? "1".write(toFile: "/proc/self/timerslack_ns", atomically: false, encoding: .utf8)
        #endif
    }
}
