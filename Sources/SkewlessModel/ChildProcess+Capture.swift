#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension ChildProcess {
    /// What a program run to its end wrote, and how it ended.
    package struct Captured: Sendable, Hashable {
        package var termination: Termination
        /// Its standard output (and its standard error, when they were merged).
        package var standardOutput: [UInt8]
        /// Its standard error; empty when it was merged into `standardOutput`.
        package var standardError: [UInt8]

        /// `standardOutput` as UTF-8 text (malformed bytes replaced).
        package var output: String { String(decoding: standardOutput, as: UTF8.self) }
        /// `standardError` as UTF-8 text (malformed bytes replaced).
        package var errors: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs a program to its end, blocking the calling thread, and returns what it wrote to
    /// its standard output and error (each through a pipe; `configuration`'s own output and
    /// error are not used) and how it ended. Both pipes are read as the program writes them,
    /// so it never stalls on a full pipe, until both reach their end; only then does this
    /// wait for it.
    /// - Parameter mergingErrors: whether standard error goes into the same pipe as standard
    ///   output, interleaved as written (`2>&1`).
    /// - Throws: `SkewlessError` when it cannot be started (see `spawn(_:)`), or when reading
    ///   its output fails (it is then killed and waited for).
    package static func run(_ configuration: Configuration, mergingErrors: Bool = false) throws(SkewlessError) -> Captured {
        var configuration = configuration
        let output = try makePipe()
        let errors: (read: Int32, write: Int32)?
        do {
            errors = try mergingErrors ? nil : makePipe()
        } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        defer {
            close(output.read)
            if let errors { close(errors.read) }
        }
        configuration.standardOutput = .descriptor(output.write)
        configuration.standardError = .descriptor(errors?.write ?? output.write)
        let child: ChildProcess
        do {
            child = try spawn(configuration)
        } catch {
            close(output.write)
            if let errors { close(errors.write) }
            throw error
        }
        // The child has its copies: this process's write ends must go, or no read would end.
        close(output.write)
        if let errors { close(errors.write) }

        let read: [[UInt8]]
        do {
            read = try readToEnd([output.read] + (errors.map { [$0.read] } ?? []), of: configuration.executable)
        } catch {
            child.kill()
            _ = child.waitUntilExit()
            throw error
        }
        return Captured(termination: child.waitUntilExit(), standardOutput: read[0], standardError: read.count > 1 ? read[1] : [])
    }

    /// `run(_:mergingErrors:)` on a thread of its own, so that no task's thread blocks while
    /// the program runs: on a machine with few cores, a few tasks blocked in `run` stall
    /// every other task of the process.
    package static func run(_ configuration: Configuration, mergingErrors: Bool = false) async throws(SkewlessError) -> Captured {
        let outcome: Result<Captured, SkewlessError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: Result { () throws(SkewlessError) in try run(configuration, mergingErrors: mergingErrors) })
            }
        }
        return try outcome.get()
    }

    /// Everything written into each of `descriptors` (read ends of pipes) until each reaches
    /// its end, read as it comes with `poll`, so none of the writers ever waits on a full pipe.
    private static func readToEnd(_ descriptors: [Int32], of executable: String) throws(SkewlessError) -> [[UInt8]] {
        var contents = [[UInt8]](repeating: [], count: descriptors.count)
        var waiting = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var open = descriptors.count
        while open > 0 {
            guard poll(&waiting, nfds_t(waiting.count), -1) >= 0 else {
                if errno == EINTR { continue }
                throw SkewlessError(.internal, "cannot wait for the output of \(executable): \(describe(errno))")
            }
            for index in waiting.indices where waiting[index].fd >= 0 && waiting[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(waiting[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    contents[index] += buffer[..<count]
                } else if count == 0 {
                    waiting[index].fd = -1  // Its end: poll skips negative descriptors.
                    open -= 1
                } else if errno != EINTR && errno != EAGAIN {
                    throw SkewlessError(.internal, "cannot read the output of \(executable): \(describe(errno))")
                }
            }
        }
        return contents
    }
}
