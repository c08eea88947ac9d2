import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor (a file, or standard input: a pipe or a terminal) one chunk per
/// request, on a thread of its own.
///
/// Why a thread: a read of a pipe blocks until the producer writes, possibly for hours, and
/// a blocked read must not hold one of Swift's cooperative threads (two on a 2-core
/// machine). The thread waits in `poll` with a short timeout, so `stop()` ends it within
/// `pollInterval` however long the producer is silent, and the owner can wait for it.
///
/// One chunk per request is the back-pressure: nothing is read until the consumer asks,
/// so a consumer that stops asking stops the reading, and a pipe's producer blocks.
///
/// With `follow`, the end of a regular file is not the end: the thread polls the file every
/// `pollInterval` for more, like `tail -f`, until stopped.
package final class FileDescriptorReader: Sendable {
    package enum Chunk: Sendable {
        case bytes([UInt8])
        /// The end of the input (never with `follow`).
        case end
        case failed(String)
    }

    private let descriptor: Int32
    private let follow: Bool
    private let pollInterval: Duration
    private let chunkBytes: Int
    private let requests = DispatchSemaphore(value: 0)
    private let isStopped = Atomic<Bool>(false)
    /// Whether the thread ended, and who waits for it.
    private let exit = Mutex<(ended: Bool, started: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, false, nil))

    /// - Parameters:
    ///   - descriptor: an open descriptor; the owner closes it after `stop()`.
    ///   - follow: at the end of the file, wait for it to grow instead of ending.
    package init(descriptor: Int32, follow: Bool = false, pollInterval: Duration = .milliseconds(50), chunkBytes: Int = 64 << 10) {
        self.descriptor = descriptor
        self.follow = follow
        self.pollInterval = pollInterval
        self.chunkBytes = max(1, chunkBytes)
    }

    /// Starts the thread; each `request()` then makes it deliver one chunk to `deliver`.
    package func start(deliver: @escaping @Sendable (Chunk) -> Void) {
        exit.withLock { $0.started = true }
        let thread = Thread { [self] in
            run(deliver: deliver)
            let waiter = exit.withLock { state in
                state.ended = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        thread.name = "skewless-input"
        thread.start()
    }

    /// Asks for the next chunk.
    package func request() {
        requests.signal()
    }

    /// Ends the thread (a read in progress is delivered or dropped) and waits for it.
    package func stop() async {
        isStopped.store(true, ordering: .releasing)
        requests.signal()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = exit.withLock { state in
                if state.ended || !state.started { return true }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private var stopped: Bool { isStopped.load(ordering: .acquiring) }

    private func run(deliver: @Sendable (Chunk) -> Void) {
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        let pollMillis = Int32(max(1, min(100, pollInterval.components.seconds * 1000 + pollInterval.components.attoseconds / 1_000_000_000_000_000)))
        while !stopped {
            requests.wait()
            reading: while !stopped {
                var descriptors = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&descriptors, 1, pollMillis)
                if ready < 0 {
                    if errno == EINTR { continue }
                    deliver(.failed(String(cString: strerror(errno))))
                    return
                }
                if ready == 0 { continue }  // nothing yet: look at `stopped` again
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    deliver(.bytes(Array(buffer[0..<count])))
                    break reading
                }
                if count == 0 {
                    guard follow else {
                        deliver(.end)
                        return
                    }
                    // A regular file is always "ready": wait for it to grow.
                    usleep(useconds_t(pollMillis) * 1000)
                    continue
                }
                if errno == EINTR || errno == EAGAIN { continue }
                deliver(.failed(String(cString: strerror(errno))))
                return
            }
        }
    }
}
