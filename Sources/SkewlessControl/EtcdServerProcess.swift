import Foundation
import NIOCore
import NIOPosix
import SkewlessModel
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A real etcd started on 127.0.0.1 with free client and peer ports and a temporary data directory.
///
/// For tests, benchmarks and the Swift users of the local-cluster scripts: a single-member
/// cluster tuned for loopback (`--heartbeat-interval 10 --election-timeout 100`: it elects
/// itself in about 0.1 s, and its minimum lease TTL is 1 s instead of 2 s).
///
/// Its directory holds `data/` (etcd's data directory), `etcd.log` (everything etcd writes:
/// it never inherits the calling process's stdout or stderr, so no etcd can hold a test
/// runner's pipe open) and `etcd.pid`.
///
/// **It dies with the process that started it**, even on a crash or `kill -9`. etcd runs
/// under a small `/bin/sh` wrapper whose standard input is a pipe; only this process holds
/// the pipe's write end (close-on-exec, so no other child inherits it). A background part of
/// the wrapper blocks reading that pipe; the read returns only at end of file, which the
/// kernel delivers when this process's descriptors close, whatever way it ends; the wrapper
/// then kills etcd with SIGKILL. `prctl(PR_SET_PDEATHSIG)` would need code between fork and
/// exec, which `posix_spawn` (`ChildProcess`) cannot run, and it fires when the *thread* that
/// spawned the child exits, which in a pool of threads that come and go would kill etcd at
/// random; polling the parent's pid wakes up late and can be fooled by pid reuse. The wrapper
/// otherwise waits for etcd and exits with it, so `ChildProcess.isRunning` tells whether etcd
/// runs.
package final class EtcdServerProcess: Sendable {
    /// etcd's client port on 127.0.0.1.
    package let clientPort: Int
    /// etcd's peer port on 127.0.0.1.
    package let peerPort: Int
    /// The directory of its data, log and pid file.
    package let directory: String
    /// Whether `stop()` removes `directory` (it was made here, not given).
    private let ownsDirectory: Bool
    private let arguments: [String]
    private let running: Mutex<Running?>

    /// One run of the wrapper and its etcd.
    private struct Running {
        var wrapper: ChildProcess
        /// The write end of the wrapper's stdin: closing it (or exiting) kills etcd.
        var lifeline: FileHandle
        var etcdPID: pid_t
    }

    /// `http://127.0.0.1:<clientPort>`.
    package var endpoint: String { "http://127.0.0.1:\(clientPort)" }
    /// etcd's log: what to read when it misbehaves.
    package var logPath: String { directory + "/etcd.log" }
    /// etcd's process id, or nil when it is not running.
    package var pid: Int32? { running.withLock { $0?.wrapper.isRunning == true ? $0?.etcdPID : nil } }

    private init(clientPort: Int, peerPort: Int, directory: String, ownsDirectory: Bool, arguments: [String]) {
        self.clientPort = clientPort
        self.peerPort = peerPort
        self.directory = directory
        self.ownsDirectory = ownsDirectory
        self.arguments = arguments
        self.running = Mutex(nil)
    }

    /// Starts etcd and waits until it serves reads and writes (it has elected itself).
    /// - Parameters:
    ///   - executable: a path, or a name looked up in PATH (and /usr/sbin).
    ///   - dataDirectory: the directory for its data and log, kept by `stop()`; a new
    ///     temporary one, removed by `stop()`, when nil.
    /// - Throws: `FAILED_PRECONDITION` when etcd is not installed or cannot start (with the
    ///   end of its log); `UNAVAILABLE` when it does not answer within 60 s.
    package static func start(executable: String = "etcd", dataDirectory: String? = nil) async throws(SkewlessError) -> EtcdServerProcess {
        guard let path = locate(executable) else {
            throw SkewlessError(.failedPrecondition, "\(executable) not found in PATH: install etcd-server: scripts/setup.sh (or apt-get install etcd-server)")
        }
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("skewless-etcd-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SkewlessError(.failedPrecondition, "could not create etcd's directory \(directory): \(error.localizedDescription)")
        }
        // A port found free can be taken by someone else before etcd binds it: try new ports
        // a few times.
        var lastError = SkewlessError(.internal, "etcd was not started")
        for _ in 0..<3 {
            let (clientPort, peerPort) = try await freePorts()
            let server = EtcdServerProcess(
                clientPort: clientPort, peerPort: peerPort, directory: directory, ownsDirectory: dataDirectory == nil,
                arguments: [path] + etcdArguments(directory: directory, clientPort: clientPort, peerPort: peerPort)
            )
            do {
                try await server.launch()
                return server
            } catch {
                lastError = error
                await server.terminate()
                guard server.logTail().contains("address already in use") else { break }
            }
        }
        if dataDirectory == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
        throw lastError
    }

    /// Stops etcd (SIGTERM, then SIGKILL after 5 s) and removes its directory unless it was given.
    package func stop() async {
        await terminate()
        if ownsDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// Kills etcd with SIGKILL at once, as a crash would (for "etcd restarted" tests); its
    /// data stays, for `restart()`.
    package func kill9() {
        running.withLock { running in
            guard let running, running.wrapper.isRunning else { return }
            kill(running.etcdPID, SIGKILL)
        }
    }

    /// Starts etcd again on the same ports with the same data directory (stopping it first
    /// if it still runs), and waits until it serves.
    package func restart() async throws(SkewlessError) {
        await terminate()
        try await launch()
    }

    // MARK: Running

    private static let wrapperScript = """
        log=$1; pidfile=$2; shift 2
        exec 3<&0 </dev/null
        "$@" >>"$log" 2>&1 3<&- &
        pid=$!
        echo "$pid" >"$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"
        ( read -r _ <&3; kill -KILL "$pid" ) 2>/dev/null &
        watcher=$!
        exec 3<&-
        wait "$pid"
        status=$?
        kill "$watcher" 2>/dev/null
        exit "$status"
        """

    private func launch() async throws(SkewlessError) {
        let pidFile = directory + "/etcd.pid"
        try? FileManager.default.removeItem(atPath: pidFile)
        // Emptied at each launch; the wrapper and etcd append to it.
        guard FileManager.default.createFile(atPath: logPath, contents: nil) || FileManager.default.fileExists(atPath: logPath) else {
            throw SkewlessError(.failedPrecondition, "could not open etcd's log \(logPath) for writing; check the directory's permissions")
        }
        // Both ends close on exec: the wrapper gets the read end as its stdin, and no child
        // (of this launch or any other) inherits the write end.
        let lifeline: (read: Int32, write: Int32)
        do {
            lifeline = try ChildProcess.makePipe()
        } catch {
            throw SkewlessError(.failedPrecondition, "could not start /bin/sh to run etcd: \(error)")
        }
        let log = ChildProcess.Output.file(logPath, append: true)
        let wrapper: ChildProcess
        do {
            wrapper = try ChildProcess.spawn(ChildProcess.Configuration(
                executable: "/bin/sh",
                arguments: ["-c", Self.wrapperScript, "etcd-wrapper", logPath, pidFile] + arguments,
                workingDirectory: directory,
                standardInput: .descriptor(lifeline.read), standardOutput: log, standardError: log
            ))
        } catch {
            close(lifeline.read)
            close(lifeline.write)
            throw SkewlessError(.failedPrecondition, "could not start /bin/sh to run etcd: \(error)")
        }
        close(lifeline.read)
        let lifelineEnd = FileHandle(fileDescriptor: lifeline.write, closeOnDealloc: true)
        let started = ContinuousClock.now
        var etcdPID: pid_t?
        // Generous: on a loaded machine (the whole test suite on two cores) starting a shell
        // can take seconds.
        while etcdPID == nil, ContinuousClock.now - started < .seconds(30) {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8), let value = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                etcdPID = value
            } else {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        guard let etcdPID else {
            wrapper.terminate()
            try? lifelineEnd.close()
            _ = try? await wrapper.wait()
            throw SkewlessError(.failedPrecondition, "etcd's wrapper did not start it within 30 s; see \(logPath)")
        }
        running.withLock { $0 = Running(wrapper: wrapper, lifeline: lifelineEnd, etcdPID: etcdPID) }
        try await waitUntilServing(wrapper: wrapper, since: started)
    }

    /// Reads a key until etcd answers (a linearizable read: it has a leader), or fails when
    /// etcd exits or 60 s pass.
    private func waitUntilServing(wrapper: ChildProcess, since started: ContinuousClock.Instant) async throws(SkewlessError) {
        let client = try EtcdClient(endpoints: [endpoint], timeout: .milliseconds(500))
        let failure = await firstAnswer(from: client, wrapper: wrapper, since: started)
        await client.shutdown()
        if let failure { throw failure }
    }

    private func firstAnswer(from client: EtcdClient, wrapper: ChildProcess, since started: ContinuousClock.Instant) async -> SkewlessError? {
        while ContinuousClock.now - started < .seconds(60) {
            guard wrapper.isRunning else {
                return SkewlessError(.failedPrecondition, "etcd exited at start (\(arguments[0]) on ports \(clientPort) and \(peerPort)); the end of its log \(logPath):\n\(logTail())")
            }
            do {
                _ = try await client.get("/skewless/ready")
                return nil
            } catch {
                // Not serving yet.
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return SkewlessError(.unavailable, "etcd at \(endpoint) did not answer within 60 s; the end of its log \(logPath):\n\(logTail())")
    }

    /// Ends the current run, if any: SIGTERM to etcd, SIGKILL after 5 s, then waits for the
    /// wrapper to exit.
    private func terminate() async {
        guard let current = running.withLock({ running -> Running? in
            defer { running = nil }
            return running
        }) else { return }
        if current.wrapper.isRunning {
            kill(current.etcdPID, SIGTERM)
            let asked = ContinuousClock.now
            while current.wrapper.isRunning, ContinuousClock.now - asked < .seconds(5) {
                try? await Task.sleep(for: .milliseconds(10))
            }
            if current.wrapper.isRunning {
                kill(current.etcdPID, SIGKILL)
                while current.wrapper.isRunning {
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
        }
        try? current.lifeline.close()
    }

    /// The last 2 KB of etcd's log.
    private func logTail() -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log)" }
        return String(decoding: data.suffix(2048), as: UTF8.self)
    }

    private static func etcdArguments(directory: String, clientPort: Int, peerPort: Int) -> [String] {
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        return [
            "--name", "skewless",
            "--data-dir", directory + "/data",
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "skewless=\(peer)", "--initial-cluster-state", "new",
            "--heartbeat-interval", "10", "--election-timeout", "100",
            "--logger", "zap", "--log-outputs", "stderr", "--log-level", "warn",
        ]
    }

    private static func locate(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin"] {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Two different ports the kernel just handed out on 127.0.0.1 (both bound, read, released).
    private static func freePorts() async throws(SkewlessError) -> (Int, Int) {
        do {
            let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            let first = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            let second = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
            let ports = (first.localAddress?.port, second.localAddress?.port)
            try await first.close()
            try await second.close()
            guard let client = ports.0, let peer = ports.1 else { throw SkewlessError(.internal, "no local port") }
            return (client, peer)
        } catch {
            throw SkewlessError(.unavailable, "could not find free ports on 127.0.0.1 for etcd: \(error)")
        }
    }
}
