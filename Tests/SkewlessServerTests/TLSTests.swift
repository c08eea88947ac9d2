import Foundation
import Skewless
import SkewlessServer
import SkewlessTLS
import SkewlessWire
import Testing

/// TLS between clients and a real node, with certificates made at test time (TestPKI):
/// handshakes that succeed and fail for each reason a certificate can be wrong, mutual TLS,
/// and a reload that keeps open connections while new ones get the new certificate.
@Suite(.timeLimit(.minutes(3)))
struct TLSTests {
    /// A node serving TLS with `server`, trusting `clientCA` for client certificates.
    static func tlsNode<T: Sendable>(
        _ server: TestPKI.Issued, clientCA: String? = nil, clients: ClientCertificatePolicy = .none, repo: FeatureRepo? = nil,
        configure: @escaping (inout NodeConfiguration) -> Void = { _ in },
        _ body: (TestNode) async throws -> T
    ) async throws -> T {
        try await TestNode.withNode(repo: repo, configure: {
            $0.security.tls = TLSFiles(certificateChain: server.certificateFile, privateKey: server.keyFile, trustRoots: clientCA)
            $0.security.clientCertificates = clients
            configure(&$0)
        }, body)
    }

    static func client(_ port: Int, tls: FeatureClient.TLS?, token: String? = nil) -> FeatureClient {
        FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: port)) {
            $0.security = .init(tls: tls, bearerToken: token)
            // One connection: the reload test keeps using the connection it opened first.
            $0.connectionsPerNode = 1
            $0.maxAttempts = 1
            $0.timeout = .seconds(10)
            $0.connectTimeout = .seconds(10)
        })
    }

    /// The call's error, or nil when it succeeded.
    static func failure(_ call: () async throws -> Void) async -> SkewlessError? {
        do {
            try await call()
            return nil
        } catch {
            return error as? SkewlessError ?? SkewlessError(.unknown, "\(error)")
        }
    }

    @Test func aClientTrustingTheCAReadsOverTLSAndAPlainClientIsRefused() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let server = try pki.issue("node-1")
        try await Self.tlsNode(server) { node in
            let client = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile))
            let health = try await client.health()
            #expect(health.nodeID == "node-1")
            // Dialled by name, the certificate's DNS name is checked instead of its IP address.
            let byName = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "localhost", port: node.port)) {
                $0.security = .init(tls: .init(trustRootsFile: pki.caFile))
                $0.maxAttempts = 1
                $0.timeout = .seconds(10)
                $0.connectTimeout = .seconds(10)
            })
            _ = try await byName.describe()
            await byName.close()
            await client.close()

            // Plain TCP to a TLS port: the node reads a TLS record, not a frame, and closes.
            let plain = Self.client(node.port, tls: nil)
            let error = await Self.failure { _ = try await plain.health() }
            #expect(error != nil)
            await plain.close()
            // The node is unhurt.
            let again = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile))
            #expect(try await again.health().nodeID == "node-1")
            await again.close()
        }
    }

    @Test func aCertificateFromAnotherCAIsRefused() async throws {
        let pki = try TestPKI()
        let other = try TestPKI(name: "Another CA")
        defer { pki.remove(); other.remove() }
        try await Self.tlsNode(try pki.issue("node-1")) { node in
            let client = Self.client(node.port, tls: .init(trustRootsFile: other.caFile))
            let error = await Self.failure { _ = try await client.health() }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
            await client.close()
        }
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let expired = try pki.issue("node-1", notBefore: Date() - 86_400 * 10, notAfter: Date() - 86_400)
        try await Self.tlsNode(expired) { node in
            let client = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile))
            let error = await Self.failure { _ = try await client.health() }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("TLS") == true, "\(String(describing: error))")
            await client.close()
        }
    }

    @Test func aCertificateForAnotherNameIsRefused() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        // The certificate names neither 127.0.0.1 nor the server name the client asks for.
        let elsewhere = try pki.issue("node-1", dnsNames: ["elsewhere.test"], ipAddresses: [[10, 9, 8, 7]])
        try await Self.tlsNode(elsewhere) { node in
            let byAddress = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile))
            #expect(await Self.failure { _ = try await byAddress.health() }?.code == .unavailable)
            await byAddress.close()
            let byWrongName = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile, serverName: "other.test"))
            #expect(await Self.failure { _ = try await byWrongName.health() }?.code == .unavailable)
            await byWrongName.close()
            // The name the certificate holds, asked for explicitly, is accepted.
            let byRightName = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile, serverName: "elsewhere.test"))
            let health = try await byRightName.health()
            #expect(health.nodeID == "node-1")
            await byRightName.close()
        }
    }

    @Test func mutualTLSRefusesAClientWithoutACertificateAndNamesTheOneWithIt() async throws {
        let pki = try TestPKI()
        let strangers = try TestPKI(name: "Strangers CA")
        defer { pki.remove(); strangers.remove() }
        let server = try pki.issue("node-1")
        let scorer = try pki.issue("fraud-scorer")
        let stranger = try strangers.issue("fraud-scorer", file: "stranger")
        let repo = try AccessFixtures.repo(access: """
            access:
              grants:
                - to: [fraud-scorer]
                  read: {services: [fraud_detection_v1]}
            """)
        try await Self.tlsNode(server, clientCA: pki.caFile, clients: .required, repo: repo, configure: {
            $0.security.requireAuthentication = true
        }) { node in
            let anonymous = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile))
            #expect(await Self.failure { _ = try await anonymous.health() }?.code == .unavailable)
            await anonymous.close()

            let impostor = Self.client(node.port, tls: .init(trustRootsFile: pki.caFile, certificateFile: stranger.certificateFile, privateKeyFile: stranger.keyFile))
            #expect(await Self.failure { _ = try await impostor.health() }?.code == .unavailable)
            await impostor.close()

            let tls = try TLSContexts.client(TLSFiles(certificateChain: scorer.certificateFile, privateKey: scorer.keyFile, trustRoots: pki.caFile))
            try await RawConnection.with(port: node.port, handshake: false, tls: tls) { connection in
                var hello = Skewless_V1_HandshakeRequest()
                hello.protocolVersion = 1
                let answer = try #require(try await connection.call(.handshake, hello))
                #expect(answer.status.code == .ok)
                let response = try Skewless_V1_HandshakeResponse(serializedBytes: answer.payload)
                #expect(response.principal == "fraud-scorer", "the certificate's common name is the principal")
            }
        }
    }

    @Test func aReloadKeepsOpenConnectionsAndNewOnesGetTheNewCertificate() async throws {
        let old = try TestPKI(name: "Old CA")
        let new = try TestPKI(name: "New CA", in: old.directory + "/new")
        defer { old.remove() }
        // The node reads its certificate from fixed paths; the rotation replaces the files.
        let served = try old.issue("node-1", file: "served")
        try await Self.tlsNode(served) { node in
            let kept = Self.client(node.port, tls: .init(trustRootsFile: old.caFile))
            #expect(try await kept.health().nodeID == "node-1")

            let rotated = try new.issue("node-1")
            try FileManager.default.removeItem(atPath: served.certificateFile)
            try FileManager.default.removeItem(atPath: served.keyFile)
            try FileManager.default.copyItem(atPath: rotated.certificateFile, toPath: served.certificateFile)
            try FileManager.default.copyItem(atPath: rotated.keyFile, toPath: served.keyFile)
            try await node.server.reloadSecurity()

            // The open connection goes on, on the certificate it started with.
            for _ in 0..<10 {
                #expect(try await kept.health().nodeID == "node-1")
            }
            await kept.close()
            // New connections get the new certificate: clients trusting only the old CA fail.
            let stale = Self.client(node.port, tls: .init(trustRootsFile: old.caFile))
            #expect(await Self.failure { _ = try await stale.health() }?.code == .unavailable)
            await stale.close()
            let fresh = Self.client(node.port, tls: .init(trustRootsFile: new.caFile))
            #expect(try await fresh.health().nodeID == "node-1")
            await fresh.close()

            // A reload that fails (a missing file) keeps what is in use.
            try FileManager.default.removeItem(atPath: served.keyFile)
            await #expect(throws: SkewlessError.self) { try await node.server.reloadSecurity() }
            let still = Self.client(node.port, tls: .init(trustRootsFile: new.caFile))
            #expect(try await still.health().nodeID == "node-1")
            await still.close()
        }
    }

    @Test func aNodeWithAMissingCertificateDoesNotStart() async throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        var configuration = NodeConfiguration.defaults
        configuration.port = 0
        configuration.security.tls = TLSFiles(certificateChain: pki.directory + "/missing.pem", privateKey: pki.directory + "/missing-key.pem")
        let server = NodeServer(configuration: configuration, repo: try TestNode.sampleRepo())
        do {
            try await server.run()
            Issue.record("the node started without its certificate")
        } catch let error as SkewlessError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("missing.pem"))
        }
    }
}
