#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSkewlessSpawn
import Synchronization

/// A program started with `posix_spawn`: the one way Skewless starts child processes
/// (fsbench's redis-server, the etcd of the control-plane tests, fsnode and fsctl in the
/// multi-process tests). `spawn(_:)` starts one (ChildProcess+Spawn.swift); `run(_:)` runs
/// one to its end and returns what it wrote (ChildProcess+Capture.swift).
///
/// Why not Foundation's `Process`: on Linux its `run()` finds the highest open descriptor by
/// reading `/proc/self/fd`, copying each entry's whole 256-byte `d_name` out of glibc's
/// 32 KiB directory buffer. With more than about 1,360 descriptors open the buffer fills, and
/// copying the last entry's name can read past the end of a mapping: a segfault in `memcpy`
/// inside `Process.run()`. The test suite holds over 2,000 descriptors while its parallel
/// tests run, and crashed so about once in ten to twenty full runs; no lock around the launch
/// helps, as the descriptors are not the launcher's. Here the child closes every descriptor
/// from 3 up in one file action (`posix_spawn_file_actions_addclosefrom_np`, `close_range` in
/// the child) after `dup2` has set its three standard streams: nothing reads `/proc`, and the
/// child inherits nothing else, however many descriptors this process holds.
///
/// The child starts with no signal blocked and every signal's action at its default
/// (`POSIX_SPAWN_SETSIGMASK`, `POSIX_SPAWN_SETSIGDEF`): an ignored SIGPIPE (SwiftNIO ignores
/// it) would otherwise carry over, and a shell pipeline in the child whose reader had quit
/// would go on writing into nothing.
///
/// Its status is collected (`waitid`) by `isRunning`, `termination`, `waitUntilExit()`
/// (blocks the calling thread) or `wait()` (async: polls, holding no thread). Until then the
/// pid stays this child's (a zombie once it has exited), so `terminate()`, `kill()` and
/// `send(_:)` can never signal another process that reused the number; after, they do nothing.
/// Wait for every child (its zombie otherwise stays until this process ends or this object
/// goes, whichever comes first after it exits).
package final class ChildProcess: Sendable {
    /// The child's process id.
    package let pid: pid_t
    /// The program it runs, as configured (for messages).
    package let executable: String
    private let state = Mutex(State())

    /// What is known of the child's end; changed only under the lock.
    private struct State {
        /// How it ended, once collected.
        var termination: Termination?
        /// Whether its pid was released (waited for without `WNOWAIT`): the number may then
        /// name another process, so no signal and no wait may use it.
        var released = false
        /// Threads blocked in `waitUntilExit()`'s `waitid(WNOWAIT)`. While there are any the
        /// pid is not released: one of them could otherwise start waiting on a number that a
        /// new child of this process had just been given.
        var blockedWaiters = 0
    }

    init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    deinit {
        // Releases the pid of a child that has exited and was never waited for. One still
        // running stays a zombie after it exits, until this process ends.
        state.withLock { collect(&$0) }
    }

    /// Whether the child has not exited yet (collecting its status when it has).
    package var isRunning: Bool { termination == nil }

    /// How the child ended, or nil while it runs. Does not block.
    package var termination: Termination? {
        state.withLock { state in
            collect(&state)
            return state.termination
        }
    }

    /// Sends `signal` (SIGINT, SIGSTOP, SIGCONT...) to the child.
    /// - Returns: whether it was sent: false once the child's status has been collected.
    @discardableResult
    package func send(_ signal: Int32) -> Bool {
        state.withLock { state in
            guard !state.released else { return false }
            return sendSignal(signal, to: pid)
        }
    }

    /// SIGTERM: asks the child to stop.
    @discardableResult
    package func terminate() -> Bool { send(SIGTERM) }

    /// SIGKILL: stops the child at once.
    @discardableResult
    package func kill() -> Bool { send(SIGKILL) }

    /// Blocks the calling thread until the child exits, and returns how it ended. In async
    /// code use `wait()`, unless the child is sure to end at once (after `kill()`).
    package func waitUntilExit() -> Termination {
        let known = state.withLock { state -> Termination? in
            collect(&state)
            if state.termination == nil { state.blockedWaiters += 1 }
            return state.termination
        }
        if let known { return known }
        // Blocks until it has exited, leaving it unreaped for `collect` to read.
        _ = waitID(options: WNOWAIT)
        return state.withLock { state in
            state.blockedWaiters -= 1
            collect(&state)
            return state.termination ?? .unknown
        }
    }

    /// Waits until the child exits, polling every few milliseconds (no thread blocks), and
    /// returns how it ended.
    /// - Throws: `CancellationError` when the task is cancelled; the child still runs.
    package func wait() async throws(CancellationError) -> Termination {
        var pause = Duration.milliseconds(1)
        while true {
            if let termination { return termination }
            do {
                try await Task.sleep(for: pause)
            } catch {
                throw CancellationError()
            }
            pause = min(pause * 2, .milliseconds(20))
        }
    }

    /// Collects the child's status if it has exited, without blocking; releases its pid once
    /// known, unless a thread is blocked waiting on it.
    private func collect(_ state: inout State) {
        if state.termination == nil {
            let release = state.blockedWaiters == 0
            guard let info = waitID(options: WNOHANG | (release ? 0 : WNOWAIT)) else {
                // ECHILD: collected by something else in this process.
                state.termination = .unknown
                state.released = true
                return
            }
            var result = info
            guard cskewless_siginfo_pid(&result) == pid else { return }  // Still running.
            let status = cskewless_siginfo_status(&result)
            switch result.si_code {
            case Int32(CLD_EXITED): state.termination = .exited(status)
            case Int32(CLD_KILLED), Int32(CLD_DUMPED): state.termination = .signalled(status)
            default: state.termination = .unknown
            }
            state.released = release
        } else if !state.released, state.blockedWaiters == 0 {
            _ = waitID(options: WNOHANG)
            state.released = true
        }
    }

    /// `waitid` for this child's exit with `options` besides `WEXITED`, retried when
    /// interrupted; nil when it fails (ECHILD: the child is not this process's to wait for).
    private func waitID(options: Int32) -> siginfo_t? {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | options) != 0 {
            guard errno == EINTR else { return nil }
        }
        return info
    }
}

/// `kill(2)`, out of the reach of `ChildProcess.kill()`'s name.
private func sendSignal(_ signal: Int32, to pid: pid_t) -> Bool {
    kill(pid, signal) == 0
}
