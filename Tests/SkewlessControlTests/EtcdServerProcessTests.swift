import Foundation
import SkewlessModel
import Testing
@testable import SkewlessControl

@Suite(.enabled(if: etcdInstalled, "etcd is not installed: scripts/setup.sh"))
struct EtcdServerProcessTests {
    @Test func startsLogsToItsDirectoryAndCleansUpOnStop() async throws {
        let etcd = try await EtcdServerProcess.start()
        let client = try EtcdClient(endpoints: [etcd.endpoint], timeout: .milliseconds(500))
        do {
            #expect(etcd.endpoint == "http://127.0.0.1:\(etcd.clientPort)")
            #expect(etcd.clientPort != etcd.peerPort)
            try await client.put("/a", .utf8("b"))
            let pid = try #require(etcd.pid)
            #expect(FileManager.default.fileExists(atPath: etcd.logPath))
            #if os(Linux)
            // etcd's stdout and stderr are its log, never the test runner's pipes.
            for descriptor in [1, 2] {
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(descriptor)")
                #expect(target == etcd.logPath)
            }
            #endif
        } catch {
            await client.shutdown()
            await etcd.stop()
            throw error
        }
        await etcd.stop()
        #expect(etcd.pid == nil)
        #expect(!FileManager.default.fileExists(atPath: etcd.directory))
        let error = await #expect(throws: SkewlessError.self) { _ = try await client.get("/a") }
        #expect(error?.code == .unavailable)
        await client.shutdown()
    }

    @Test func restartsOnTheSamePortsWithItsData() async throws {
        try await withEtcd { etcd, client in
            try await client.put("/kept", .utf8("yes"))
            let endpoint = etcd.endpoint
            etcd.kill9()
            #expect(await eventually { etcd.pid == nil })
            await #expect(throws: SkewlessError.self) { _ = try await client.get("/kept") }
            try await etcd.restart()
            #expect(etcd.endpoint == endpoint)
            #expect(try await client.get("/kept")?.value == .utf8("yes"))
            // A restart of a running etcd stops it first.
            try await etcd.restart()
            #expect(try await client.get("/kept")?.value == .utf8("yes"))
        }
    }

    @Test func keepsADirectoryItWasGiven() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-etcd-given-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let etcd = try await EtcdServerProcess.start(dataDirectory: directory)
        await etcd.stop()
        #expect(FileManager.default.fileExists(atPath: directory + "/data/member"))
        #expect(FileManager.default.fileExists(atPath: directory + "/etcd.log"))
    }

    @Test func aMissingEtcdSaysHowToInstallIt() async {
        let error = await #expect(throws: SkewlessError.self) { _ = try await EtcdServerProcess.start(executable: "no-such-etcd") }
        #expect(error?.code == .failedPrecondition)
        #expect(error?.message.contains("scripts/setup.sh") == true)
    }
}
