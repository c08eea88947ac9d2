import Foundation
import JWTKit
import SkewlessModel

/// Verifies JWTs against the keys of one file, synchronously (at a connection's handshake, on
/// its event loop): the signature with a key of the token's algorithm (`none` never is one),
/// then the claims (`TokenClaims`). Built from the key file by `load`. Several keys in the file
/// (PEM public keys one after another, or one HMAC secret per line) let a signing key be rotated
/// without refusing the tokens of the old one meanwhile.
struct TokenVerifier: Sendable {
    let algorithms: [any JWTAlgorithm]
    let issuer: String?
    let audience: String?
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    static let leewaySeconds: Double = 5

    /// Reads the keys: PEM public keys (ES256, ES384, RS256), or HMAC secrets (HS256), one a line.
    /// - Throws: `INVALID_ARGUMENT` when the file cannot be read or holds no usable key.
    static func load(_ settings: NodeSecurity.JWTSettings) async throws(SkewlessError) -> TokenVerifier {
        let path = settings.keyFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SkewlessError(.invalidArgument, "cannot read the JWT key file \(path): it does not exist or cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self)
        var algorithms: [any JWTAlgorithm] = []
        if text.contains("-----BEGIN") {
            let blocks = Self.pemBlocks(text)
            for (index, block) in blocks.enumerated() {
                guard block.hasPrefix("-----BEGIN PUBLIC KEY-----") else {
                    throw SkewlessError(.invalidArgument, "the JWT key file \(path) holds PEM that is not a public key (block \(index + 1)): give the public keys tokens are verified with (-----BEGIN PUBLIC KEY-----), never a private key or a certificate")
                }
                let keys = JWTKeyCollection()
                if let key = try? ES256PublicKey(pem: block) {
                    await keys.add(ecdsa: key)
                } else if let key = try? ES384PublicKey(pem: block) {
                    await keys.add(ecdsa: key)
                } else if let key = try? Insecure.RSA.PublicKey(pem: block) {
                    await keys.add(rsa: key, digestAlgorithm: .sha256)
                } else {
                    throw SkewlessError(.invalidArgument, "the JWT key file \(path) holds a public key (block \(index + 1)) that is neither P-256, P-384 nor RSA (ES256, ES384, RS256)")
                }
                algorithms.append(try await Self.key(of: keys, path: path))
            }
        } else {
            for secret in text.split(whereSeparator: \.isNewline).map({ String($0) }) where !secret.isEmpty {
                guard secret.utf8.count >= 32 else {
                    throw SkewlessError(.invalidArgument, "the JWT key file \(path) holds an HMAC secret of \(secret.utf8.count) bytes: use at least 32 random bytes (HS256), one secret a line")
                }
                let keys = JWTKeyCollection()
                await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
                algorithms.append(try await Self.key(of: keys, path: path))
            }
        }
        guard !algorithms.isEmpty else {
            throw SkewlessError(.invalidArgument, "the JWT key file \(path) holds no key: a PEM public key, or an HMAC secret of 32 bytes or more")
        }
        return TokenVerifier(algorithms: algorithms, issuer: settings.issuer, audience: settings.audience)
    }

    private static func key(of keys: JWTKeyCollection, path: String) async throws(SkewlessError) -> any JWTAlgorithm {
        do {
            return try await keys.getKey()
        } catch {
            throw SkewlessError(.invalidArgument, "cannot use the JWT key file \(path): \(error)")
        }
    }

    /// The PEM blocks of `text`, each from its BEGIN line to its END line.
    static func pemBlocks(_ text: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring] = []
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("-----BEGIN") { current = [] }
            current.append(line)
            if line.hasPrefix("-----END") {
                blocks.append(current.joined(separator: "\n") + "\n")
                current = []
            }
        }
        return blocks
    }

    /// The identity `token` proves.
    /// - Throws: `UNAUTHENTICATED` saying what is wrong with the token (malformed, signed
    ///   with another key or algorithm, expired, not yet valid, another issuer or audience).
    func verify(_ token: String, nowMicros: Int64) throws(SkewlessError) -> Identity {
        let bytes = Array(token.utf8)
        let parsed: (header: JWTHeader, payload: TokenClaims, signature: Data)
        do {
            parsed = try DefaultJWTParser().parse(bytes, as: TokenClaims.self)
        } catch {
            throw SkewlessError(.unauthenticated, "the bearer token is not a well-formed JWT with the claims sub and exp: \(error)")
        }
        let candidates = algorithms.filter { $0.name == parsed.header.alg }
        guard !candidates.isEmpty else {
            let names = Set(algorithms.map(\.name)).sorted().joined(separator: ", ")
            throw SkewlessError(.unauthenticated, "the bearer token is signed with \(parsed.header.alg ?? "no algorithm"), but this node verifies \(names) tokens")
        }
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else {
            throw SkewlessError(.unauthenticated, "the bearer token is not a JWT (header.payload.signature)")
        }
        let signed = bytes[..<lastDot]
        let valid = candidates.contains { algorithm in (try? algorithm.verify(parsed.signature, signs: signed)) ?? false }
        guard valid else {
            throw SkewlessError(.unauthenticated, "the bearer token's signature does not verify with this node's key: it was signed by another key, or altered")
        }
        let claims = parsed.payload
        let now = Double(nowMicros) / 1_000_000
        let expires = claims.exp.value.timeIntervalSince1970
        guard expires + Self.leewaySeconds > now else {
            throw SkewlessError(.unauthenticated, "the bearer token expired at \(ISO8601DateFormatter().string(from: claims.exp.value)): get a new one")
        }
        if let notBefore = claims.nbf?.value, notBefore.timeIntervalSince1970 - Self.leewaySeconds > now {
            throw SkewlessError(.unauthenticated, "the bearer token is not valid before \(ISO8601DateFormatter().string(from: notBefore))")
        }
        if let issuer, claims.iss?.value != issuer {
            throw SkewlessError(.unauthenticated, "the bearer token was issued by '\(claims.iss?.value ?? "nobody")', but this node accepts tokens of '\(issuer)'")
        }
        if let audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw SkewlessError(.unauthenticated, "the bearer token is not meant for '\(audience)' (its audience: \(claims.aud?.value.joined(separator: ", ") ?? "none"))")
        }
        let subject = claims.sub.value
        guard !subject.isEmpty, !subject.contains(where: \.isWhitespace) else {
            throw SkewlessError(.unauthenticated, "the bearer token's subject '\(subject)' is not a principal's name (empty, or with spaces)")
        }
        return Identity(
            principal: subject, claimedGroups: claims.groups ?? [], expiresAtMicros: Int64(expires * 1_000_000), source: .jwt)
    }
}
