import Foundation
import SkewlessModel
import Testing

@testable import SkewlessServer

/// The node's key files: what is accepted, and each mistake named with its file (and line).
@Suite struct SecurityFilesTests {
    static func file(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "skewless-keys-\(UUID().uuidString)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func anAPIKeyFileMapsHashesToPrincipals() throws {
        let hash = APIKeyFile.hash("sk_one")
        let path = try Self.file("# comment\n\nrecsys   \(hash.uppercased())\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keys = try APIKeyFile.load(path: path)
        #expect(keys.principal(forKey: "sk_one") == "recsys", "hex digits in either case")
        #expect(keys.principal(forKey: "sk_two") == nil)
        #expect(hash == "53e18b103866961e1186aaa601e8a32ea37f8e9fedfcf797ac439705d001ccd3", "printf %s sk_one | sha256sum")
    }

    @Test(arguments: [
        ("recsys notahash\n", ":1: expected 'PRINCIPAL SHA256HEX'"),
        ("a \(APIKeyFile.hash("k"))\nb \(APIKeyFile.hash("k"))\n", ":2: this key's hash is already the key of 'a'"),
        ("two words \(APIKeyFile.hash("k"))\n", ":1: expected"),
    ])
    func aMalformedAPIKeyFileIsRefusedAtItsLine(_ text: String, _ phrase: String) throws {
        let path = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: SkewlessError.self) { try APIKeyFile.load(path: path) }
        #expect(error?.message.contains(path + phrase) == true, "\(error?.message ?? "")")
    }

    @Test func jwtKeyFilesThatCannotVerifyAreRefused() async throws {
        for (text, phrase) in [
            ("short\n", "HMAC secret of 5 bytes"),
            ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a public key"),
            ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "neither P-256, P-384 nor RSA"),
            ("\n\n", "holds no key"),
        ] {
            let path = try Self.file(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                _ = try await TokenVerifier.load(.init(keyFile: path))
                Issue.record("\(text.debugDescription) was accepted")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(phrase), "\(error.message)")
            }
        }
        do {
            _ = try await TokenVerifier.load(.init(keyFile: "/nonexistent/jwt.pem"))
            Issue.record("a missing file was accepted")
        } catch {
            #expect(error.message.contains("/nonexistent/jwt.pem"))
        }
    }
}
