import Foundation
import NIOCore
import NIOPosix
import SkewlessModel

/// A redis-server that fsbench starts on 127.0.0.1 for the baseline and stops afterwards,
/// in a directory of its own that it removes: no persistence (`--save ""`, no AOF) for the
/// serving baseline, or an append-only file fsynced before every reply for the durable
/// write baseline (`Persistence`); default everything else.
package final class RedisServerProcess: Sendable {
    /// What the server keeps on disk.
    package enum Persistence: String, Sendable, Hashable, Codable {
        /// Nothing (`--save "" --appendonly no`): an in-memory cache.
        case none
        /// `--appendonly yes --appendfsync always`: every write command is in the
        /// append-only file, fsynced, before Redis replies (it fsyncs once per event-loop
        /// turn, so a pipeline's commands share one fsync: Redis's group commit).
        case appendFsyncAlways = "appendfsync-always"

        var arguments: [String] {
            switch self {
            case .none: return ["--appendonly", "no"]
            case .appendFsyncAlways: return ["--appendonly", "yes", "--appendfsync", "always"]
            }
        }
    }

    package let port: Int
    /// The TLS port, when started with TLS files.
    package let tlsPort: Int?
    private let process: ChildProcess
    private let directory: URL

    package var pid: Int32 { process.pid }

    private init(port: Int, tlsPort: Int?, process: ChildProcess, directory: URL) {
        self.port = port
        self.tlsPort = tlsPort
        self.process = process
        self.directory = directory
    }

    /// Starts redis-server on a free port and waits until it answers PING.
    /// - Parameters:
    ///   - executable: a path, or a name looked up in PATH.
    ///   - persistence: what it keeps on disk.
    ///   - parentDirectory: where its own directory (and so its append-only file) goes; the
    ///     system's temporary directory when nil. Put it on the disk the node under test
    ///     writes to, so both pay the same fsync.
    ///   - tls: a certificate chain and key (and the CA file Redis wants named): the server
    ///     also listens on a TLS port (`tls-port`), without client certificates.
    package static func start(
        executable: String = "redis-server", persistence: Persistence = .none, parentDirectory: String? = nil,
        tls: (certificate: String, key: String, ca: String)? = nil
    ) async throws(SkewlessError) -> RedisServerProcess {
        guard let path = locate(executable) else {
            throw SkewlessError(.failedPrecondition, "\(executable) not found in PATH; install it (apt-get install redis-server, or scripts/setup.sh) or give --redis HOST:PORT")
        }
        let port = try await freePort()
        var tlsArguments: [String] = []
        var tlsPort: Int?
        if let tls {
            let chosen = try await freePort()
            tlsPort = chosen
            tlsArguments = [
                "--tls-port", String(chosen), "--tls-cert-file", tls.certificate, "--tls-key-file", tls.key,
                "--tls-ca-cert-file", tls.ca, "--tls-auth-clients", "no",
            ]
        }
        let parent = parentDirectory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let directory = parent.appendingPathComponent("fsbench-redis-\(UUID().uuidString)")
        let process: ChildProcess
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Its output goes to a file, never to pipes it would inherit: should the process
            // that started it die, an orphaned server holding the parent's standard error
            // would keep whoever reads that pipe (swift test, CI) waiting forever.
            let log = ChildProcess.Output.file(directory.appendingPathComponent("redis.log").path, append: false)
            process = try ChildProcess.spawn(ChildProcess.Configuration(
                executable: path,
                arguments: [
                    "--port", String(port), "--bind", "127.0.0.1", "--save", "",
                    "--daemonize", "no", "--loglevel", "warning", "--dir", directory.path,
                ] + persistence.arguments + tlsArguments,
                standardInput: .nullDevice, standardOutput: log, standardError: log
            ))
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw SkewlessError(.failedPrecondition, "could not start \(path): \(error)")
        }
        let server = RedisServerProcess(port: port, tlsPort: tlsPort, process: process, directory: directory)
        for _ in 0..<100 {
            if let connection = try? await RESPConnection.connect(host: "127.0.0.1", port: port) {
                let pong = try? await connection.command(["PING"])
                await connection.close()
                if pong != nil { return server }
            }
            guard process.isRunning else { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let output = (try? String(contentsOf: directory.appendingPathComponent("redis.log"), encoding: .utf8)) ?? ""
        await server.stop()
        throw SkewlessError(.unavailable, "redis-server on port \(port) did not answer within 5 s\(output.isEmpty ? "; run it by hand to see why" : ": \(output.suffix(2_000))")")
    }

    /// Stops the server (SIGTERM; it exits without saving a snapshot) and removes its
    /// directory, append-only file included.
    package func stop() async {
        if process.isRunning {
            process.terminate()
            for _ in 0..<100 where process.isRunning {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning { process.kill() }
            // Collects its status; SIGKILL ends it at once.
            _ = try? await process.wait()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    private static func locate(_ executable: String) -> String? {
        if executable.contains("/") { return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(executable)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        for directory in ["/usr/sbin", "/usr/local/sbin"] where FileManager.default.isExecutableFile(atPath: "\(directory)/\(executable)") {
            return "\(directory)/\(executable)"
        }
        return nil
    }

    /// A port the kernel just handed out on 127.0.0.1 (bound, read, released).
    private static func freePort() async throws(SkewlessError) -> Int {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0).get()
            let port = channel.localAddress?.port
            try await channel.close()
            guard let port else { throw SkewlessError(.internal, "no local port") }
            return port
        } catch {
            throw SkewlessError(.unavailable, "could not find a free port on 127.0.0.1 for redis-server: \(error)")
        }
    }
}
