import Foundation
import SkewlessControl
import SkewlessModel

/// Whether etcd is installed here (scripts/setup.sh installs etcd-server); the suites that
/// need a real etcd are skipped without it.
let etcdInstalled = ["/usr/bin/etcd", "/usr/local/bin/etcd"].contains { FileManager.default.isExecutableFile(atPath: $0) }

/// An endpoint nothing listens on (port 1 on loopback refuses at once).
let deadEndpoint = "127.0.0.1:1"

/// Runs `body` against an etcd of its own, which is stopped (and its directory removed)
/// afterwards, also when `body` throws. A single-member etcd starts in a few tenths of a
/// second, so each test gets a clean one rather than sharing keys with others.
func withEtcd<Result>(_ body: (EtcdServerProcess, EtcdClient) async throws -> Result) async throws -> Result {
    let etcd = try await EtcdServerProcess.start()
    let client: EtcdClient
    do {
        client = try EtcdClient(endpoints: [etcd.endpoint], timeout: .seconds(2))
    } catch {
        await etcd.stop()
        throw error
    }
    do {
        let result = try await body(etcd, client)
        await client.shutdown()
        await etcd.stop()
        return result
    } catch {
        await client.shutdown()
        await etcd.stop()
        throw error
    }
}

/// Polls `condition` every 50 ms until it holds or `limit` passes.
/// - Returns: whether it held.
func eventually(within limit: Duration = .seconds(15), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < limit {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`.
    static func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
}

/// Whether the process is stopped (state `T` in /proc/PID/stat).
func isStopped(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("T")
}
