extension FeatureClient {
    /// How a client protects its connections and proves who it is (docs/client.md,
    /// "Security"): TLS, and a bearer token sent in each connection's handshake.
    ///
    /// ```swift
    /// let configuration = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "features.internal", port: 7421)) {
    ///     $0.security = .init(
    ///         tls: .init(trustRootsFile: "/etc/skewless/ca.pem"),
    ///         bearerToken: ProcessInfo.processInfo.environment["SKEWLESS_TOKEN"])
    /// }
    /// ```
    public struct Security: Sendable, Hashable {
        /// TLS to every node; nil: plain TCP.
        public var tls: TLS?
        /// An API key or a JWT, for nodes that require authentication; nil: none. A JWT that
        /// expires ends the connections it opened at their next request (`UNAUTHENTICATED`):
        /// make a new client with a fresh token.
        public var bearerToken: String?

        public init(tls: TLS? = nil, bearerToken: String? = nil) {
            self.tls = tls
            self.bearerToken = bearerToken
        }

        /// Plain TCP, no token: a local node or cluster.
        public static let none = Security()
    }

    /// TLS settings, as PEM files.
    public struct TLS: Sendable, Hashable {
        /// The CA certificates that sign the nodes' certificates; nil: the system's roots.
        public var trustRootsFile: String?
        /// This client's certificate chain, for nodes that ask for client certificates
        /// (mutual TLS); give `privateKeyFile` with it.
        public var certificateFile: String?
        public var privateKeyFile: String?
        /// The name the nodes' certificates must hold; nil: each node's host as the client
        /// dials it (a DNS name, or an IP address the certificate lists).
        public var serverName: String?

        public init(trustRootsFile: String? = nil, certificateFile: String? = nil, privateKeyFile: String? = nil, serverName: String? = nil) {
            self.trustRootsFile = trustRootsFile
            self.certificateFile = certificateFile
            self.privateKeyFile = privateKeyFile
            self.serverName = serverName
        }
    }
}
