import Foundation
import Skewless
import Synchronization

/// Writes new versions of some users' `txn_count_24h` in a loop, through a client that keeps
/// the map it had when it started (it refreshes only when a node refuses it): the writer a
/// rebalance must not lose writes of. Version k of user id is `id + 100_000_000 + k * 1_000_000`,
/// which `ReadLoad` accepts (same id modulo a million, never going down).
final class StaleWriter: Sendable {
    let users: [Int]
    private let client: FeatureClient
    private let running = Atomic<Bool>(true)
    /// The last version every node acknowledged, and the failures.
    private let state = Mutex<(version: Int, failures: [String])>((0, []))
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(client: FeatureClient, users: [Int]) {
        self.client = client
        self.users = users
    }

    static func value(of id: Int, version: Int) -> Int64 {
        Int64(id) + 100_000_000 + 1_000_000 * Int64(version)
    }

    /// Writes version `version` of every user, once.
    func write(version: Int) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        _ = try await client.write(view: "user_transactions", rows: users.map { id in
            FeatureWrite(entity: ["user_id": .int64(Int64(id))], eventTime: now, values: ["txn_count_24h": .int64(Self.value(of: id, version: version))])
        })
        state.withLock { $0.version = version }
    }

    /// Keeps writing the next version until `stop()`.
    func start(pause: Duration = .milliseconds(30)) {
        let started = Task {
            var version = state.withLock { $0.version }
            while running.load(ordering: .relaxed) {
                version += 1
                do {
                    try await write(version: version)
                } catch {
                    state.withLock { $0.failures.append("version \(version): \(error)") }
                }
                try? await Task.sleep(for: pause)
            }
        }
        task.withLock { $0 = started }
    }

    /// Stops after the write in progress; returns the last version acknowledged and the failures.
    func stop() async -> (version: Int, failures: [String]) {
        running.store(false, ordering: .relaxed)
        await task.withLock { $0 }?.value
        return state.withLock { $0 }
    }
}
