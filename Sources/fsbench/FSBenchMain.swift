import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// The entry point. Like a latency-tuned inference service, fsbench runs Swift Concurrency
/// on NIO's event loops, so an awaited response resumes on the thread that read it instead
/// of hopping to the global pool. `SKEWLESS_CONCURRENCY_ON_NIO=0` measures the default
/// executor instead. Installing must happen first, on the main thread, before any task runs.
@main
enum FSBenchMain {
    static func main() async {
        if ProcessInfo.processInfo.environment["SKEWLESS_CONCURRENCY_ON_NIO"] != "0" {
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
        await FSBench.main(nil)
    }
}
