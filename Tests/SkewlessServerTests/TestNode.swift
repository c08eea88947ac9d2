import Foundation
import Logging
import NIOCore
import SkewlessModel
import SkewlessRepo
import SkewlessServer
import Synchronization

/// A real node on 127.0.0.1 with an OS-chosen port, serving the sample feature repo.
/// Start it with `TestNode.withNode { node in ... }`; it is shut down gracefully afterwards.
struct TestNode: Sendable {
    let server: NodeServer
    let port: Int

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func sampleRepo() throws -> FeatureRepo {
        try FeatureRepoLoader.load(path: packageRoot.appendingPathComponent("examples/feature_repo").path)
    }

    /// - Parameter repo: the repo to serve; the sample repo when nil.
    static func withNode<T: Sendable>(
        repo: FeatureRepo? = nil,
        configure: (inout NodeConfiguration) -> Void = { _ in },
        _ body: (TestNode) async throws -> T
    ) async throws -> T {
        var configuration = NodeConfiguration.defaults
        configuration.port = 0
        configuration.eventLoopThreads = 2
        configuration.drainTimeoutSeconds = 5
        // Writes are logged in an offline store before they are acknowledged: every test
        // node has one of its own, removed afterwards, unless the test gives another (or none).
        let store = NSTemporaryDirectory() + "skewless-node-store-\(UUID().uuidString)"
        configuration.segmentsDirectory = store
        defer { try? FileManager.default.removeItem(atPath: store) }
        configure(&configuration)
        let bound = Mutex<Int?>(nil)
        var logger = Logger(label: "skewless.test-node")
        logger.logLevel = .warning
        var audit = Logger(label: "skewless.audit")
        audit.logLevel = .error  // tests count refusals (SecurityState.auditCounts) rather than read them
        let server = NodeServer(configuration: configuration, repo: try repo ?? sampleRepo(), logger: logger, auditLogger: audit) { address in
            bound.withLock { $0 = address.port }
        }
        let serving = Task { try await server.run() }
        var port: Int?
        for _ in 0..<500 {
            port = bound.withLock { $0 }
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port else {
            serving.cancel()
            throw SkewlessError(.unavailable, "the test node did not start listening within 5s")
        }
        // A standalone node loads its store at start and answers reads UNAVAILABLE until it
        // is done: the body gets a node that serves. (On a loaded machine the load of even an
        // empty store outlasted a test's first hundred reads, and a node stopped before its
        // load ends keeps refusing reads.)
        for _ in 0..<3_000 where server.isLoading {
            try await Task.sleep(for: .milliseconds(10))
        }
        let node = TestNode(server: server, port: port)
        do {
            let result = try await body(node)
            server.beginGracefulShutdown()
            try await serving.value
            return result
        } catch {
            server.beginGracefulShutdown()
            _ = try? await serving.value
            throw error
        }
    }
}
