import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import SkewlessTLS
import SkewlessWire
import Synchronization

/// A Skewless node: serves a feature repo's online store over TCP until shut down.
///
/// A `Service` for swift-service-lifecycle: run it in a `ServiceGroup` with SIGTERM and
/// SIGINT as graceful-shutdown signals. On graceful shutdown (or task cancellation, or
/// `beginGracefulShutdown()`) the node stops accepting connections; each connection keeps
/// answering the requests that reach it and closes once it has nothing left to answer and
/// its socket has been quiet briefly, so requests sent before the shutdown are answered.
/// Connections still open after `drainTimeoutSeconds` are closed hard.
package final class NodeServer: Service, Sendable {
    package let configuration: NodeConfiguration
    package let repo: FeatureRepo
    package let store: OnlineStore
    /// The node's cluster map and partitions (standalone until it has a map).
    package let membership: ClusterMembership
    private let logger: Logger
    let processor: RequestProcessor
    /// The node's Prometheus metrics; nil without a metrics port.
    package let metrics: NodeMetrics?
    /// The metrics listener while the node serves.
    private let metricsServer = Mutex<MetricsServer?>(nil)
    /// The write logs and their sealer, when the node has an offline store.
    private let logs: WriteLogs?
    private let sealer: LogSealer?
    /// Ends idle training-set queries and ingestions (docs/protocol.md sections 18 and 19),
    /// so an ingestion whose client went away does not hold its view's lock for long.
    private let sessionSweeper: BackgroundLoop
    private let follower: LogFollower?
    private let antiEntropy: AntiEntropy?
    /// The served-feature log's writer, when some service logs its reads.
    let servedLog: ServedLogWriter?
    private let peers: PeerCaller
    /// TLS contexts, keys and the audit log; loaded when the node starts, reloaded on demand.
    package let security: SecurityState
    private let onRunning: @Sendable (SocketAddress) -> Void
    /// The thread of a standalone node's load at start (`startLoading`), while it runs.
    private let startLoad = Mutex<BackgroundLoop?>(nil)
    /// Its failed attempts so far (each doubles the pause before the next).
    private let startLoadFailures = Atomic<Int>(0)

    private struct Running {
        var quiesce: ServerQuiescingHelper
        var drained: EventLoopPromise<Void>
        var shutdownStarted = false
    }

    private enum State {
        case idle
        case running(Running)
        case stopped
    }

    private let state = Mutex<State>(.idle)

    /// - Parameters:
    ///   - auditLogger: where refusals are logged; by default a logger labelled `skewless.audit`.
    ///   - onRunning: called once with the bound address (the port, when configured as 0).
    package init(
        configuration: NodeConfiguration,
        repo: FeatureRepo,
        store: OnlineStore? = nil,
        logger: Logger = Logger(label: "skewless.node"),
        auditLogger: Logger? = nil,
        onRunning: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) {
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.nodeID)"
        self.configuration = configuration
        self.repo = repo
        self.store = store ?? OnlineStore(views: repo.featureViews.map { (view: $0, joinKeys: repo.joinKeys(of: $0)) })
        self.logger = logger
        self.onRunning = onRunning
        self.membership = ClusterMembership(
            nodeID: configuration.nodeID, mapPath: configuration.clusterMapPath, store: self.store, logger: logger)
        let offline = configuration.segmentsDirectory.map { OfflineStore(directory: $0) }
        let logs = offline.map { WriteLogs(store: $0, repo: repo, node: configuration.nodeID, logger: logger) }
        self.logs = logs
        let security = SecurityState(settings: configuration.security, audit: AuditLog(nodeID: configuration.nodeID, logger: auditLogger))
        self.security = security
        self.peers = PeerCaller(group: MultiThreadedEventLoopGroup.singleton, maxFrameBytes: configuration.maxFrameBytes, security: security)
        if let offline, let logs {
            var options = LogSealer.Options()
            options.interval = configuration.sealIntervalSeconds
            options.sealAfterBytes = configuration.sealAfterBytes
            options.deduplicationWindowMicros = configuration.deduplicationWindowSeconds * 1_000_000
            self.sealer = LogSealer(store: offline, repo: repo, logs: logs, options: options, logger: logger)
        } else {
            self.sealer = nil
        }
        let servedLog = offline.flatMap { store in Self.servedLogWriter(store: store, repo: repo, configuration: configuration, logger: logger) }
        self.servedLog = servedLog
        let metrics = configuration.metricsPort.map { _ in
            NodeMetrics(
                views: repo.featureViews, nodeID: configuration.nodeID, version: SkewlessServerVersion.current,
                hasOfflineStore: offline != nil, logsServedFeatures: servedLog != nil, startedAtSeconds: Double(WallClock.nowMicros()) / 1e6)
        }
        self.metrics = metrics
        self.processor = RequestProcessor(
            repo: repo, store: self.store, configuration: configuration,
            connections: ConnectionCounter(limit: configuration.maxConnections),
            membership: membership,
            offline: offline, logs: logs, peers: peers, backlogBytes: Self.backlog(of: sealer), security: security, metrics: metrics, servedLog: servedLog, logger: logger)
        let online = self.store
        let membership = self.membership
        let freshness = processor.freshness
        let applied = processor.writes.applied
        let writeCounts = processor.writes.counts
        let sessions = processor.offlineSessions
        let clock = processor.clock
        self.sessionSweeper = BackgroundLoop(name: "sk-sessions", interval: 5) {
            sessions.sweep(nowMicros: clock())
            return false
        }
        self.follower = offline.map {
            LogFollower(
                store: $0, repo: repo, online: online, membership: membership, freshness: freshness, applied: applied,
                counts: writeCounts, node: configuration.nodeID, interval: configuration.followIntervalSeconds, logger: logger)
        }
        self.antiEntropy = configuration.antiEntropyIntervalSeconds > 0 && configuration.clusterMapPath != nil
            ? AntiEntropy(
                options: .init(intervalSeconds: configuration.antiEntropyIntervalSeconds, partitionsPerSecond: configuration.antiEntropyPartitionsPerSecond),
                repo: repo, membership: membership,
                transport: NodeReplicaTransport(processor: processor, membership: membership, peers: peers),
                counters: processor.antiEntropy, logger: logger)
            : nil
        // The catching_up phase: copy the moving partitions' rows from a current replica.
        let copier = CatchUpCopier(repo: repo, store: self.store, logger: logger, security: security, maxFrameBytes: configuration.maxFrameBytes)
        membership.setCopier { partitions, map, node, stillWanted in
            copier.copy(partitions, map: map, node: node, stillWanted: stillWanted)
        }
        if configuration.segmentsDirectory != nil {
            // A cluster node loads its partitions from the segments: every view, each
            // entity's latest row, only the entities of the partitions it holds.
            membership.setLoader { [processor] keep throws(SkewlessError) in
                _ = try processor.materializer.run(views: [], full: true, asOfMicros: nil, only: keep)
            }
        }
    }

    /// The writer of the served-feature log, when a service of `repo` logs some of its reads.
    private static func servedLogWriter(store: OfflineStore, repo: FeatureRepo, configuration: NodeConfiguration, logger: Logger) -> ServedLogWriter? {
        guard repo.featureServices.contains(where: { $0.logSampleRate > 0 }) else { return nil }
        var options = ServedLogWriter.Options()
        options.queueBytes = configuration.servedLogQueueBytes
        options.flushSeconds = configuration.servedLogFlushSeconds
        options.log.retainedBytes = configuration.servedLogRetainedBytes
        options.log.retainedSeconds = configuration.servedLogRetainedSeconds
        options.log.maximumFileBytes = configuration.servedLogFileBytes
        return ServedLogWriter(store: store, node: configuration.nodeID, options: options, logger: logger)
    }

    private static func backlog(of sealer: LogSealer?) -> (@Sendable (FeatureView) -> UInt64)? {
        guard let sealer else { return nil }
        return { view in sealer.backlogBytes(of: view) }
    }

    /// Loads the latest rows of every view from the offline store (a full materialization,
    /// as `fsctl materialize --full` asks for), logging what was loaded. For a node that
    /// starts empty and rebuilds its online state; serving goes on meanwhile.
    package func materializeAll() throws(SkewlessError) {
        let started = WallClock.nowMicros()
        let loaded = try processor.materializer.run(views: [], full: true, asOfMicros: nil, only: membership.entityFilter)
        let entities = loaded.reduce(0) { $0 + $1.entitiesWritten }
        let rows = loaded.reduce(0) { $0 + $1.rowsScanned }
        let seconds = Double(WallClock.nowMicros() - started) / 1_000_000
        logger.info("materialized \(loaded.count) views from the offline store: \(rows) rows scanned, \(entities) entity rows written in \(seconds) s")
    }

    /// Serves until shut down. A node with a cluster map file comes back with its map and
    /// starts loading its partitions first.
    /// - Throws: the map file's errors (`DATA_LOSS` for a corrupt one), or a bind failure.
    package func run() async throws {
        // Certificates and keys first: a node that cannot use them must not start.
        try await security.load()
        // The write logs first: opening repairs torn tails, and a restarted node must load
        // what they hold before it serves.
        try logs?.open()
        // Where the logs end now: what the node loads next covers everything before it, and
        // the follower applies what other nodes log after it.
        follower?.start()
        do {
            try membership.restore()
        } catch {
            follower?.stop()
            logs?.close()
            throw error
        }
        membership.start()
        servedLog?.start()
        sealer?.start()
        antiEntropy?.start()
        sessionSweeper.start()
        startLoading()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        do {
            try await serve(on: group)
        } catch {
            await stopBackgroundWork()
            try? await group.shutdownGracefully()
            throw error
        }
        await stopBackgroundWork()
        try await group.shutdownGracefully()
    }

    /// A standalone node with an offline store loads every view (segments and write logs)
    /// at start, and answers reads UNAVAILABLE until it is done, so that it never serves less
    /// than was acknowledged before it went down. (A cluster node's membership loads its
    /// partitions the same way, per partition.) On a `BackgroundLoop` of the node's, retrying
    /// after a failure (0.5 s, doubling up to 30) until it succeeds or the node stops; a node
    /// that stops before it has loaded keeps answering UNAVAILABLE.
    private func startLoading() {
        guard configuration.loadOnStart, configuration.segmentsDirectory != nil, membership.map == nil, configuration.clusterMapPath == nil else { return }
        processor.setLoading(true)
        let loop = BackgroundLoop(name: "sk-start-load") { [weak self] in
            guard let self, !processor.isDraining else { return .finished }
            do {
                try materializeAll()
                processor.setLoading(false)
                return .finished
            } catch {
                let failures = startLoadFailures.wrappingAdd(1, ordering: .relaxed).oldValue
                let delay = min(30, 0.5 * Double(1 << min(failures, 6)))
                logger.error("loading the offline store at start failed, retrying in \(delay) s: \(error)")
                return .upTo(seconds: delay)
            }
        }
        startLoad.withLock { $0 = loop }
        loop.start()
    }

    /// Stops the load at start and the reconciler (each after the load in progress), the
    /// log follower, anti-entropy and the sealer, makes every queued log append durable,
    /// closes the logs and the connections to peers, and shuts the long-running requests'
    /// threads down. Every thread the node started has ended when it returns.
    private func stopBackgroundWork() async {
        // Joining threads blocks, for as long as a load in progress takes: on a thread of its
        // own, awaited, not on the caller's cooperative thread nor on the shared thread pool
        // (an anti-entropy round being waited for may need the pool to end).
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                // A load in progress gives up at its next batch instead of running to its end.
                processor.materializer.stop()
                startLoad.withLock { $0 }?.stop()
                membership.stop()
                antiEntropy?.stop()
                follower?.stop()
                sealer?.stop()
                sessionSweeper.stop()
                // Queries are forgotten and ingestions end with nothing stored, their views' locks released.
                processor.offlineSessions.endAll()
                logs?.close()
                // After the drain: every read the node answered is queued; this writes them.
                servedLog?.stop()
                done.resume()
            }
            thread.name = "sk-stop"
            thread.start()
        }
        peers.closeAll()
        try? await processor.longRunning.shutdownGracefully()
    }

    /// Reads the certificates, keys, API keys and peer token again (SIGHUP), for the
    /// connections opened from now on; open connections keep going as they are.
    /// - Throws: `INVALID_ARGUMENT` naming a missing or malformed file; what was in use stays.
    package func reloadSecurity() async throws(SkewlessError) {
        try await security.load()
        logger.notice("reloaded TLS certificates and keys")
    }

    /// True while the node loads its rows at start and answers reads UNAVAILABLE.
    package var isLoading: Bool { processor.isLoading }

    /// Starts the same graceful shutdown a SIGTERM does.
    package func beginGracefulShutdown() {
        let toStart: Running? = state.withLock { state in
            guard case .running(var running) = state, !running.shutdownStarted else { return nil }
            running.shutdownStarted = true
            state = .running(running)
            return running
        }
        guard let running = toStart else { return }
        logger.info("graceful shutdown: draining connections")
        processor.beginDraining()
        running.quiesce.initiateShutdown(promise: running.drained)
    }

    private func serve(on group: MultiThreadedEventLoopGroup) async throws {
        // The metrics listener first: a node whose metrics port is taken does not start.
        if let port = configuration.metricsPort, let metrics {
            let server = try await MetricsServer.bind(host: configuration.host, port: port, group: group) { [weak self] in
                guard let self else { return [] }
                return metrics.exposition(metricsSnapshot())
            }
            metricsServer.withLock { $0 = server }
            if let address = server.localAddress {
                logger.info("serving metrics", metadata: ["address": "\(address)", "path": "/metrics"])
            }
        }
        do {
            try await serveRequests(on: group)
        } catch {
            await closeMetrics()
            throw error
        }
        await closeMetrics()
    }

    /// Where the metrics listener is bound, while the node serves; nil without a metrics port.
    package var metricsAddress: SocketAddress? {
        metricsServer.withLock { $0 }?.localAddress
    }

    private func closeMetrics() async {
        let server = metricsServer.withLock { server in
            defer { server = nil }
            return server
        }
        await server?.close()
    }

    private func serveRequests(on group: MultiThreadedEventLoopGroup) async throws {
        // Connections are accepted on a thread of their own: a client that opens and closes
        // connections in a loop (thousands a second) then takes that thread, not the event
        // loops that answer requests (bench/README.md, the flood). It costs a request nothing.
        let acceptor = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await serveRequests(on: group, acceptingOn: acceptor)
        } catch {
            try? await acceptor.shutdownGracefully()
            throw error
        }
        try await acceptor.shutdownGracefully()
    }

    private func serveRequests(on group: MultiThreadedEventLoopGroup, acceptingOn acceptor: MultiThreadedEventLoopGroup) async throws {
        let quiesce = ServerQuiescingHelper(group: group)
        let processor = self.processor
        let security = self.security
        let configuration = self.configuration
        let logger = self.logger
        let metrics = self.metrics
        let bootstrap = ServerBootstrap(group: acceptor, childGroup: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.maxMessagesPerRead, value: UInt(AcceptPacingHandler.acceptsPerRead))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiesce.makeServerChannelHandler(channel: channel))
                    if configuration.maxNewConnectionsPerSecond > 0 {
                        try channel.pipeline.syncOperations.addHandler(AcceptPacingHandler(
                            perSecond: configuration.maxNewConnectionsPerSecond, burst: configuration.newConnectionsBurst,
                            onDelay: { [metrics] in metrics?.heldAccepts() }))
                    }
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The context current now: a reload changes the next connections' only.
                    if let tls = security.serverTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(processor: processor, logger: logger))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let drained = group.next().makePromise(of: Void.self)
        let started = state.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .running(Running(quiesce: quiesce, drained: drained))
            return true
        }
        guard started else {
            drained.succeed()
            try await channel.close()
            throw SkewlessError(.failedPrecondition, "this NodeServer was already started; make a new one")
        }
        if let address = channel.localAddress {
            logger.info("serving", metadata: [
                "address": "\(address)", "views": "\(repo.featureViews.count)", "services": "\(repo.featureServices.count)",
                "tls": "\(configuration.security.tls == nil ? "off" : "on, client certificates \(configuration.security.clientCertificates.rawValue)")",
                "authentication": "\(configuration.security.requireAuthentication ? "required" : "off")",
            ])
            onRunning(address)
        }
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            self.beginGracefulShutdown()
        }
        // The listening socket is closed; wait for connections to drain, up to the limit.
        // Both outcomes complete `finished` on one event loop, so exactly one of them does.
        let loop = drained.futureResult.eventLoop
        let finished = loop.makePromise(of: Void.self)
        let done = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: loop)
        drained.futureResult.whenComplete { result in
            guard !done.value else { return }
            done.value = true
            finished.completeWith(result)
        }
        loop.scheduleTask(in: .seconds(configuration.drainTimeoutSeconds)) {
            guard !done.value else { return }
            done.value = true
            finished.fail(SkewlessError(.deadlineExceeded, "connections did not drain in \(configuration.drainTimeoutSeconds)s"))
        }
        do {
            try await finished.futureResult.get()
            logger.info("drained; stopped")
        } catch {
            logger.warning("closing remaining connections: \(error)")
        }
        state.withLock { $0 = .stopped }
    }
}
