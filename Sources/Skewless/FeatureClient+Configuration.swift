extension FeatureClient {
    /// How a client connects, times out and retries.
    ///
    /// ```swift
    /// let configuration = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "127.0.0.1", port: 7421)) {
    ///     $0.timeout = .milliseconds(50)
    /// }
    /// ```
    public struct Configuration: Sendable {
        /// The node to talk to.
        public var endpoint: Endpoint
        /// TCP connections kept open to the node. Requests are pipelined on each.
        public var connectionsPerNode: Int
        /// The deadline of a call that gives none. It covers retries too.
        public var timeout: Duration
        /// How long establishing a connection (TCP and handshake) may take.
        public var connectTimeout: Duration
        /// Attempts per call on a connection failure (`unavailable`), within the deadline.
        public var maxAttempts: Int
        /// Sent in the handshake, shown in the node's logs.
        public var clientName: String

        public init(
            endpoint: Endpoint,
            connectionsPerNode: Int = 2,
            timeout: Duration = .seconds(1),
            connectTimeout: Duration = .milliseconds(500),
            maxAttempts: Int = 3,
            clientName: String = "skewless-swift"
        ) {
            self.endpoint = endpoint
            self.connectionsPerNode = connectionsPerNode
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            self.maxAttempts = maxAttempts
            self.clientName = clientName
        }

        public static func defaults(endpoint: Endpoint, configure: (inout Configuration) -> Void = { _ in }) -> Configuration {
            var configuration = Configuration(endpoint: endpoint)
            configure(&configuration)
            return configuration
        }
    }
}
