import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals
import SkewlessModel
import SkewlessRepo
import SkewlessCluster
import SkewlessControl
import SkewlessServer
import SkewlessTLS
import Skewless
import Synchronization

/// `fsnode`: a Skewless node. Parses flags and an optional YAML config file, loads the
/// feature repo, and serves until SIGTERM or SIGINT, draining in-flight requests.
@main
struct FSNode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsnode",
        abstract: "Serve the latest feature values of a Skewless feature repo over TCP.",
        discussion: """
            Flags override the config file; the config file overrides the defaults.
            Example: fsnode --repo examples/feature_repo --port 7421
            Config file keys: node_id, cluster_map, host, port, repo, max_frame_bytes, max_connections,
            max_new_connections_per_second, new_connections_burst,
            max_in_flight_per_connection, max_invalid_requests_per_connection, max_entities_per_request, historical_memory_bytes,
            turn_budget_us, slow_down_after_invalid_requests,
            idle_timeout_seconds, drain_timeout_seconds, event_loop_threads, log_level, segments,
            materialize_on_start, replica_timeout_ms, seal_interval_seconds, deduplication_window_seconds,
            etcd, cluster, advertise, controller, failure_timeout_seconds, re_replication_grace_seconds,
            metrics_port, served_log_queue_bytes, served_log_retain_bytes, served_log_retain_seconds,
            tls_cert, tls_key, tls_ca, tls_client_certs, require_auth, api_keys, jwt_key, jwt_issuer,
            jwt_audience, peer_token_file, rate_limit, rate_limit_burst.

            Security (docs/operations.md, "Security"): --tls-cert and --tls-key serve TLS (and the
            node calls its peers over TLS, presenting that certificate); --tls-ca checks client
            certificates and peers. --require-auth refuses connections without a principal (an
            API key of --api-keys, a JWT verified with --jwt-key, or a client certificate) and
            holds principals to the repo's access policy. SIGHUP reloads the certificates and
            keys; open connections are kept.

            With --segments, the node logs every write in the offline store before it acknowledges
            it (docs/write-log.md), and loads the store (segments and write logs) when it starts,
            answering reads UNAVAILABLE until that is done.
            """)

    @Option(help: "A YAML config file (see --help for its keys).")
    var config: String?

    @Option(help: "The feature repo: a directory of YAML files or one file. Default: examples/feature_repo.")
    var repo: String?

    @Option(help: "Address to listen on. Default: 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. Default: 7421.")
    var port: Int?

    @Option(help: "Serve Prometheus metrics (GET /metrics over HTTP, docs/monitoring.md) on this port, at --host; 0: off. Default: off.")
    var metricsPort: Int?

    @Option(name: .customLong("node-id"), help: "This node's name in logs and responses. Default: node-1.")
    var nodeID: String?

    @Option(name: .customLong("cluster-map"), help: "The file this node keeps its cluster map in (docs/cluster.md); read at start when it exists. Without it the node is standalone and refuses SET_CLUSTER_MAP.")
    var clusterMap: String?

    @Option(help: "Largest frame body accepted, in bytes. Default: 16777216.")
    var maxFrameBytes: Int?

    @Option(help: "Most open connections. Default: 4096.")
    var maxConnections: Int?

    @Option(help: "New connections accepted a second; those beyond wait in the kernel's accept queue, so connection churn takes a bounded share of the node. 0: no limit. Default: 1000.")
    var maxNewConnectionsPerSecond: Int?

    @Option(help: "New connections accepted at once after a quiet spell (the pacing's burst). Default: 1000.")
    var newConnectionsBurst: Int?

    @Option(help: "Unwritten responses per connection before the node stops reading it. Default: 256.")
    var maxInFlightPerConnection: Int?

    @Option(help: "Requests in a row refused as invalid (INVALID_ARGUMENT, UNIMPLEMENTED) before the node closes the connection. Default: 100.")
    var maxInvalidRequestsPerConnection: Int?

    @Option(help: "Most entity rows in one request. Default: 10000.")
    var maxEntitiesPerRequest: Int?

    @Option(name: .customLong("turn-budget-us"), help: "Microseconds of requests one connection may take of its event loop in one turn before the loop serves its other connections. Default: 200.")
    var turnBudgetMicroseconds: Int64?

    @Option(help: "After this many invalid answers in a row, each next request of the connection waits (1 ms, doubling up to 250 ms); 0: never. Default: 4.")
    var slowDownAfterInvalidRequests: Int?

    @Option(help: "What the training-set queries (GET_HISTORICAL_FEATURES) on the node may hold together, in bytes. Default: 1073741824 (1 GiB).")
    var historicalMemoryBytes: Int?

    @Option(help: "Close connections silent for this many seconds. Default: 300.")
    var idleTimeoutSeconds: Int64?

    @Option(help: "On shutdown, wait this long for connections to drain. Default: 10.")
    var drainTimeoutSeconds: Int64?

    @Option(help: "Event loop threads. Default: the number of cores.")
    var eventLoopThreads: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Default: info.")
    var logLevel: String?

    @Option(help: "Write the bound port to this file once listening (for scripts and tests).")
    var portFile: String?

    @Option(help: ArgumentHelp("Exit at once when the process with this id is gone (for supervisors and tests, so a node never outlives the process that started it).", visibility: .hidden))
    var parentPid: Int32?

    @Option(help: "The offline store: segments (fsctl ingest writes them) and the write logs. Writes need it. Default: none.")
    var segments: String?

    @Flag(inversion: .prefixedNo, help: "Load the latest rows of every view from --segments (segments and write logs) when the node starts. Default: on.")
    var materializeOnStart: Bool?

    @Option(name: .customLong("replica-timeout-ms"), help: "How long a write's coordinator waits for another replica to apply it before acknowledging without it. Default: 1000.")
    var replicaTimeoutMilliseconds: Int64?

    @Option(help: "Seal each view's write log into a segment at least this often. Default: 5.")
    var sealIntervalSeconds: Double?

    @Option(help: "Remember idempotency keys this long: a batch retried within it is stored once. Default: 600.")
    var deduplicationWindowSeconds: Int64?

    @Option(help: ArgumentHelp("The control plane's etcd endpoints, comma-separated (docs/cluster.md): the node registers there with a lease, follows the cluster map kept there, and runs a candidate for the cluster's controller. Needs --cluster-map (the node's copy of the map).", valueName: "url,..."))
    var etcd: String?

    @Option(help: "The cluster's name in etcd (with --etcd). Default: default.")
    var cluster: String?

    @Option(help: ArgumentHelp("The address other nodes and clients reach this node at (with --etcd). Default: --host and the bound port.", valueName: "host:port"))
    var advertise: String?

    @Flag(inversion: .prefixedNo, help: "With --etcd, run a candidate for the cluster's controller (failure detection, re-replication, rebalances), one active at a time. Default: on.")
    var controller: Bool?

    @Option(help: "The controller marks a node down after it has not answered for this long. Default: 3.")
    var failureTimeoutSeconds: Double?

    @Option(help: "The controller re-replicates the partitions of a node down for this long on the other nodes. Default: 60.")
    var reReplicationGraceSeconds: Double?

    @Option(help: "Compare this node's partitions with their other replicas, and repair differences, in a pass this often (seconds); 0: never. Default: 60.")
    var antiEntropyIntervalSeconds: Double?

    @Option(help: "Compare at most this many partitions a second in an anti-entropy pass. Default: 8.")
    var antiEntropyPartitionsPerSecond: Double?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("Serve TLS with this PEM certificate chain (with --tls-key); peers are called over TLS with it.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("tls-ca"), help: ArgumentHelp("PEM CA certificates that sign client certificates and the peers' certificates. Default: the system's roots for peers; no client certificates.", valueName: "file"))
    var tlsCA: String?

    @Option(name: .customLong("tls-client-certs"), help: "Client certificates: none, optional or required (mutual TLS). Default: optional with --tls-ca, else none.")
    var tlsClientCerts: String?

    @Flag(name: .customLong("require-auth"), inversion: .prefixedNo, help: "Refuse connections whose handshake names no principal (UNAUTHENTICATED), and check every request against the repo's access policy. Default: off.")
    var requireAuth: Bool?

    @Option(name: .customLong("api-keys"), help: ArgumentHelp("A file of lines 'PRINCIPAL SHA256HEX': the API keys the node accepts, by their SHA-256.", valueName: "file"))
    var apiKeys: String?

    @Option(name: .customLong("jwt-key"), help: ArgumentHelp("Accept JWTs verified with this key: a PEM public key (ES256, ES384, RS256) or a file holding an HMAC secret of 32 bytes or more (HS256).", valueName: "file"))
    var jwtKey: String?

    @Option(name: .customLong("jwt-issuer"), help: "Accept only JWTs with this 'iss'.")
    var jwtIssuer: String?

    @Option(name: .customLong("jwt-audience"), help: "Accept only JWTs whose 'aud' includes this.")
    var jwtAudience: String?

    @Option(name: .customLong("peer-token-file"), help: ArgumentHelp("The bearer token this node sends to its peers (and its controller to the nodes), when they require authentication and do not take its client certificate.", valueName: "file"))
    var peerTokenFile: String?

    @Option(name: .customLong("rate-limit"), help: "Requests a second each principal may send to this node over all its connections (each client address, without --require-auth); 0: no limit. Default: 0.")
    var rateLimit: Int?

    @Option(name: .customLong("rate-limit-burst"), help: "Requests a principal may send at once after being idle. Default: one second's worth (--rate-limit).")
    var rateLimitBurst: Int?

    @Option(help: "The served-feature log (services with a log_sample_rate; docs/served-log.md): the most bytes of sampled reads queued for its writer; more are dropped and counted. Default: 67108864.")
    var servedLogQueueBytes: Int?

    @Option(help: "Keep at most this many bytes of this node's served-feature log in --segments; the oldest files go first. Default: 1073741824.")
    var servedLogRetainBytes: UInt64?

    @Option(help: "Delete served-feature log files last written longer ago than this many seconds. Default: 604800 (7 days).")
    var servedLogRetainSeconds: Double?

    func run() async throws {
        let file = try config.map(NodeConfigFile.load) ?? NodeConfigFile()
        var settings = NodeConfiguration.defaults
        settings.host = host ?? file.host ?? settings.host
        settings.port = port ?? file.port ?? settings.port
        settings.nodeID = nodeID ?? file.nodeID ?? settings.nodeID
        settings.clusterMapPath = clusterMap ?? file.clusterMap
        settings.maxFrameBytes = maxFrameBytes ?? file.maxFrameBytes ?? settings.maxFrameBytes
        settings.maxConnections = maxConnections ?? file.maxConnections ?? settings.maxConnections
        settings.maxNewConnectionsPerSecond = maxNewConnectionsPerSecond ?? file.maxNewConnectionsPerSecond ?? settings.maxNewConnectionsPerSecond
        settings.newConnectionsBurst = newConnectionsBurst ?? file.newConnectionsBurst ?? settings.newConnectionsBurst
        settings.maxInFlightPerConnection = maxInFlightPerConnection ?? file.maxInFlightPerConnection ?? settings.maxInFlightPerConnection
        settings.maxInvalidRequestsPerConnection = maxInvalidRequestsPerConnection ?? file.maxInvalidRequestsPerConnection ?? settings.maxInvalidRequestsPerConnection
        settings.maxEntitiesPerRequest = maxEntitiesPerRequest ?? file.maxEntitiesPerRequest ?? settings.maxEntitiesPerRequest
        settings.turnBudgetMicroseconds = turnBudgetMicroseconds ?? file.turnBudgetMicroseconds ?? settings.turnBudgetMicroseconds
        settings.slowDownAfterInvalidRequests = slowDownAfterInvalidRequests ?? file.slowDownAfterInvalidRequests ?? settings.slowDownAfterInvalidRequests
        settings.historicalMemoryBytes = historicalMemoryBytes ?? file.historicalMemoryBytes ?? settings.historicalMemoryBytes
        settings.idleTimeoutSeconds = idleTimeoutSeconds ?? file.idleTimeoutSeconds ?? settings.idleTimeoutSeconds
        settings.drainTimeoutSeconds = drainTimeoutSeconds ?? file.drainTimeoutSeconds ?? settings.drainTimeoutSeconds
        settings.eventLoopThreads = eventLoopThreads ?? file.eventLoopThreads ?? settings.eventLoopThreads
        settings.segmentsDirectory = segments ?? file.segments
        let materializeOnStart = self.materializeOnStart ?? file.materializeOnStart
        guard materializeOnStart != true || settings.segmentsDirectory != nil else {
            throw ValidationError("--materialize-on-start needs --segments DIR (the offline store to load from)")
        }
        settings.loadOnStart = materializeOnStart ?? true
        settings.replicaTimeoutMilliseconds = replicaTimeoutMilliseconds ?? file.replicaTimeoutMilliseconds ?? settings.replicaTimeoutMilliseconds
        settings.sealIntervalSeconds = sealIntervalSeconds ?? file.sealIntervalSeconds ?? settings.sealIntervalSeconds
        settings.deduplicationWindowSeconds = deduplicationWindowSeconds ?? file.deduplicationWindowSeconds ?? settings.deduplicationWindowSeconds
        settings.antiEntropyIntervalSeconds = antiEntropyIntervalSeconds ?? settings.antiEntropyIntervalSeconds
        settings.antiEntropyPartitionsPerSecond = antiEntropyPartitionsPerSecond ?? settings.antiEntropyPartitionsPerSecond
        settings.security = try security(file)
        // 0 is off here, not "any port": a scraper needs to know where to look.
        settings.metricsPort = (metricsPort ?? file.metricsPort).flatMap { $0 == 0 ? nil : $0 }
        settings.servedLogQueueBytes = servedLogQueueBytes ?? file.servedLogQueueBytes ?? settings.servedLogQueueBytes
        settings.servedLogRetainedBytes = servedLogRetainBytes ?? file.servedLogRetainBytes ?? settings.servedLogRetainedBytes
        settings.servedLogRetainedSeconds = servedLogRetainSeconds ?? file.servedLogRetainSeconds ?? settings.servedLogRetainedSeconds
        try Self.check(settings)

        let levelName = logLevel ?? file.logLevel ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level '\(levelName)': use trace, debug, info, notice, warning, error or critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "skewless.fsnode")

        let repoPath = repo ?? file.repo ?? "examples/feature_repo"
        let featureRepo: FeatureRepo
        do {
            featureRepo = try FeatureRepoLoader.load(path: repoPath)
        } catch {
            throw ValidationError("invalid feature repo: \(error)")
        }

        let portFile = self.portFile
        let listening = Mutex<(@Sendable (Int) -> Void)?>(nil)
        let server = NodeServer(configuration: settings, repo: featureRepo, logger: logger) { address in
            if let portFile, let port = address.port {
                try? "\(port)\n".write(toFile: portFile, atomically: true, encoding: .utf8)
            }
            if let port = address.port, let notify = listening.withLock({ $0 }) {
                notify(port)
            }
        }
        var services: [any Service] = [server]
        // SIGHUP: read the certificates and keys again; open connections are kept.
        services.append(BackgroundService {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                do {
                    try await server.reloadSecurity()
                } catch {
                    logger.error("SIGHUP: could not reload the certificates and keys, keeping those in use: \((error as? SkewlessError)?.message ?? "\(error)")")
                }
            }
        })
        if let parentPid {
            // First in the group, so shut down last: it watches through the server's drain.
            let parent = getppid()
            services.insert(BackgroundService { await Self.exitWhenGone(parentPid, parent: parent, logger: logger) }, at: 0)
        }
        var etcdClient: EtcdClient?
        if let etcd = etcd ?? file.etcd {
            guard settings.clusterMapPath != nil else {
                throw ValidationError("--etcd needs --cluster-map FILE: the node keeps its copy of the map there, to serve with when etcd is unreachable at start")
            }
            let name = cluster ?? file.cluster ?? "default"
            do {
                try ControlStore.checkClusterName(name)
            } catch {
                throw ValidationError("cluster name: \(error.message)")
            }
            let client = try EtcdClient(endpoints: [etcd])
            etcdClient = client
            let control = ControlStore(client: client, cluster: name)
            let nodeID = try NodeID(settings.nodeID)
            let agent = NodeAgent(control: control, nodeID: nodeID, membership: server.membership, logger: logger)
            let advertised = try (advertise ?? file.advertise).map { text throws(SkewlessError) in try NodeAddress(parsing: text) }
            let host = settings.host
            listening.withLock {
                $0 = { port in
                    if let address = advertised ?? (try? NodeAddress(host: host, port: port)) {
                        agent.listening(at: address)
                    }
                }
            }
            services.append(BackgroundService { await agent.run() })
            if controller ?? file.controller ?? true {
                var configuration = Controller.Configuration()
                if let seconds = failureTimeoutSeconds ?? file.failureTimeoutSeconds {
                    configuration.detector.timeoutMicros = Int64(seconds * 1e6)
                }
                if let seconds = reReplicationGraceSeconds ?? file.reReplicationGraceSeconds {
                    configuration.policy.reReplicationGraceMicros = Int64(seconds * 1e6)
                }
                configuration.security = try Self.clientSecurity(settings.security)
                let candidate = Controller(id: settings.nodeID, control: control, configuration: configuration, logger: logger)
                services.append(BackgroundService { await candidate.run() })
            }
        }
        let group = ServiceGroup(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        do {
            try await group.run()
        } catch {
            await etcdClient?.shutdown()
            throw error
        }
        await etcdClient?.shutdown()
    }

    /// Watches `pid`, twice a second, and exits the process when it is gone, as a kill would
    /// (the write log's acknowledged records are already synced). Gone: it no longer exists,
    /// or this node was re-parented (`parent`, this process's parent at start, was `pid` and
    /// exited, even if it is still a zombie that nobody has reaped). Runs as a service of the
    /// node's group until the group's shutdown cancels it; nothing tells a process that
    /// another has ended, so it looks.
    static func exitWhenGone(_ pid: Int32, parent: Int32, logger: Logger) async {
        while !Task.isCancelled {
            let exists = kill(pid, 0) == 0 || errno == EPERM
            if !exists || (parent == pid && getppid() != parent) {
                logger.warning("process \(pid), which started this node, is gone: exiting")
                Foundation.exit(1)
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// The security settings of the flags and the config file.
    func security(_ file: NodeConfigFile) throws -> NodeSecurity {
        var security = NodeSecurity()
        let cert = tlsCert ?? file.tlsCert, key = tlsKey ?? file.tlsKey, ca = tlsCA ?? file.tlsCA
        switch (cert, key) {
        case (let cert?, let key?):
            security.tls = TLSFiles(certificateChain: cert, privateKey: key, trustRoots: ca)
        case (nil, nil):
            guard ca == nil else { throw ValidationError("--tls-ca needs --tls-cert and --tls-key: the node serves TLS only with a certificate of its own") }
        default:
            throw ValidationError("TLS needs both --tls-cert and --tls-key")
        }
        if let text = tlsClientCerts ?? file.tlsClientCerts {
            guard let policy = ClientCertificatePolicy(rawValue: text) else {
                throw ValidationError("--tls-client-certs '\(text)': use none, optional or required")
            }
            guard policy == .none || (security.tls != nil && ca != nil) else {
                throw ValidationError("--tls-client-certs \(text) needs --tls-cert, --tls-key and --tls-ca (the CA that signs client certificates)")
            }
            security.clientCertificates = policy
        } else if security.tls != nil, ca != nil {
            security.clientCertificates = .optional
        }
        security.requireAuthentication = requireAuth ?? file.requireAuth ?? false
        security.apiKeysFile = apiKeys ?? file.apiKeys
        if let keyFile = jwtKey ?? file.jwtKey {
            security.jwt = NodeSecurity.JWTSettings(keyFile: keyFile, issuer: jwtIssuer ?? file.jwtIssuer, audience: jwtAudience ?? file.jwtAudience)
        }
        if security.requireAuthentication, security.apiKeysFile == nil, security.jwt == nil, security.clientCertificates == .none {
            throw ValidationError("--require-auth needs a way to authenticate: --api-keys, --jwt-key, or client certificates (--tls-ca)")
        }
        security.peerTokenFile = peerTokenFile ?? file.peerTokenFile
        let rate = rateLimit ?? file.rateLimit ?? 0
        let burst = rateLimitBurst ?? file.rateLimitBurst ?? 0
        guard rate >= 0, burst >= 0 else { throw ValidationError("--rate-limit and --rate-limit-burst cannot be negative") }
        security.rateLimit = NodeSecurity.RateLimit(requestsPerSecond: rate, burst: burst)
        return security
    }

    /// How the node's controller reaches the nodes: TLS with the node's own certificate as
    /// its client certificate, and the peer token.
    static func clientSecurity(_ security: NodeSecurity) throws -> FeatureClient.Security {
        var client = FeatureClient.Security()
        if let tls = security.tls {
            client.tls = FeatureClient.TLS(trustRootsFile: tls.trustRoots, certificateFile: tls.certificateChain, privateKeyFile: tls.privateKey)
        }
        if let path = security.peerTokenFile {
            do {
                client.bearerToken = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read the peer token file \(path): \(error.localizedDescription)")
            }
        }
        return client
    }

    static func check(_ settings: NodeConfiguration) throws {
        guard (0...65535).contains(settings.port) else { throw ValidationError("port \(settings.port) is not in 0...65535") }
        if let metricsPort = settings.metricsPort {
            guard (1...65535).contains(metricsPort) else { throw ValidationError("metrics port \(metricsPort) is not in 1...65535 (0 turns metrics off)") }
            guard metricsPort != settings.port else { throw ValidationError("the metrics port and the node's port are both \(metricsPort): give the metrics a port of their own") }
        }
        guard settings.maxFrameBytes >= 1024 else { throw ValidationError("max frame bytes \(settings.maxFrameBytes) is below the minimum of 1024") }
        guard settings.maxFrameBytes <= Int(UInt32.max) else { throw ValidationError("max frame bytes must fit the 4-byte length: at most \(UInt32.max)") }
        guard settings.maxConnections >= 1 else { throw ValidationError("max connections must be at least 1") }
        guard settings.maxNewConnectionsPerSecond >= 0 else { throw ValidationError("max new connections per second cannot be negative (0 turns the limit off)") }
        guard settings.newConnectionsBurst >= 1 else { throw ValidationError("the new connections burst must be at least 1") }
        guard settings.maxInFlightPerConnection >= 1 else { throw ValidationError("max in flight per connection must be at least 1") }
        guard settings.maxInvalidRequestsPerConnection >= 1 else { throw ValidationError("max invalid requests per connection must be at least 1") }
        guard settings.maxEntitiesPerRequest >= 1 else { throw ValidationError("max entities per request must be at least 1") }
        guard settings.turnBudgetMicroseconds >= 1 else { throw ValidationError("the turn budget must be at least 1 microsecond") }
        guard settings.slowDownAfterInvalidRequests >= 0 else { throw ValidationError("slow-down-after-invalid-requests cannot be negative (0 turns it off)") }
        guard settings.historicalMemoryBytes >= 1 << 20 else { throw ValidationError("historical memory bytes must be at least 1048576 (1 MiB)") }
        guard settings.idleTimeoutSeconds >= 1 else { throw ValidationError("idle timeout must be at least 1 second") }
        guard settings.drainTimeoutSeconds >= 0 else { throw ValidationError("drain timeout cannot be negative") }
        guard settings.eventLoopThreads >= 1 else { throw ValidationError("event loop threads must be at least 1") }
        guard settings.replicaTimeoutMilliseconds >= 1 else { throw ValidationError("the replica timeout must be at least 1 ms") }
        guard settings.sealIntervalSeconds > 0 else { throw ValidationError("the seal interval must be positive") }
        guard settings.deduplicationWindowSeconds >= 1 else { throw ValidationError("the deduplication window must be at least 1 second") }
        guard settings.antiEntropyIntervalSeconds >= 0 else { throw ValidationError("the anti-entropy interval cannot be negative (0 turns it off)") }
        guard settings.antiEntropyPartitionsPerSecond > 0 else { throw ValidationError("anti-entropy partitions per second must be positive") }
        guard settings.servedLogQueueBytes >= 1 else { throw ValidationError("the served log's queue needs at least 1 byte (a service logs nothing with log_sample_rate 0)") }
        guard settings.servedLogRetainedBytes >= 1 << 20 else { throw ValidationError("keep at least 1 MiB (1048576 bytes) of served log, or give no service a log_sample_rate") }
        guard settings.servedLogRetainedSeconds > 0 else { throw ValidationError("the served log's retention must be positive") }
    }
}
