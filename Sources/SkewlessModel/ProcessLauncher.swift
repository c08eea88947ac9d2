import Foundation
import Synchronization

/// Starts child processes one at a time within this process.
///
/// Foundation's `Process.run()` on Linux is not safe to call from several threads at once:
/// the test suite, which starts nodes, fsctl, Redis and etcd from tests running in parallel,
/// crashed in a `memcpy` inside `Process.run()` (a bad pointer dereference) when two launches
/// met. Every launch in the package goes through `run(_:)`, which holds one lock for the
/// length of the launch (not of the child's life).
package enum ProcessLauncher {
    private static let lock = Mutex(())

    /// `process.run()`, never at the same time as another launch through this type.
    package static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
