import Foundation
import SkewlessModel
import Testing
@testable import SkewlessControl

@Suite(.enabled(if: etcdInstalled, "etcd is not installed: scripts/setup.sh"))
struct EtcdClientTests {
    @Test func putGetListAndDeleteKeys() async throws {
        try await withEtcd { _, client in
            #expect(try await client.get("/t/a") == nil)
            let first = try await client.put("/t/a", .utf8("one"))
            let second = try await client.put("/t/b", [0, 255, 10])
            try await client.put("/u/c", .utf8("elsewhere"))
            #expect(second > first)

            let a = try #require(try await client.get("/t/a"))
            #expect(a == EtcdKeyValue(key: "/t/a", value: .utf8("one"), createRevision: first, modRevision: first, version: 1, lease: 0))
            let third = try await client.put("/t/a", [])
            let rewritten = try #require(try await client.get("/t/a"))
            #expect(rewritten.value == [] && rewritten.createRevision == first && rewritten.modRevision == third && rewritten.version == 2)

            let listed = try await client.list(prefix: "/t/")
            #expect(listed.map(\.key) == ["/t/a", "/t/b"])
            #expect(listed[1].value == [0, 255, 10])
            #expect(try await client.list(prefix: "").map(\.key) == ["/t/a", "/t/b", "/u/c"])
            #expect(try await client.list(prefix: "/nothing/").isEmpty)

            #expect(try await client.delete("/t/a"))
            #expect(try await client.delete("/t/a") == false)
            #expect(try await client.get("/t/a") == nil)
        }
    }

    @Test func compareAndSwapWinsOnceAndLosesWithAStaleRevision() async throws {
        try await withEtcd { _, client in
            let created = try #require(try await client.compareAndSwap("/k", expectedModRevision: 0, value: .utf8("v1")))
            // 0 means "only if absent": the key exists now.
            #expect(try await client.compareAndSwap("/k", expectedModRevision: 0, value: .utf8("again")) == nil)
            let swapped = try #require(try await client.compareAndSwap("/k", expectedModRevision: created, value: .utf8("v2")))
            #expect(swapped > created)
            #expect(try await client.compareAndSwap("/k", expectedModRevision: created, value: .utf8("stale")) == nil)
            #expect(try await client.get("/k")?.value == .utf8("v2"))

            #expect(try await client.delete("/k", ifModRevision: created) == false)
            #expect(try await client.get("/k") != nil)
            #expect(try await client.delete("/k", ifModRevision: swapped))
            #expect(try await client.get("/k") == nil)

            #expect(try await client.delete("/k", ifValue: .utf8("x")) == false)
            try await client.put("/k", .utf8("x"))
            #expect(try await client.delete("/k", ifValue: .utf8("y")) == false)
            #expect(try await client.delete("/k", ifValue: .utf8("x")))
        }
    }

    @Test func leasesKeepKeysUntilTheyExpireOrAreRevoked() async throws {
        try await withEtcd { _, client in
            // Long enough not to expire on a loaded machine: revoking is the point here.
            let lease = try await client.grantLease(ttlSeconds: 30)
            try await client.put("/leased", .utf8("v"), lease: lease)
            #expect(try await client.get("/leased")?.lease == lease)
            #expect(try await client.keepAlive(lease) >= 1)

            try await client.revoke(lease)
            #expect(try await client.get("/leased") == nil)
            #expect(try await client.keepAlive(lease) <= 0)
            // Revoking again, or a lease that never existed, is not an error.
            try await client.revoke(lease)
            try await client.revoke(12345)
            #expect(try await client.keepAlive(12345) <= 0)

            // A put with a dead lease is refused as not found, saying what to do.
            let error = await #expect(throws: SkewlessError.self) { try await client.put("/leased", .utf8("v"), lease: lease) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("grant a new one") == true)

            // Without keepalives the lease expires by itself (etcd checks every 500 ms).
            let short = try await client.grantLease(ttlSeconds: 1)
            try await client.put("/short", .utf8("v"), lease: short)
            #expect(try await eventually(within: .seconds(15)) { try await client.get("/short") == nil })
            #expect(try await client.keepAlive(short) <= 0)
        }
    }

    @Test func statusNamesTheVersionAndTheMemberThatAnswered() async throws {
        try await withEtcd { etcd, client in
            let status = try await client.status()
            #expect(status.version.hasPrefix("3."))
            #expect(status.endpoint == etcd.endpoint)
        }
    }

    @Test func movesOnToTheNextEndpointWhenTheFirstIsDown() async throws {
        try await withEtcd { etcd, _ in
            let client = try EtcdClient(endpoints: [deadEndpoint, etcd.endpoint], timeout: .seconds(2))
            do {
                let revision = try #require(try await client.compareAndSwap("/failover", expectedModRevision: 0, value: .utf8("v")))
                #expect(try await client.get("/failover")?.modRevision == revision)
                #expect(try await client.status().endpoint == etcd.endpoint)
                #expect(client.endpoints == ["http://127.0.0.1:1", etcd.endpoint])
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    @Test func aFrozenEtcdIsADeadlineAndAConditionalWriteSaysItMayHaveApplied() async throws {
        try await withEtcd { etcd, _ in
            let client = try EtcdClient(endpoints: [etcd.endpoint], timeout: .milliseconds(300))
            let pid = try #require(etcd.pid)
            // Written with a patient client: 300 ms is for the frozen etcd below, and a
            // connection while the whole suite loads the machine can take longer.
            let setup = try EtcdClient(endpoints: [etcd.endpoint], timeout: .seconds(10))
            try await setup.put("/frozen", .utf8("before"))
            await setup.shutdown()
            // The short-deadline client's connection, open before the freeze.
            #expect(await eventually { (try? await client.get("/frozen")) != nil })
            // SIGSTOP: the kernel still accepts the connection and the request, nobody answers.
            kill(pid, SIGSTOP)
            // Stopped once the kernel says so (a thread busy on the other core stops a moment later).
            #expect(await eventually { isStopped(pid) })
            let started = ContinuousClock.now
            let read = await #expect(throws: SkewlessError.self) { _ = try await client.get("/frozen") }
            #expect(read?.code == .deadlineExceeded)
            // Not before its deadline (an upper bound would only time the machine's load).
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            let write = await #expect(throws: SkewlessError.self) {
                _ = try await client.compareAndSwap("/frozen", expectedModRevision: 0, value: .utf8("during"))
            }
            #expect(write?.code == .deadlineExceeded)
            #expect(write?.message.contains("may or may not have been applied") == true)
            kill(pid, SIGCONT)
            #expect(await eventually { (try? await client.get("/frozen")) != nil })
            await client.shutdown()
        }
    }

    @Test func noEtcdIsUnavailableNamingTheEndpoints() async throws {
        let client = try EtcdClient(endpoints: [deadEndpoint, "127.0.0.1:2"], timeout: .milliseconds(500))
        let error = await #expect(throws: SkewlessError.self) { _ = try await client.get("/x") }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("http://127.0.0.1:1") == true)
        #expect(error?.message.contains("http://127.0.0.1:2") == true)
        #expect(error?.message.contains("start etcd") == true)
        // A conditional write never reached etcd either, so it is the same error, not "maybe applied".
        let write = await #expect(throws: SkewlessError.self) { _ = try await client.compareAndSwap("/x", expectedModRevision: 0, value: []) }
        #expect(write?.code == .unavailable)
        await client.shutdown()
    }

}

/// What needs no etcd.
struct EtcdClientEndpointTests {
    @Test func endpointsAreNormalized() async throws {
        #expect(try EtcdClient.normalize("127.0.0.1:2379") == "http://127.0.0.1:2379")
        #expect(try EtcdClient.normalize(" http://etcd-1 ") == "http://etcd-1:2379")
        #expect(try EtcdClient.normalize("https://10.0.0.1:2479/") == "https://10.0.0.1:2479")
        #expect(try EtcdClient.normalize("[::1]:2379") == "http://[::1]:2379")
        for bad in ["", "ftp://h:1", "http://h:1/v3", "h:70000", "h:port"] {
            #expect(throws: SkewlessError.self, "\(bad)") { try EtcdClient.normalize(bad) }
        }
        #expect(throws: SkewlessError.self) { _ = try EtcdClient(endpoints: []) }
        let client = try EtcdClient(endpoints: ["a:1,b:2", "a:1"])
        #expect(client.endpoints == ["http://a:1", "http://b:2"])
        await client.shutdown()
    }

    @Test func prefixRangesEndAfterTheLastKeyWithThePrefix() {
        #expect(EtcdClient.rangeEnd(prefix: "/a/") == Array("/a0".utf8))
        #expect(EtcdClient.rangeEnd(prefix: "") == [0])
        #expect(EtcdClient.rangeStart("") == [0])
    }
}
