import Foundation
import SkewlessModel
import Skewless
import SkewlessCluster
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Real `fsnode` processes on 127.0.0.1 sharing one segment store in a temporary directory,
/// driven with the `fsctl` binary: what `cluster/start-local.sh` does, for tests.
///
/// Every process it starts is killed by `shutdown()`, which the tests call in a `defer`, so a
/// failing test leaves nothing running; the temporary directory goes with it.
final class LocalCluster: Sendable {
    /// Users whose `user_transactions:txn_count_24h` is ingested as their own id.
    static let users = 1000..<1600

    let directory: URL
    let segments: URL
    /// Flags every node is started with besides its own (e.g. `--etcd URL`).
    let nodeArguments: [String]
    /// The feature repo the nodes serve.
    let repo: String
    private let nodes = Mutex<[String: (process: ChildProcess, port: Int)]>([:])

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var repo: String { packageRoot.appendingPathComponent("examples/feature_repo").path }

    /// The folder with the built `fsnode` and `fsctl`: `swift test` builds them next to the
    /// test bundle.
    static func binaries() throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for candidate in candidates {
            var folder = candidate
            for _ in 0..<4 {
                if FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("fsnode").path),
                    FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("fsctl").path)
                {
                    return folder
                }
                folder.deleteLastPathComponent()
            }
        }
        throw SkewlessError(.notFound, "no fsnode and fsctl next to the test bundle (\(candidates.map(\.path))): run the tests with swift test, which builds them")
    }

    /// A temporary directory with a segment store holding the sample data and `users`.
    /// - Parameter repo: the feature repo the nodes serve (the sample repo when nil); it must
    ///   define the sample's views.
    init(nodeArguments: [String] = [], repo: String? = nil) async throws {
        self.nodeArguments = nodeArguments
        self.repo = repo ?? Self.repo
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-cluster-\(UUID().uuidString)")
        segments = directory.appendingPathComponent("segments")
        try FileManager.default.createDirectory(at: segments, withIntermediateDirectories: true)
        let csv = "user_id,event_time,txn_count_24h\n" + Self.users.map { "\($0),now-1m,\($0)" }.joined(separator: "\n") + "\n"
        let usersFile = directory.appendingPathComponent("users.csv")
        try csv.write(to: usersFile, atomically: true, encoding: .utf8)
        let data = Self.packageRoot.appendingPathComponent("examples/data")
        for (view, file) in [
            ("user_transactions", usersFile.path),
            ("user_transactions", data.appendingPathComponent("user_transactions.csv").path),
            ("merchant_risk", data.appendingPathComponent("merchant_risk.jsonl").path),
            ("user_merchant_stats", data.appendingPathComponent("user_merchant_stats.csv").path),
        ] {
            _ = try await fsctl(["ingest", view, file, "--repo", Self.repo, "--store", segments.path])
        }
    }

    /// Starts node `id`, on `port` (0: any free one) or the port it had before; a
    /// `standalone` node has no cluster map and serves every entity.
    /// - Returns: its address.
    @discardableResult
    func start(_ id: String, port requested: Int = 0, standalone: Bool = false) async throws -> String {
        let port = requested != 0 ? requested : (nodes.withLock { $0[id]?.port } ?? 0)
        let portFile = directory.appendingPathComponent("\(id).port")
        try? FileManager.default.removeItem(at: portFile)
        let (process, log) = try spawn(id, "fsnode", [
            "--repo", repo, "--node-id", id, "--port", String(port), "--port-file", portFile.path, "--segments", segments.path,
            "--event-loop-threads", "1", "--drain-timeout-seconds", "1", "--log-level", "warning",
            // Should the test process die, its nodes go too, so the test runner is never left
            // waiting on output pipes they inherited.
            "--parent-pid", String(getpid()),
        ] + (standalone ? [] : ["--cluster-map", directory.appendingPathComponent("\(id).map.json").path]) + nodeArguments)
        nodes.withLock { $0[id] = (process, port) }
        for _ in 0..<300 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let bound = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                nodes.withLock { $0[id] = (process, bound) }
                return "127.0.0.1:\(bound)"
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SkewlessError(.unavailable, "\(id) did not start listening: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    /// Starts `fsctl arguments` as a long-running process called `id` (a controller), with its
    /// output in `id.log`; `kill9(id)` and `shutdown()` stop it like a node.
    func launch(_ id: String, fsctl arguments: [String]) throws {
        let (process, _) = try spawn(id, "fsctl", arguments)
        nodes.withLock { $0[id] = (process, 0) }
    }

    /// Starts one of the built binaries as the process called `id`, with no input and its
    /// output in `id.log` (never this process's pipes).
    private func spawn(_ id: String, _ binary: String, _ arguments: [String]) throws -> (process: ChildProcess, log: URL) {
        let log = directory.appendingPathComponent("\(id).log")
        let output = ChildProcess.Output.file(log.path, append: false)
        let process = try ChildProcess.spawn(ChildProcess.Configuration(
            executable: try Self.binaries().appendingPathComponent(binary).path,
            arguments: arguments,
            standardInput: .nullDevice, standardOutput: output, standardError: output
        ))
        return (process, log)
    }

    /// Starts nodes `ids` and makes them one cluster (`fsctl cluster init`) of `partitions`
    /// partitions with `replication` replicas each.
    /// - Returns: the nodes' addresses, in the order of `ids`.
    @discardableResult
    func startCluster(_ ids: [String] = ["node-1", "node-2", "node-3"], partitions: Int = 64, replication: Int = 1) async throws -> [String] {
        var addresses: [String] = []
        for id in ids { addresses.append(try await start(id)) }
        try await fsctl(["cluster", "init", "--nodes", addresses.joined(separator: ","), "--partitions", String(partitions), "--replication", String(replication)])
        return addresses
    }

    func address(of id: String) -> String {
        "127.0.0.1:\(nodes.withLock { $0[id]?.port ?? 0 })"
    }

    func endpoint(of id: String) -> Endpoint {
        Endpoint(host: "127.0.0.1", port: nodes.withLock { $0[id]?.port ?? 0 })
    }

    /// `kill -9`: the node gets no chance to drain.
    func kill9(_ id: String) {
        guard let process = nodes.withLock({ $0[id]?.process }), process.isRunning else { return }
        process.kill()
        _ = process.waitUntilExit()
    }

    /// Kills every node and removes the directory.
    /// Sends `signal` (SIGSTOP, SIGCONT) to a node's process.
    func signal(_ id: String, _ signal: Int32) {
        guard let process = nodes.withLock({ $0[id]?.process }), process.isRunning else { return }
        process.send(signal)
    }

    func shutdown() {
        for (process, _) in nodes.withLock({ Array($0.values) }) where process.isRunning {
            process.send(SIGCONT)
            process.kill()
            _ = process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs fsctl and returns its standard output.
    /// - Throws: its output when it fails.
    @discardableResult
    func fsctl(_ arguments: [String]) async throws -> String {
        let result = try await ChildProcess.run(
            ChildProcess.Configuration(executable: try Self.binaries().appendingPathComponent("fsctl").path, arguments: arguments),
            mergingErrors: true)
        let text = result.output
        guard result.termination.succeeded else {
            let ending: String
            if case .exited(let status) = result.termination { ending = "exited with \(status)" } else { ending = "was \(result.termination)" }
            throw SkewlessError(.internal, "fsctl \(arguments.joined(separator: " ")) \(ending): \(text)")
        }
        return text
    }

    /// The map and loaded partitions of node `id`.
    func state(of id: String) async throws -> NodeClusterState {
        let client = FeatureClient(configuration: .defaults(endpoint: endpoint(of: id)) { $0.maxAttempts = 1 })
        do {
            let state = try await client.clusterState()
            await client.close()
            return state
        } catch {
            await client.close()
            throw error
        }
    }

    /// Waits until node `id` has loaded every partition it holds.
    func waitUntilLoaded(_ id: String) async throws {
        for _ in 0..<500 {
            if let state = try? await state(of: id), !state.mapJSON.isEmpty {
                let map = try ClusterMapFile.decode(state.mapJSON, source: id)
                if try Set(map.partitionsHeld(by: NodeID(id))).isSubset(of: state.loadedPartitions) { return }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw SkewlessError(.deadlineExceeded, "\(id) did not load its partitions within 10 s")
    }
}
