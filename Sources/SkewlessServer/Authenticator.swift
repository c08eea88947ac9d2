import SkewlessModel

/// Turns a handshake's credential into a principal: a bearer token that is an API key of the
/// node's key file or a JWT its key verifies, or else the client certificate's common name
/// (mutual TLS). Built from the node's files by `load`, rebuilt on a reload.
struct Authenticator: Sendable {
    let apiKeys: APIKeyFile?
    let tokens: TokenVerifier?

    /// - Throws: `INVALID_ARGUMENT` for a missing or malformed key file.
    static func load(_ security: NodeSecurity) async throws(SkewlessError) -> Authenticator {
        let apiKeys = try security.apiKeysFile.map { (path) throws(SkewlessError) in try APIKeyFile.load(path: path) }
        var tokens: TokenVerifier?
        if let jwt = security.jwt {
            tokens = try await TokenVerifier.load(jwt)
        }
        return Authenticator(apiKeys: apiKeys, tokens: tokens)
    }

    /// The principal of a connection.
    /// - Parameters:
    ///   - token: the handshake's `bearer_token` ("" when none).
    ///   - certificatePrincipal: the common name of the client's verified certificate, if any.
    /// - Throws: `UNAUTHENTICATED` with what to do.
    func authenticate(token: String, certificatePrincipal: String?, nowMicros: Int64) throws(SkewlessError) -> Identity {
        if !token.isEmpty {
            if let principal = apiKeys?.principal(forKey: token) {
                return Identity(principal: principal, source: .apiKey)
            }
            if let tokens, Self.looksLikeJWT(token) {
                return try tokens.verify(token, nowMicros: nowMicros)
            }
            let accepted = [apiKeys != nil ? "an API key of its key file" : nil, tokens != nil ? "a JWT signed with its key" : nil]
                .compactMap { $0 }.joined(separator: " or ")
            throw SkewlessError(.unauthenticated, "the bearer token is not \(accepted.isEmpty ? "accepted: this node has no API keys and no JWT key, so only client certificates authenticate" : accepted)")
        }
        if let certificatePrincipal {
            return Identity(principal: certificatePrincipal, source: .certificate)
        }
        throw SkewlessError(.unauthenticated, "this node requires authentication: send a bearer token (an API key or a JWT) in the handshake (HandshakeRequest.bearer_token, field 10), or connect over TLS with a client certificate; see docs/protocol.md, \"Authentication\"")
    }

    /// Three base64url parts separated by dots.
    static func looksLikeJWT(_ token: String) -> Bool {
        token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
    }
}
