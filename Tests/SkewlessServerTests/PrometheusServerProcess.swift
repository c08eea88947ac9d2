import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix
import SkewlessModel

#if canImport(Glibc)
import Glibc
#endif

/// Debian's real Prometheus server (`/usr/bin/prometheus`, package `prometheus`, installed by
/// scripts/setup.sh) on a free 127.0.0.1 port, with a configuration and a storage directory of
/// its own in a new temporary directory, started with a clean environment.
///
/// It dies with the test process whatever happens, as `EtcdServerProcess`'s etcd does: it runs
/// under a `/bin/sh` wrapper whose standard input is a pipe only this process holds the write
/// end of; when that end closes (`stop()`, or this process ending in any way) the wrapper
/// kills Prometheus with SIGKILL.
final class PrometheusServerProcess: Sendable {
    static let executable = "/usr/bin/prometheus"
    static let promtool = "/usr/bin/promtool"

    let port: Int
    let directory: String
    private let wrapper: ChildProcess
    private let lifeline: FileHandle

    var logPath: String { directory + "/prometheus.log" }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, directory: String, wrapper: ChildProcess, lifeline: FileHandle) {
        self.port = port
        self.directory = directory
        self.wrapper = wrapper
        self.lifeline = lifeline
    }

    private static let wrapperScript = """
        log=$1; shift 1
        exec 3<&0 </dev/null
        "$@" >>"$log" 2>&1 3<&- &
        pid=$!
        ( read -r _ <&3; kill -KILL "$pid" ) 2>/dev/null &
        watcher=$!
        exec 3<&-
        wait "$pid"
        status=$?
        kill "$watcher" 2>/dev/null
        exit "$status"
        """

    /// Starts Prometheus with `configuration` (its YAML, written to `prometheus.yml` in its
    /// directory) and waits until it answers `/-/ready` (up to 120 s: a loaded machine is slow).
    static func start(configuration: String) async throws -> PrometheusServerProcess {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw SkewlessError(.failedPrecondition, "\(executable) not found: install Debian's prometheus package (scripts/setup.sh)")
        }
        let directory = NSTemporaryDirectory() + "skewless-prometheus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try configuration.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        let port = try freePort()
        let lifeline = try ChildProcess.makePipe()
        let wrapper: ChildProcess
        do {
            let log = ChildProcess.Output.file(directory + "/prometheus.log", append: true)
            wrapper = try ChildProcess.spawn(ChildProcess.Configuration(
                executable: "/bin/sh",
                arguments: [
                    "-c", wrapperScript, "prometheus-wrapper", directory + "/prometheus.log", executable,
                    "--config.file=\(directory)/prometheus.yml",
                    "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)",
                    "--web.console.templates=\(directory)", "--web.console.libraries=\(directory)",
                ],
                // A clean environment: nothing of the test runner's reaches it.
                environment: ["PATH": "/usr/bin:/bin", "HOME": directory, "LANG": "C"],
                workingDirectory: directory,
                standardInput: .descriptor(lifeline.read), standardOutput: log, standardError: log))
        } catch {
            close(lifeline.read)
            close(lifeline.write)
            throw error
        }
        close(lifeline.read)
        let server = PrometheusServerProcess(
            port: port, directory: directory, wrapper: wrapper, lifeline: FileHandle(fileDescriptor: lifeline.write, closeOnDealloc: true))
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(120) {
            guard wrapper.isRunning else {
                let log = server.logTail()
                await server.stop()
                throw SkewlessError(.failedPrecondition, "prometheus exited at start; the end of its log:\n\(log)")
            }
            if let (status, _) = try? await server.get("/-/ready"), status == 200 {
                return server
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let log = server.logTail()
        await server.stop()
        throw SkewlessError(.unavailable, "prometheus did not answer /-/ready within 120 s; the end of its log:\n\(log)")
    }

    /// Kills Prometheus (closing the lifeline), waits for its wrapper, and removes its directory.
    func stop() async {
        try? lifeline.close()
        _ = wrapper.terminate()
        let asked = ContinuousClock.now
        while wrapper.isRunning, ContinuousClock.now - asked < .seconds(10) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if wrapper.isRunning {
            _ = wrapper.kill()
            _ = try? await wrapper.wait()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// GETs `path` (with its query) from Prometheus's HTTP API.
    func get(_ path: String) async throws -> (status: UInt, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + path), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (response.status.code, String(buffer: body))
    }

    /// The result of an instant query: each series' labels and value.
    func query(_ promQL: String) async throws -> [(labels: [String: String], value: Double)] {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "+&=?")
        let encoded = promQL.addingPercentEncoding(withAllowedCharacters: allowed) ?? promQL
        let (status, body) = try await get("/api/v1/query?query=" + encoded)
        guard status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any],
            let result = data["result"] as? [[String: Any]]
        else {
            throw SkewlessError(.internal, "query \(promQL) answered \(status): \(body)")
        }
        return result.compactMap { series in
            guard let labels = series["metric"] as? [String: String], let pair = series["value"] as? [Any], pair.count == 2,
                let text = pair[1] as? String, let value = Double(text)
            else { return nil }
            return (labels, value)
        }
    }

    /// The last 4 KB of its log.
    func logTail() -> String {
        guard let data = FileManager.default.contents(atPath: logPath) else { return "(no log)" }
        return String(decoding: data.suffix(4096), as: UTF8.self)
    }

    /// A port free on 127.0.0.1 now (bound to port 0 and released).
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress?.port ?? 0
        try channel.close().wait()
        guard port > 0 else { throw SkewlessError(.internal, "no free port") }
        return port
    }

    /// Runs promtool with `arguments` in `directory`, with `input` on its standard input.
    static func promtool(_ arguments: [String], in directory: String? = nil, input: String? = nil) async throws -> ChildProcess.Captured {
        guard FileManager.default.isExecutableFile(atPath: promtool) else {
            throw SkewlessError(.failedPrecondition, "\(promtool) not found: install Debian's prometheus package (scripts/setup.sh)")
        }
        var standardInput = ChildProcess.Input.nullDevice
        var inputFile: String?
        if let input {
            let path = NSTemporaryDirectory() + "skewless-promtool-\(UUID().uuidString).txt"
            try input.write(toFile: path, atomically: true, encoding: .utf8)
            standardInput = .file(path)
            inputFile = path
        }
        defer { if let inputFile { try? FileManager.default.removeItem(atPath: inputFile) } }
        return try await ChildProcess.run(ChildProcess.Configuration(
            executable: promtool, arguments: arguments, environment: ["PATH": "/usr/bin:/bin", "LANG": "C"],
            workingDirectory: directory, standardInput: standardInput))
    }
}
