import Foundation
import JWTKit
import SkewlessModel

/// Verifies JWTs against one key, synchronously (at a connection's handshake, on its event
/// loop): the signature with the key's algorithm (the token's `alg` must be that algorithm;
/// `none` never is), then the claims (`TokenClaims`). Built from the key file by `load`.
struct TokenVerifier: Sendable {
    let algorithm: any JWTAlgorithm
    let issuer: String?
    let audience: String?
    /// Clock skew tolerated on `exp` and `nbf`, in seconds.
    static let leewaySeconds: Double = 5

    /// Reads the key: a PEM public key (ES256, ES384, RS256) or an HMAC secret (HS256).
    /// - Throws: `INVALID_ARGUMENT` when the file cannot be read or holds no usable key.
    static func load(_ settings: NodeSecurity.JWTSettings) async throws(SkewlessError) -> TokenVerifier {
        guard let data = FileManager.default.contents(atPath: settings.keyFile) else {
            throw SkewlessError(.invalidArgument, "cannot read the JWT key file \(settings.keyFile): it does not exist or cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self)
        let keys = JWTKeyCollection()
        do {
            if text.contains("-----BEGIN PUBLIC KEY-----") {
                if let key = try? ES256PublicKey(pem: text) {
                    await keys.add(ecdsa: key)
                } else if let key = try? ES384PublicKey(pem: text) {
                    await keys.add(ecdsa: key)
                } else if let key = try? Insecure.RSA.PublicKey(pem: text) {
                    await keys.add(rsa: key, digestAlgorithm: .sha256)
                } else {
                    throw SkewlessError(.invalidArgument, "the JWT key file \(settings.keyFile) holds a public key that is neither P-256, P-384 nor RSA (ES256, ES384, RS256)")
                }
            } else if text.contains("-----BEGIN") {
                throw SkewlessError(.invalidArgument, "the JWT key file \(settings.keyFile) holds PEM that is not a public key (-----BEGIN PUBLIC KEY-----): give the public key tokens are verified with, never a private key or a certificate")
            } else {
                let secret = text.trimmingCharacters(in: .newlines)
                guard secret.utf8.count >= 32 else {
                    throw SkewlessError(.invalidArgument, "the JWT key file \(settings.keyFile) holds an HMAC secret of \(secret.utf8.count) bytes: use at least 32 random bytes (HS256)")
                }
                await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            }
            return TokenVerifier(algorithm: try await keys.getKey(), issuer: settings.issuer, audience: settings.audience)
        } catch let error as SkewlessError {
            throw error
        } catch {
            throw SkewlessError(.invalidArgument, "cannot use the JWT key file \(settings.keyFile): \(error)")
        }
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
        guard parsed.header.alg == algorithm.name else {
            throw SkewlessError(.unauthenticated, "the bearer token is signed with \(parsed.header.alg ?? "no algorithm"), but this node verifies \(algorithm.name) tokens")
        }
        guard let lastDot = bytes.lastIndex(of: UInt8(ascii: ".")) else {
            throw SkewlessError(.unauthenticated, "the bearer token is not a JWT (header.payload.signature)")
        }
        let valid: Bool
        do {
            valid = try algorithm.verify(parsed.signature, signs: bytes[..<lastDot])
        } catch {
            valid = false
        }
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
