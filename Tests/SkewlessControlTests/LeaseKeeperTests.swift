import Foundation
import Logging
import SkewlessModel
import Synchronization
import Testing
@testable import SkewlessControl

@Suite(.enabled(if: etcdInstalled, "etcd is not installed: scripts/setup.sh"))
struct LeaseKeeperTests {
    /// The leases a keeper handed to `onNewLease`, and a key it attaches to each.
    final class Holder: Sendable {
        let client: EtcdClient
        let key: String
        private let granted = Mutex<[Int64]>([])

        init(client: EtcdClient, key: String = "/held") {
            self.client = client
            self.key = key
        }

        var leases: [Int64] { granted.withLock { $0 } }

        func keeper(ttlSeconds: Int = 2) -> LeaseKeeper {
            LeaseKeeper(client: client, ttlSeconds: ttlSeconds, logger: Logger(label: "test.lease-keeper")) { lease in
                self.granted.withLock { $0.append(lease) }
                _ = try? await self.client.put(self.key, .utf8("v"), lease: lease)
            }
        }
    }

    /// Runs `keeper` in a task for the duration of `body`, then cancels it and waits for it.
    func running(_ keeper: LeaseKeeper, _ body: () async throws -> Void) async throws {
        let task = Task { await keeper.run() }
        do {
            try await body()
        } catch {
            task.cancel()
            await task.value
            throw error
        }
        task.cancel()
        await task.value
    }

    @Test func keepsOneLeaseAliveAndRevokesItWhenCancelled() async throws {
        try await withEtcd { _, client in
            let holder = Holder(client: client)
            // 6 s, renewed every 2 s: a loaded machine's stalls (a second or two in a full
            // parallel run) cannot let it expire between renewals.
            let keeper = holder.keeper(ttlSeconds: 6)
            #expect(keeper.current == nil)
            try await running(keeper) {
                #expect(await eventually { keeper.current != nil })
                let lease = try #require(keeper.current)
                // Well past the TTL: kept alive, granted once.
                try await Task.sleep(for: .seconds(14))
                #expect(keeper.current == lease)
                #expect(holder.leases == [lease])
                #expect(try await client.get("/held")?.lease == lease)
            }
            #expect(keeper.current == nil)
            // Cancelling revoked the lease, and so removed its key at once.
            #expect(try await client.get("/held") == nil)
        }
    }

    @Test func grantsANewLeaseWhenTheOldOneIsRevoked() async throws {
        try await withEtcd { _, client in
            let holder = Holder(client: client)
            // 6 s: with 2 s a renewal late by a loaded machine's stall let the lease expire,
            // and the keeper rightly granted a third.
            let keeper = holder.keeper(ttlSeconds: 6)
            try await running(keeper) {
                #expect(await eventually { keeper.current != nil })
                let first = try #require(keeper.current)
                try await client.revoke(first)
                #expect(await eventually { keeper.current.map { $0 != first } ?? false })
                #expect(holder.leases.count == 2 && holder.leases.first == first)
                #expect(try await client.get("/held")?.lease == holder.leases.last)
            }
        }
    }

    @Test func keepsItsLeaseAcrossAnEtcdRestart() async throws {
        try await withEtcd { etcd, client in
            let holder = Holder(client: client)
            // 6 s: after the restart etcd gives the lease a full TTL, and the keeper must renew
            // it within that on a loaded machine, or (rightly) grant another.
            let keeper = holder.keeper(ttlSeconds: 6)
            try await running(keeper) {
                #expect(await eventually { keeper.current != nil })
                let lease = try #require(keeper.current)
                etcd.kill9()
                // Unconfirmed for longer than the TTL, the keeper no longer claims the lease.
                #expect(await eventually(within: .seconds(30)) { keeper.current == nil })
                try await etcd.restart()
                // etcd keeps its leases across a restart and renews their TTLs: the same lease
                // comes back, and its key with it.
                #expect(await eventually { keeper.current == lease })
                #expect(holder.leases == [lease])
                #expect(try await client.get("/held")?.lease == lease)
            }
        }
    }

    @Test func grantsANewLeaseWhenEtcdRestartsWithoutItsData() async throws {
        try await withEtcd { etcd, client in
            let holder = Holder(client: client)
            let keeper = holder.keeper()
            try await running(keeper) {
                #expect(await eventually { keeper.current != nil })
                let first = try #require(keeper.current)
                etcd.kill9()
                #expect(await eventually { etcd.pid == nil })
                try FileManager.default.removeItem(atPath: etcd.directory + "/data")
                try await etcd.restart()
                // The new etcd has never heard of the lease: the keeper grants another and
                // hands it to the holder, which attaches its key again.
                #expect(await eventually { keeper.current.map { $0 != first } ?? false })
                // (More than one new lease only if a renewal was late on a loaded machine.)
                #expect(holder.leases.count >= 2)
                #expect(try await eventually { try await client.get("/held")?.lease == holder.leases.last })
            }
        }
    }
}
