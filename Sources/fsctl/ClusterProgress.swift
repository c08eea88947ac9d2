import Foundation
import SkewlessControl

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// How a cluster operation reports progress: one line per step on standard output, and while
/// it waits on nodes, a status line redrawn in place on standard error when that is a
/// terminal (logs and pipes get the step lines alone).
final class ClusterProgress: RebalanceReporter {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var waiting = false

    init() {}

    /// A step begins or ends: "epoch 5: flipped 512 partitions".
    func step(_ text: String) {
        clear()
        print(text)
        fflush(nil)
    }

    /// What a wait stands at, redrawn in place.
    func waiting(_ text: String) {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[K  " + text).utf8))
        waiting = true
    }

    /// Something to know that is not a step: on standard error.
    func warn(_ text: String) {
        clear()
        StandardError.write("warning: \(text)")
    }

    func clear() {
        guard waiting else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        waiting = false
    }
}
