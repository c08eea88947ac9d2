import SkewlessTLS

/// How a node protects its connections and whom it serves (docs/operations.md, "Security").
/// The defaults are a local cluster's: plain TCP, no authentication, no rate limit.
package struct NodeSecurity: Sendable {
    /// TLS on the node's port and on its calls to its peers; nil: plain TCP. The chain and key
    /// are presented to clients (and to peers, as this node's client certificate); the trust
    /// roots check client certificates and the peers' certificates.
    package var tls: TLSFiles? = nil
    /// Whether clients present certificates (with `tls`).
    package var clientCertificates: ClientCertificatePolicy = .none
    /// Refuse every connection whose handshake does not authenticate a principal
    /// (`UNAUTHENTICATED`), and hold the others to the repo's access policy.
    package var requireAuthentication = false
    /// API keys the node accepts, by their SHA-256 (`APIKeyFile`).
    package var apiKeysFile: String? = nil
    /// JWTs the node accepts.
    package var jwt: JWTSettings? = nil
    /// The bearer token this node sends in its handshakes with its peers, when they require
    /// authentication and this node has no client certificate they accept.
    package var peerTokenFile: String? = nil
    /// Requests per second per principal (per client address without authentication).
    package var rateLimit = RateLimit.off

    package init() {}

    /// JWT verification: the key and the claims required.
    package struct JWTSettings: Sendable, Hashable {
        /// A PEM public key (ES256, ES384, RS256) or a file holding an HMAC secret (HS256, at
        /// least 32 bytes).
        package var keyFile: String
        /// When set, a token's `iss` must be this.
        package var issuer: String?
        /// When set, a token's `aud` must include this.
        package var audience: String?

        package init(keyFile: String, issuer: String? = nil, audience: String? = nil) {
            self.keyFile = keyFile
            self.issuer = issuer
            self.audience = audience
        }
    }

    /// A token bucket per principal: `requestsPerSecond` on average, bursts of up to `burst`.
    package struct RateLimit: Sendable, Hashable {
        /// 0: no limit.
        package var requestsPerSecond: Int
        /// Requests a principal may send at once after being idle; 0: one second's worth.
        package var burst: Int

        package static let off = RateLimit(requestsPerSecond: 0, burst: 0)

        package init(requestsPerSecond: Int, burst: Int = 0) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }

        package var isOn: Bool { requestsPerSecond > 0 }
    }
}
