import Foundation
import Skewless
import Synchronization

/// Reads in a loop from several tasks while a test changes the cluster underneath: batches of
/// random users' `txn_count_24h`, every answer checked. A read must never fail, never be
/// missing, and never go back in time: per user, each value is at least the last one seen
/// (and at least the ingested one, the user's id).
final class ReadLoad: Sendable {
    struct Report: CustomStringConvertible {
        var reads = 0
        var failures: [String] = []
        var wrongValues: [String] = []

        var description: String {
            "\(reads) reads, \(failures.count) failed \(failures.prefix(3)), \(wrongValues.count) wrong \(wrongValues.prefix(3))"
        }
    }

    static let feature = "user_transactions:txn_count_24h"

    private let client: FeatureClient
    private let running = Atomic<Bool>(true)
    private let report = Mutex(Report())
    private let lastSeen = Mutex<[Int64: Int64]>([:])
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(client: FeatureClient) {
        self.client = client
    }

    func start(readers: Int = 4, batch: Int = 20) {
        let started = (0..<readers).map { reader in
            Task {
                var generator = TestSeed.generator(UInt64(reader))
                while self.running.load(ordering: .relaxed) {
                    let ids = (0..<batch).map { _ in Int64(LocalCluster.users.randomElement(using: &generator) ?? 1000) }
                    await self.read(ids)
                }
            }
        }
        tasks.withLock { $0 += started }
    }

    /// Waits until at least `count` more reads have completed.
    func waitForReads(_ count: Int) async {
        let target = report.withLock { $0.reads } + count
        while report.withLock({ $0.reads }) < target {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    func stop() async -> Report {
        running.store(false, ordering: .relaxed)
        for task in tasks.withLock({ $0 }) {
            await task.value
        }
        return report.withLock { $0 }
    }

    private func read(_ ids: [Int64]) async {
        // What reads completed before this one started saw: this one may not see less.
        let floors = lastSeen.withLock { seen in ids.map { seen[$0] ?? $0 } }
        do {
            let features = try await client.getOnlineFeatures(features: [Self.feature], entities: ids.map { ["user_id": .int64($0)] })
            var wrong: [String] = []
            for ((id, floor), row) in zip(zip(ids, floors), features.rows) {
                guard let value = row.int64(Self.feature) else {
                    wrong.append("user \(id): no value (\(String(describing: row.status(Self.feature))))")
                    continue
                }
                lastSeen.withLock { $0[id] = max($0[id] ?? id, value) }
                if value < floor || value % 1_000_000 != id % 1_000_000 {
                    wrong.append("user \(id): \(value) after \(floor)")
                }
            }
            report.withLock { report in
                report.reads += 1
                report.wrongValues += wrong
            }
        } catch {
            report.withLock { report in
                report.reads += 1
                report.failures.append("\(error)")
            }
        }
    }
}
