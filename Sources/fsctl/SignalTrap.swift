import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the first of some signals (SIGINT, SIGTERM) into a call of a handler, for a
/// command that stops cleanly: the handler asks it to stop, and it finishes its work. A
/// second signal ends the process at once with status 128 + the signal, as an impatient
/// Ctrl-C twice expects.
///
/// The signals are ignored at the process level and watched with dispatch sources, so the
/// handler runs on a dispatch queue, not in a signal handler, and may do anything.
final class SignalTrap {
    private let signals: [Int32]
    private let sources: [any DispatchSourceSignal]

    init(_ signals: [Int32], handler: @escaping @Sendable () -> Void) {
        self.signals = signals
        let count = Mutex(0)
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let received = count.withLock { count in
                    count += 1
                    return count
                }
                guard received == 1 else { exit(128 + number) }
                handler()
            }
            source.resume()
            return source
        }
    }

    /// Stops watching; the signals get their default action again.
    func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
