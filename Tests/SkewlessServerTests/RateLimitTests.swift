import Foundation
import SkewlessModel
import SkewlessWire
import Testing

@testable import SkewlessServer

/// Per-principal token buckets: the arithmetic of one bucket, and a real node refusing a
/// principal's requests over its rate, across its connections, and no one else's.
@Suite(.timeLimit(.minutes(2)))
struct RateLimitTests {
    @Test func aBucketAdmitsItsBurstThenOneRequestPerInterval() {
        let bucket = RateBucket(requestsPerSecond: 1_000, burst: 3)  // one per ms
        let t0: Int64 = 5_000_000_000
        #expect((0..<3).map { _ in bucket.take(nowNanos: t0) } == [true, true, true])
        #expect(!bucket.take(nowNanos: t0), "the burst is spent")
        #expect(bucket.retryAfterMilliseconds(nowNanos: t0) == 1)
        #expect(!bucket.take(nowNanos: t0 + 999_999))
        #expect(bucket.take(nowNanos: t0 + 1_000_000), "a token every millisecond")
        #expect(!bucket.take(nowNanos: t0 + 1_000_000))
        // Idle for a second: the bucket is full again, and no fuller than its burst.
        #expect((0..<4).map { _ in bucket.take(nowNanos: t0 + 1_000_000_000) } == [true, true, true, false])
    }

    @Test func aPrincipalOverItsRateIsRefusedOnEveryConnectionAndOthersAreNot() async throws {
        let directory = NSTemporaryDirectory() + "skewless-rate-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let keysFile = directory + "/api-keys"
        try ["busy", "calm"].map { "\($0) \(AuthenticationTests.Keys.sha256("key-\($0)"))" }.joined(separator: "\n")
            .write(toFile: keysFile, atomically: true, encoding: .utf8)
        try await TestNode.withNode(repo: try AccessFixtures.repo(access: "access:\n  admins: [busy]\n"), configure: {
            $0.security.requireAuthentication = true
            $0.security.apiKeysFile = keysFile
            // One request a second after a burst of 4: the test never waits for a token.
            $0.security.rateLimit = NodeSecurity.RateLimit(requestsPerSecond: 1, burst: 4)
        }) { node in
            var codes: [Skewless_V1_StatusCode] = []
            var elapsed = Duration.zero
            var seventh: Skewless_V1_StatusCode?
            var refusedAfter = 0
            try await RawConnection.with(port: node.port, token: "key-busy") { first in
                try await RawConnection.with(port: node.port, token: "key-busy") { second in
                    let started = ContinuousClock.now
                    for connection in [first, second, first, second, first, second] {
                        codes.append(try #require(try await connection.call(.health, Skewless_V1_HealthRequest())).status.code)
                    }
                    elapsed = ContinuousClock.now - started
                    let refused = try #require(try await second.call(.health, Skewless_V1_HealthRequest()))
                    seventh = refused.status.code
                    if refused.status.code == .resourceExhausted {
                        #expect(refused.status.message.contains("'busy' may send 1 requests a second"), "\(refused.status.message)")
                    }
                    // Refusals are not invalid requests: the connection stays open.
                    let eighth = try await first.call(.health, Skewless_V1_HealthRequest())
                    #expect(eighth != nil)
                    if eighth?.status.code == .resourceExhausted { refusedAfter += 1 }
                }
            }
            // A token comes back every second: a machine slow enough to spend one between the
            // calls lets that many more through.
            let refilled = Int(elapsed.components.seconds)
            #expect(Array(codes.prefix(4)) == [.ok, .ok, .ok, .ok], "the burst of 4 is the principal's, over both connections")
            #expect(codes.filter { $0 == .ok }.count <= 4 + refilled)
            #expect(codes.allSatisfy { $0 == .ok || $0 == .resourceExhausted })
            let calm = try await RawConnection.with(port: node.port, token: "key-calm") { calm in
                try await calm.call(.health, Skewless_V1_HealthRequest())?.status.code
            }
            #expect(calm == .ok, "another principal has its own bucket")
            // Refusals are audited (a slow machine refills tokens between the calls, and makes
            // fewer of them than the 3 a fast one gets).
            let audited = node.server.security.auditCounts.rateLimited
            if codes.contains(.resourceExhausted) || seventh == .resourceExhausted || refusedAfter > 0 {
                #expect(audited >= 1)
            }
        }
    }

    @Test func withoutAuthenticationTheLimitIsPerClientAddress() async throws {
        try await TestNode.withNode(configure: { $0.security.rateLimit = NodeSecurity.RateLimit(requestsPerSecond: 1, burst: 2) }) { node in
            let started = ContinuousClock.now
            var codes: [Skewless_V1_StatusCode?] = []
            try await RawConnection.with(port: node.port) { connection in
                // The handshake took no token: limits count requests after it.
                for _ in 0..<3 {
                    codes.append(try await connection.call(.health, Skewless_V1_HealthRequest())?.status.code)
                }
            }
            try await RawConnection.with(port: node.port) { another in
                codes.append(try await another.call(.health, Skewless_V1_HealthRequest())?.status.code)
            }
            // Unless the machine took a second over it (a token came back), the third and the
            // other connection's first (the same address) are refused.
            if ContinuousClock.now - started < .seconds(1) {
                #expect(codes == [.ok, .ok, .resourceExhausted, .resourceExhausted])
            } else {
                #expect(Array(codes.prefix(2)) == [.ok, .ok])
            }
        }
    }
}
