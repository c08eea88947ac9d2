import Foundation
import JWTKit
import Skewless
import SkewlessModel
import SkewlessServer
import SkewlessWire
import Testing

/// Principals in the handshake, against real nodes: API keys and JWTs (HMAC and ECDSA) that
/// are good, missing, bad, expired or for someone else; a credential that expires while its
/// connection is open; and random credentials, none of which get past the handshake.
@Suite(.timeLimit(.minutes(3)))
struct AuthenticationTests {
    /// Key files in a temporary directory: an API key file, an HMAC secret, an ECDSA key pair.
    struct Keys: Sendable {
        let directory: String
        let apiKeysFile: String
        let hmacFile: String
        let secret = "a-test-secret-of-more-than-32-bytes-0123456789"
        let ecPublicFile: String
        let ecPrivate: ES256PrivateKey
        /// principal -> API key.
        static let apiKeys = ["fraud-scorer": "sk_test_fraud_0123456789", "ops": "sk_test_ops_abcdefghij"]

        init() throws {
            directory = NSTemporaryDirectory() + "skewless-auth-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            apiKeysFile = directory + "/api-keys"
            let lines = Self.apiKeys.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.sha256($0.value))" }
            try (["# principal sha256(key)"] + lines).joined(separator: "\n").write(toFile: apiKeysFile, atomically: true, encoding: .utf8)
            hmacFile = directory + "/jwt-secret"
            try (secret + "\n").write(toFile: hmacFile, atomically: true, encoding: .utf8)
            ecPrivate = ES256PrivateKey()
            ecPublicFile = directory + "/jwt-public.pem"
            try ecPrivate.publicKey.pemRepresentation.write(toFile: ecPublicFile, atomically: true, encoding: .utf8)
        }

        static func sha256(_ text: String) -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try? process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try? input.fileHandleForWriting.close()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
        }

        func remove() {
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// A JWT signed with the HMAC secret (or `secret`).
        func hmacToken(_ claims: TestClaims, secret: String? = nil) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: secret ?? self.secret), digestAlgorithm: .sha256)
            return try await keys.sign(claims)
        }

        /// A JWT signed with the ECDSA key (or `key`).
        func ecToken(_ claims: TestClaims, key: ES256PrivateKey? = nil) async throws -> String {
            let keys = JWTKeyCollection()
            await keys.add(ecdsa: key ?? ecPrivate)
            return try await keys.sign(claims)
        }
    }

    struct TestClaims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iss: IssuerClaim?
        var aud: AudienceClaim?
        var groups: [String]?

        init(_ subject: String, expiresIn seconds: Double = 600, issuer: String? = "skewless-tests", audience: String? = nil, groups: [String]? = nil) {
            sub = SubjectClaim(value: subject)
            exp = ExpirationClaim(value: Date() + seconds)
            iss = issuer.map { IssuerClaim(value: $0) }
            aud = audience.map { AudienceClaim(value: [$0]) }
            self.groups = groups
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// A node that requires authentication, with the API key file and JWTs verified with
    /// `jwtKeyFile` (issuer "skewless-tests").
    static func withAuthNode<T: Sendable>(
        _ keys: Keys, jwtKeyFile: String?, _ body: (TestNode) async throws -> T
    ) async throws -> T {
        try await TestNode.withNode(configure: {
            $0.security.requireAuthentication = true
            $0.security.apiKeysFile = keys.apiKeysFile
            $0.security.jwt = jwtKeyFile.map { NodeSecurity.JWTSettings(keyFile: $0, issuer: "skewless-tests") }
        }, body)
    }

    /// The handshake's answer to `token`.
    static func handshake(_ port: Int, token: String) async throws -> (status: Skewless_V1_Status, principal: String, closed: Bool) {
        try await RawConnection.with(port: port, handshake: false) { connection in
            var hello = Skewless_V1_HandshakeRequest()
            hello.protocolVersion = 1
            hello.bearerToken = token
            let answer = try #require(try await connection.call(.handshake, hello))
            let principal = answer.status.code == .ok ? try Skewless_V1_HandshakeResponse(serializedBytes: answer.payload).principal : ""
            var closed = false
            if answer.status.code != .ok {
                closed = try await connection.next() == nil
            }
            return (answer.status, principal, closed)
        }
    }

    @Test func anAPIKeyNamesItsPrincipalAndABadOrMissingOneIsRefused() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        try await Self.withAuthNode(keys, jwtKeyFile: nil) { node in
            let good = try await Self.handshake(node.port, token: Keys.apiKeys["fraud-scorer"]!)
            #expect(good.status.code == .ok)
            #expect(good.principal == "fraud-scorer")

            let bad = try await Self.handshake(node.port, token: "sk_test_not_a_key")
            #expect(bad.status.code == .unauthenticated)
            #expect(bad.status.message.contains("not an API key"), "\(bad.status.message)")
            #expect(bad.closed, "the node closes a connection whose handshake it refused")

            let missing = try await Self.handshake(node.port, token: "")
            #expect(missing.status.code == .unauthenticated)
            #expect(missing.status.message.contains("requires authentication"))
            #expect(missing.closed)

            // Nothing beyond the handshake: a request sent without one is refused too.
            try await RawConnection.with(port: node.port, handshake: false) { connection in
                let answer = try await connection.call(.health, Skewless_V1_HealthRequest())
                #expect(answer?.status.code == .failedPrecondition)
                #expect(try await connection.next() == nil)
            }
            #expect(node.server.security.auditCounts.unauthenticated == 2)

            // The SDK sends its token and reports a refusal as UNAUTHENTICATED.
            let client = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) {
                $0.security.bearerToken = Keys.apiKeys["ops"]
            })
            #expect(try await client.health().nodeID == "node-1")
            await client.close()
            let refused = FeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: node.port)) {
                $0.security.bearerToken = "sk_wrong"
            })
            do {
                _ = try await refused.health()
                Issue.record("a wrong API key was accepted")
            } catch let error as SkewlessError {
                #expect(error.code == .unauthenticated)
            }
            await refused.close()
        }
    }

    @Test func hmacJWTsAreVerifiedForSignatureExpiryAndIssuer() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        try await Self.withAuthNode(keys, jwtKeyFile: keys.hmacFile) { node in
            let good = try await Self.handshake(node.port, token: try await keys.hmacToken(TestClaims("recsys")))
            #expect(good.status.code == .ok)
            #expect(good.principal == "recsys")

            let expired = try await Self.handshake(node.port, token: try await keys.hmacToken(TestClaims("recsys", expiresIn: -60)))
            #expect(expired.status.code == .unauthenticated)
            #expect(expired.status.message.contains("expired"), "\(expired.status.message)")

            let forged = try await Self.handshake(node.port, token: try await keys.hmacToken(TestClaims("recsys"), secret: String(repeating: "x", count: 40)))
            #expect(forged.status.code == .unauthenticated)
            #expect(forged.status.message.contains("signature"), "\(forged.status.message)")

            let foreign = try await Self.handshake(node.port, token: try await keys.hmacToken(TestClaims("recsys", issuer: "someone-else")))
            #expect(foreign.status.code == .unauthenticated)
            #expect(foreign.status.message.contains("someone-else"))

            // A token that says it needs no signature is not taken.
            let header = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#)
            let claims = Self.base64URL(#"{"sub":"ops","exp":\#(Int(Date().timeIntervalSince1970) + 600),"iss":"skewless-tests"}"#)
            let unsigned = try await Self.handshake(node.port, token: header + "." + claims + ".")
            #expect(unsigned.status.code == .unauthenticated)

            // API keys still work next to JWTs.
            #expect(try await Self.handshake(node.port, token: Keys.apiKeys["ops"]!).principal == "ops")
        }
    }

    @Test func ecdsaJWTsAreVerifiedWithThePublicKey() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        try await Self.withAuthNode(keys, jwtKeyFile: keys.ecPublicFile) { node in
            let good = try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("fraud-scorer", groups: ["fraud-team"])))
            #expect(good.status.code == .ok)
            #expect(good.principal == "fraud-scorer")
            let otherKey = try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("fraud-scorer"), key: ES256PrivateKey()))
            #expect(otherKey.status.code == .unauthenticated)
            // An HMAC token made with the public key as its secret (the old algorithm confusion) fails.
            let confused = try await Self.handshake(
                node.port, token: try await keys.hmacToken(TestClaims("ops"), secret: try String(contentsOfFile: keys.ecPublicFile, encoding: .utf8)))
            #expect(confused.status.code == .unauthenticated)
            #expect(confused.status.message.contains("HS256"))
        }
    }

    @Test func aKeyFileWithTheOldAndTheNewKeyAcceptsTokensOfBothWhileTheSignerRotates() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        let next = ES256PrivateKey()
        let both = keys.directory + "/jwt-both.pem"
        try (keys.ecPrivate.publicKey.pemRepresentation + "\n" + next.publicKey.pemRepresentation).write(toFile: both, atomically: true, encoding: .utf8)
        try await Self.withAuthNode(keys, jwtKeyFile: both) { node in
            #expect(try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("old"))).principal == "old")
            #expect(try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("new"), key: next)).principal == "new")
            #expect(try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("other"), key: ES256PrivateKey())).status.code == .unauthenticated)
            // The old key retired: the file is rewritten and the node told (SIGHUP in fsnode).
            try next.publicKey.pemRepresentation.write(toFile: both, atomically: true, encoding: .utf8)
            try await node.server.reloadSecurity()
            #expect(try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("old"))).status.code == .unauthenticated)
            #expect(try await Self.handshake(node.port, token: try await keys.ecToken(TestClaims("new"), key: next)).principal == "new")
        }
    }

    @Test func aConnectionWhoseTokenExpiresIsRefusedAtItsNextRequestAndClosed() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        try await Self.withAuthNode(keys, jwtKeyFile: keys.hmacFile) { node in
            // Long enough for a loaded machine to handshake and answer one request in time.
            let claims = TestClaims("recsys", expiresIn: 6)
            let token = try await keys.hmacToken(claims)
            try await RawConnection.with(port: node.port, token: token) { connection in
                #expect(try await connection.call(.health, Skewless_V1_HealthRequest())?.status.code == .ok)
                let left = claims.exp.value.timeIntervalSinceNow
                try await Task.sleep(for: .milliseconds(Int(max(0, left) * 1_000) + 500))
                let late = try await connection.call(.health, Skewless_V1_HealthRequest())
                #expect(late?.status.code == .unauthenticated)
                #expect(late?.status.message.contains("expired") == true)
                #expect(try await connection.next() == nil)
            }
        }
    }

    /// Random credentials: bytes, JWT-shaped strings, and a good token with one character
    /// changed. Every one is refused UNAUTHENTICATED and the node keeps serving.
    @Test func randomCredentialsNeverGetPastTheHandshake() async throws {
        let keys = try Keys()
        defer { keys.remove() }
        var random = TestSeed.generator(19)
        try await Self.withAuthNode(keys, jwtKeyFile: keys.hmacFile) { node in
            let good = try await keys.hmacToken(TestClaims("recsys"))
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \u{0}é")
            for round in 0..<120 {
                let token: String
                switch round % 3 {
                case 0:
                    token = String((0..<Int.random(in: 0...300, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
                case 1:
                    let part = { (count: Int) in String((0..<count).map { _ in alphabet.randomElement(using: &random)! }) }
                    token = part(Int.random(in: 0...40, using: &random)) + "." + part(Int.random(in: 0...80, using: &random)) + "." + part(Int.random(in: 0...60, using: &random))
                default:
                    var characters = Array(good)
                    let index = Int.random(in: 0..<characters.count, using: &random)
                    var replacement = alphabet.randomElement(using: &random)!
                    while replacement == characters[index] { replacement = alphabet.randomElement(using: &random)! }
                    characters[index] = replacement
                    token = String(characters)
                }
                guard token != good else { continue }
                let answer = try await Self.handshake(node.port, token: token)
                // A changed character in the signature's last base64 digit may only change
                // padding bits: the token then still verifies, and that is correct.
                if answer.status.code == .ok {
                    #expect(answer.principal == "recsys", "\(TestSeed.note)")
                } else {
                    #expect(answer.status.code == .unauthenticated, "token \(token.debugDescription): \(answer.status.message); \(TestSeed.note)")
                }
            }
            #expect(try await Self.handshake(node.port, token: good).principal == "recsys")
        }
    }
}
