extension FeatureClient {
    /// How a client connects, times out and retries.
    ///
    /// ```swift
    /// let configuration = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "127.0.0.1", port: 7421)) {
    ///     $0.timeout = .milliseconds(50)
    /// }
    /// // A cluster: any of its nodes are seeds; the client reads the cluster map from one.
    /// let cluster = try FeatureClient.Configuration.cluster(seeds: [
    ///     Endpoint(host: "10.0.0.1", port: 7421), Endpoint(host: "10.0.0.2", port: 7421),
    /// ]) { $0.hedging = .observedP95 }
    /// // Five attempts, the first pause 5 ms.
    /// let patient = FeatureClient.Configuration.defaults(endpoint: Endpoint(host: "127.0.0.1", port: 7421)) {
    ///     $0.retryPolicy = RetryPolicy(maxAttempts: 5, initialBackoff: .milliseconds(5))
    /// }
    /// ```
    public struct Configuration: Sendable {
        /// The node to talk to; in a cluster, the first seed.
        public var endpoint: Endpoint
        /// TCP connections kept open to each node. Requests are pipelined on each.
        public var connectionsPerNode: Int
        /// The deadline of a call that gives none. It covers retries too.
        public var timeout: Duration
        /// How long establishing a connection (TCP and handshake) may take.
        public var connectTimeout: Duration
        /// When a failed call is tried again (attempts, pauses, which errors), within the
        /// deadline; in a cluster, also when a read or write moves on to the next replica.
        public var retryPolicy: RetryPolicy
        /// Attempts per call, the first included: `retryPolicy.maxAttempts`.
        public var maxAttempts: Int {
            get { retryPolicy.maxAttempts }
            set { retryPolicy.maxAttempts = newValue }
        }
        /// Sent in the handshake, shown in the node's logs.
        public var clientName: String
        /// Nodes to read the cluster map from. Empty: the client talks to `endpoint` alone
        /// until that node answers that it is part of a cluster (a wrong-shard status); it
        /// then reads the map from it and routes like a cluster client.
        public var seeds: [Endpoint]
        /// Whether a cluster read also goes to a second replica when the first is slow.
        public var hedging: Hedging
        /// TLS and the bearer token; by default plain TCP and no token.
        public var security: Security

        public init(
            endpoint: Endpoint,
            connectionsPerNode: Int = 2,
            timeout: Duration = .seconds(1),
            connectTimeout: Duration = .milliseconds(500),
            maxAttempts: Int = 3,
            clientName: String = "skewless-swift",
            seeds: [Endpoint] = [],
            hedging: Hedging = .off,
            retryPolicy: RetryPolicy? = nil,
            security: Security = .none
        ) {
            self.endpoint = endpoint
            self.connectionsPerNode = connectionsPerNode
            self.timeout = timeout
            self.connectTimeout = connectTimeout
            var policy = retryPolicy ?? .defaults
            if retryPolicy == nil { policy.maxAttempts = maxAttempts }
            self.retryPolicy = policy
            self.clientName = clientName
            self.seeds = seeds
            self.hedging = hedging
            self.security = security
        }

        public static func defaults(endpoint: Endpoint, configure: (inout Configuration) -> Void = { _ in }) -> Configuration {
            var configuration = Configuration(endpoint: endpoint)
            configure(&configuration)
            return configuration
        }

        /// A client of a cluster (docs/cluster.md): it reads the cluster map from the first seed
        /// that answers, sends each key to a replica of its partition, and follows the map as
        /// it changes.
        /// - Throws: `INVALID_ARGUMENT` when `seeds` is empty (there is no default address to
        ///   fall back on: give at least one node of the cluster).
        public static func cluster(seeds: [Endpoint], configure: (inout Configuration) -> Void = { _ in }) throws(SkewlessError) -> Configuration {
            guard let first = seeds.first else {
                throw SkewlessError(.invalidArgument, "a cluster client needs at least one seed: give the address of one or more nodes of the cluster (host:port)")
            }
            var configuration = Configuration(endpoint: first, seeds: seeds)
            configure(&configuration)
            return configuration
        }
    }

    /// Hedged reads: when a replica has not answered after a delay, the same keys go to the
    /// next replica as well, and the first answer wins (the other request is cancelled). It
    /// trades some extra load for a shorter tail. Off by default.
    public struct Hedging: Sendable, Hashable {
        enum Delay: Hashable {
            case off
            case fixed(Duration)
            case observedP95
        }

        let delay: Delay

        /// No hedged reads.
        public static let off = Hedging(delay: .off)
        /// A second replica after the 95th percentile of this client's recent sub-request
        /// latencies (so about 5 % of reads are hedged).
        public static let observedP95 = Hedging(delay: .observedP95)
        /// A second replica after a fixed delay.
        public static func after(_ delay: Duration) -> Hedging { Hedging(delay: .fixed(delay)) }
    }
}
