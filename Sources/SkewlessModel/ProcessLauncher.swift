import Foundation
import Synchronization

/// Starts child processes one at a time within this process: every launch in the package
/// goes through `run(_:)`, which holds one lock for the length of the launch (not of the
/// child's life).
///
/// Known hazard it does not remove: on Linux, Foundation's `Process.run()` finds the highest
/// open descriptor by reading `/proc/self/fd` and copies each entry's whole 256-byte `d_name`
/// out of glibc's directory buffer. With more than about 1,360 descriptors open the buffer
/// fills, and copying the last entry's name can read past a mapping's end: a segfault in
/// `memcpy` inside `Process.run()`. The test suite peaks above 2,000 descriptors while its
/// parallel tests run, and crashed so about once in ten full runs. Waiting for fewer
/// descriptors does not work (tests holding theirs wait on the launch); the fix is a launcher
/// of our own on `posix_spawn` with `posix_spawn_file_actions_addclosefrom_np`.
package enum ProcessLauncher {
    private static let lock = Mutex(())

    /// `process.run()`, never at the same time as another launch through this type.
    package static func run(_ process: Process) throws {
        try lock.withLock { _ in try process.run() }
    }
}
