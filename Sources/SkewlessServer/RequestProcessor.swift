import Foundation
import Logging
import NIOCore
import NIOPosix
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import SkewlessWire
import SwiftProtobuf
import Synchronization

/// Answers decoded requests against a feature repo and an online store. No networking:
/// the connection handler feeds it frames, tests can call it directly.
final class RequestProcessor: Sendable {
    let repo: FeatureRepo
    let store: OnlineStore
    let configuration: NodeConfiguration
    let connections: ConnectionCounter
    /// The node's place in a cluster; nil or without a map: standalone, every key served.
    let membership: ClusterMembership?
    let materializer: Materializer
    /// The durable write path; nil in processors built without one (tests of reads).
    let writes: WriteCoordinator
    let freshness: FreshnessTracker
    let logs: WriteLogs?
    /// The offline store (`--segments`): training sets and ingestions; nil without one.
    let offline: OfflineStore?
    /// The GET_HISTORICAL_FEATURES queries and INGEST ingestions in progress.
    let offlineSessions: OfflineSessions
    /// What the anti-entropy loop has compared and repaired (HEALTH).
    let antiEntropy: AntiEntropyCounters
    /// Values served per view version and status since the node started (HEALTH, metrics).
    let reads: ViewReadCounters
    /// TLS, authentication, rate limits and the audit log.
    let security: SecurityState
    /// The repo's access policy, resolved per principal.
    let access: AccessControl
    /// The node's Prometheus metrics; nil when it has no metrics port.
    let metrics: NodeMetrics?
    /// The served-feature log's writer; nil when the node logs nothing (no offline store, or
    /// no service with a `log_sample_rate`).
    let servedLog: ServedLogWriter?
    /// The services that log some of their reads, by name.
    private let servedLogPolicies: [String: ServedLogPolicy]
    /// Per service, the "view@version:field" of each of its features: a feature list read
    /// on behalf of a service (`served_service`) may list only these.
    private let serviceFeatureNames: [String: Set<String>]
    /// What makes the request ids of reads that come without one unique: this node's id,
    /// when it started, and a count.
    private let madeRequestIDs = Atomic<UInt64>(0)
    /// The threads of the long-running methods (MATERIALIZE, EXPORT_ROWS, PARTITION_DIGEST,
    /// GET_HISTORICAL_FEATURES, INGEST):
    /// a few, owned by the node and shut down with it, so that no number of such requests
    /// starts more threads (they queue) and none outlives the node.
    let longRunning: NIOThreadPool
    static let longRunningThreads = 4
    /// Set while a standalone node loads the offline store at start: reads answer UNAVAILABLE.
    private let loading = Atomic<Bool>(false)
    private let servicePlans: [String: ServingPlan]
    /// Plans of feature lists seen lately (cluster clients send each node the list of a
    /// group's features): resolving 50 names and building their plan on every request cost
    /// more than serving them. Bounded (lists of at most `maxCachedListFeatures` features, at
    /// most `maxCachedFeatureLists` of them; cleared when full), so no client can grow it
    /// past a few MB. The repo and the tables never change under a processor, so a plan
    /// stays valid.
    private let featureListPlans = Mutex<[FeatureListKey: ServingPlan]>([:])

    /// A feature list, and the service it is read for (empty: none).
    private struct FeatureListKey: Hashable {
        var features: [String]
        var service: String
    }
    static let maxCachedFeatureLists = 256
    static let maxCachedListFeatures = 1_024
    private let startedAtMicros: Int64
    private let draining = Atomic<Bool>(false)
    let clock: @Sendable () -> Int64

    init(
        repo: FeatureRepo,
        store: OnlineStore,
        configuration: NodeConfiguration,
        connections: ConnectionCounter,
        membership: ClusterMembership? = nil,
        offline: OfflineStore? = nil,
        logs: WriteLogs? = nil,
        peers: PeerCaller? = nil,
        backlogBytes: (@Sendable (FeatureView) -> UInt64)? = nil,
        security: SecurityState? = nil,
        metrics: NodeMetrics? = nil,
        servedLog: ServedLogWriter? = nil,
        logger: Logger = Logger(label: "skewless.node"),
        clock: @escaping @Sendable () -> Int64 = WallClock.nowMicros
    ) {
        self.metrics = metrics
        self.repo = repo
        self.security = security ?? SecurityState(settings: configuration.security, audit: AuditLog(nodeID: configuration.nodeID))
        let access = AccessControl(repo: repo)
        self.access = access
        self.store = store
        self.configuration = configuration
        self.connections = connections
        self.membership = membership
        let freshness = FreshnessTracker()
        self.freshness = freshness
        self.logs = logs
        self.offline = offline
        self.offlineSessions = OfflineSessions(budgetBytes: configuration.historicalMemoryBytes)
        self.antiEntropy = AntiEntropyCounters(enabled: membership != nil && configuration.antiEntropyIntervalSeconds > 0)
        let reads = ViewReadCounters(views: repo.featureViews)
        self.reads = reads
        var onRun: (@Sendable (Materializer.Outcome, Duration) -> Void)?
        if let metrics {
            onRun = { outcome, duration in metrics.materialized(outcome, after: duration) }
        }
        self.materializer = Materializer(repo: repo, online: store, offline: offline, freshness: freshness, clock: clock, onRun: onRun)
        self.writes = WriteCoordinator(
            repo: repo, store: store, logs: logs, membership: membership, peers: peers, freshness: freshness,
            configuration: configuration, logger: logger, clock: clock, backlogBytes: backlogBytes)
        self.clock = clock
        self.startedAtMicros = clock()
        self.longRunning = NIOThreadPool(numberOfThreads: Self.longRunningThreads)
        longRunning.start()
        self.servedLog = servedLog
        var policies: [String: ServedLogPolicy] = [:]
        var names: [String: Set<String>] = [:]
        var plans: [String: ServingPlan] = [:]
        for (index, service) in repo.featureServices.enumerated() {
            let policy = servedLog == nil ? nil : ServedLogPolicy(service: service)
            policies[service.name] = policy
            // The repo validated every reference, so resolution cannot fail here.
            // and the store holds a table for every view of the repo.
            if let features = try? repo.resolve(service: service.name),
               let plan = try? ServingPlan(
                   features: features, repo: repo, store: store, counters: reads, numbering: access.numbering, service: (service.name, index),
                   logging: policy) {
                plans[service.name] = plan
                names[service.name] = Set(plan.names)
            }
        }
        self.servedLogPolicies = policies
        self.serviceFeatureNames = names
        self.servicePlans = plans
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    var isLoading: Bool { loading.load(ordering: .relaxed) }

    func setLoading(_ value: Bool) { loading.store(value, ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }

    /// The response frame for one request. Never throws: every failure becomes a status.
    /// - Parameter caller: who sent it, with the rights to check it against (nil rights: the
    ///   node does not require authentication).
    func respond(to request: Skewless_V1_RequestFrame, caller: Caller, allocator: ByteBufferAllocator) -> Answer {
        var response: Skewless_V1_ResponseFrame
        do {
            if request.method == .getOnlineFeatures {
                // The hot path: encoded straight from the store's columns, with no response
                // message, usually in the buffer the columns were encoded into.
                let payload = try RequestDecoding.getOnlineFeatures(request.payload)
                let read = try getOnlineFeatures(payload, caller: caller, allocator: allocator)
                let frame = read.builder.frame(requestID: request.requestID, allocator: allocator)
                if let logged = read.logged, let servedLog {
                    // A reference to the frame the client gets, decoded off the event loop.
                    servedLog.offer(ServedLogWriter.Capture(
                        frame: frame, keys: payload.entities, joinKeys: logged.joinKeys, columnNames: logged.columnNames, rowCount: logged.rowCount,
                        servedTime: logged.servedTime,
                        mapEpoch: logged.mapEpoch, requestID: logged.requestID, service: logged.service))
                }
                return Answer(frame: frame, failure: nil)
            }
            response = try answer(request)
        } catch let error as SkewlessError {
            if error.code == .permissionDenied {
                security.audit.denied(principal: caller.name, peer: caller.peer, method: request.method.rawValue, reason: error)
            }
            response = .failure(requestID: request.requestID, error)
        } catch let error as WrongShardError {
            response = .wrongShard(requestID: request.requestID, error)
        } catch {
            response = .failure(requestID: request.requestID, SkewlessError(.internal, "could not encode the response: \(error)"))
        }
        var buffer = allocator.buffer(capacity: 256)
        do {
            try FrameEncoder.write(response, into: &buffer)
        } catch {
            // Only a status and a message are left to encode; this cannot fail in practice.
            try? FrameEncoder.write(Skewless_V1_ResponseFrame.failure(requestID: request.requestID, SkewlessError(.internal, "could not encode the response")), into: &buffer)
            return Answer(frame: buffer, failure: .internal)
        }
        return Answer(frame: buffer, encoding: response)
    }

    /// The successful response of a method other than GetOnlineFeatures.
    private func answer(_ request: Skewless_V1_RequestFrame) throws -> Skewless_V1_ResponseFrame {
        var response = Skewless_V1_ResponseFrame()
        response.requestID = request.requestID
        response.status.code = .ok
        switch request.method {
        case .getOnlineFeatures:
            throw SkewlessError(.internal, "GetOnlineFeatures is answered by respond(to:into:); this is a bug in the node")
        case .health:
            _ = try decode(Skewless_V1_HealthRequest.self, request.payload)
            response.payload = try health().serializedBytes()
        case .describe:
            _ = try decode(Skewless_V1_DescribeRequest.self, request.payload)
            response.payload = try describe().serializedBytes()
        case .writeFeatures:
            throw SkewlessError(.internal, "WriteFeatures is answered by respondLater (after the write log's sync); this is a bug in the node")
        case .getClusterMap:
            _ = try decode(Skewless_V1_GetClusterMapRequest.self, request.payload)
            response.payload = try getClusterMap().serializedBytes()
        case .materialize, .exportRows, .partitionDigest, .setClusterMap:
            throw SkewlessError(.internal, "method \(request.method.rawValue) is answered off the event loop (respondLater); this is a bug in the node")
        case .getHistoricalFeatures, .ingest:
            throw SkewlessError(.unimplemented, "method \(request.method.rawValue) is not implemented by this node yet; see docs/protocol.md")
        case .handshake:
            throw SkewlessError(.failedPrecondition, "the handshake was already done on this connection; send it once, first")
        case .unspecified, .UNRECOGNIZED:
            throw SkewlessError(.unimplemented, "method \(request.method.rawValue) is not implemented by this node (protocol version \(ProtocolVersion.current)); see docs/protocol.md for the methods")
        }
        return response
    }

    /// The response frame of a long-running method (MATERIALIZE, EXPORT_ROWS, PARTITION_DIGEST),
    /// or of SET_CLUSTER_MAP (it fsyncs the map file twice), produced off the event loop; nil
    /// for the methods `respond(to:into:)` answers at once.
    func respondLater(to request: Skewless_V1_RequestFrame, caller: Caller, on eventLoop: any EventLoop) -> EventLoopFuture<Answer>? {
        if request.method == .writeFeatures {
            return respondToWrite(request, caller: caller, on: eventLoop)
        }
        guard [.materialize, .exportRows, .partitionDigest, .setClusterMap, .getHistoricalFeatures, .ingest].contains(request.method) else { return nil }
        let method = request.method
        let requestID = request.requestID
        let payload = request.payload
        // Off the event loops (other connections' reads) and the cooperative pool: loading
        // millions of rows, a snapshot of millions of keys or a digest pass take seconds.
        return longRunning.runIfActive(eventLoop: eventLoop) { [self] in
            Self.encoded(longRunningResponse(method: method, requestID: requestID, payload: payload, caller: caller))
        }.flatMapErrorThrowing { _ in
            // The pool is shut down: the node is stopping.
            Self.encoded(.failure(requestID: requestID, SkewlessError(.unavailable, "node \(self.configuration.nodeID) is shutting down: send the request to another node")))
        }
    }

    /// The response frame of one long-running request, on a thread of `longRunning`.
    private func longRunningResponse(method: Skewless_V1_Method, requestID: UInt64, payload: Data, caller: Caller) -> Skewless_V1_ResponseFrame {
        var response = Skewless_V1_ResponseFrame()
        response.requestID = requestID
        response.status.code = .ok
        do {
            if method == .getHistoricalFeatures {
                // A join of millions of label rows, or a page of MBs.
                let message = try decode(Skewless_V1_GetHistoricalFeaturesRequest.self, payload)
                response.payload = try getHistoricalFeatures(message, payload: payload, rights: caller.rights).serializedBytes()
            } else if method == .ingest {
                // Sorting and writing a segment of rows.
                let message = try decode(Skewless_V1_IngestRequest.self, payload)
                response.payload = try ingest(message, payload: payload, rights: caller.rights).serializedBytes()
            } else if method == .setClusterMap {
                // Persisting the map fsyncs the file and its directory: never on an event loop.
                let message = try decode(Skewless_V1_SetClusterMapRequest.self, payload)
                response.payload = try setClusterMap(message).serializedBytes()
            } else if method == .partitionDigest {
                // Reads every row of the partitions: seconds for millions of rows.
                let message = try decode(Skewless_V1_PartitionDigestRequest.self, payload)
                response.payload = try partitionDigest(message).serializedBytes()
            } else if method == .exportRows {
                // A snapshot of millions of keys, or a page of MBs.
                let message = try decode(Skewless_V1_ExportRowsRequest.self, payload)
                response.payload = try exportRows(message).serializedBytes()
            } else {
                let message = try decode(Skewless_V1_MaterializeRequest.self, payload)
                response.payload = try materialize(message).serializedBytes()
            }
        } catch let error as SkewlessError {
            if error.code == .permissionDenied {
                security.audit.denied(principal: caller.name, peer: caller.peer, method: method.rawValue, reason: error)
            }
            response = .failure(requestID: requestID, error)
        } catch let error as WrongShardError {
            response = .wrongShard(requestID: requestID, error)
        } catch {
            response = .failure(requestID: requestID, SkewlessError(.internal, "could not encode the response: \(error)"))
        }
        return response
    }

    /// The answer to a HANDSHAKE and who the connection's caller is, or the error that ends
    /// the connection.
    /// - Parameters:
    ///   - certificatePrincipal: the common name of the client's verified certificate (mutual TLS).
    ///   - peer: the client's address, for logs and the rate limit without authentication.
    ///   - now: the event loop's time, which the caller's expiry is counted on.
    func handshake(
        _ request: Skewless_V1_RequestFrame, certificatePrincipal: String? = nil, peer: String = "", now: NIODeadline = .now()
    ) -> Result<(response: Skewless_V1_ResponseFrame, caller: Caller), SkewlessError> {
        guard request.method == .handshake else {
            return .failure(SkewlessError(.failedPrecondition, "the first request on a connection must be HANDSHAKE (method 1), got method \(request.method.rawValue); see docs/protocol.md"))
        }
        do {
            let hello = try decode(Skewless_V1_HandshakeRequest.self, request.payload)
            guard hello.protocolVersion == ProtocolVersion.current else {
                return .failure(SkewlessError(.failedPrecondition, "protocol version \(hello.protocolVersion) is not supported: this node speaks version \(ProtocolVersion.current); upgrade the client or the node"))
            }
            let caller: Caller
            do {
                caller = try self.caller(hello, certificatePrincipal: certificatePrincipal, peer: peer, now: now)
            } catch {
                security.audit.refusedAuthentication(peer: peer, reason: error)
                return .failure(error)
            }
            var answer = Skewless_V1_HandshakeResponse()
            if caller.rights != nil {
                answer.principal = caller.name
            }
            answer.rateLimitPerSecond = UInt32(clamping: security.rateLimiter.limit.requestsPerSecond)
            answer.protocolVersion = ProtocolVersion.current
            answer.nodeID = configuration.nodeID
            answer.serverVersion = SkewlessServerVersion.current
            answer.maxFrameBytes = UInt32(clamping: configuration.maxFrameBytes)
            answer.maxInFlightPerConnection = UInt32(clamping: configuration.maxInFlightPerConnection)
            var response = Skewless_V1_ResponseFrame()
            response.requestID = request.requestID
            response.status.code = .ok
            response.payload = try answer.serializedBytes()
            return .success((response, caller))
        } catch let error as SkewlessError {
            return .failure(error)
        } catch {
            return .failure(SkewlessError(.internal, "could not encode the handshake response: \(error)"))
        }
    }

    /// Who a handshake says the caller is: authenticated when the node requires it, with its
    /// rights, its credential's expiry and its rate bucket.
    private func caller(_ hello: Skewless_V1_HandshakeRequest, certificatePrincipal: String?, peer: String, now: NIODeadline) throws(SkewlessError) -> Caller {
        var caller = Caller(rights: nil, name: peer, peer: peer, expiresAt: nil, bucket: nil)
        if security.settings.requireAuthentication {
            guard let authenticator = security.authenticator else {
                throw SkewlessError(.unavailable, "node \(configuration.nodeID) is still loading its keys: retry shortly")
            }
            let nowMicros = clock()
            let identity = try authenticator.authenticate(token: hello.bearerToken, certificatePrincipal: certificatePrincipal, nowMicros: nowMicros)
            caller.rights = access.rights(for: identity)
            caller.name = identity.principal
            if let expiry = identity.expiresAtMicros {
                caller.expiresAt = now + .microseconds(max(0, expiry - nowMicros))
            }
            caller.bucket = security.rateLimiter.bucket(for: "principal:" + identity.principal)
        } else {
            // Without principals, the rate limit is per client address.
            caller.bucket = security.rateLimiter.bucket(for: "address:" + Self.host(of: peer))
        }
        return caller
    }

    /// "1.2.3.4" of "[IPv4]1.2.3.4/1.2.3.4:5678" (NIO's `SocketAddress` description) or of "1.2.3.4:5678".
    static func host(of peer: String) -> String {
        var text = Substring(peer)
        if let slash = text.lastIndex(of: "/") { text = text[text.index(after: slash)...] }
        if let colon = text.lastIndex(of: ":") { text = text[..<colon] }
        return String(text)
    }

    private func decode<M: SwiftProtobuf.Message>(_ type: M.Type, _ payload: Data) throws(SkewlessError) -> M {
        do {
            return try M(serializedBytes: payload)
        } catch {
            throw SkewlessError(.invalidArgument, "the payload is not a valid \(M.protoMessageName): \(error)")
        }
    }

    // MARK: - Methods

    func health() -> Skewless_V1_HealthResponse {
        var response = Skewless_V1_HealthResponse()
        response.status = isDraining ? .draining : .serving
        response.nodeID = configuration.nodeID
        response.uptimeSeconds = UInt64(max(0, clock() - startedAtMicros) / 1_000_000)
        response.entityRows = UInt64(store.entityRowCount)
        response.featureViews = UInt32(repo.featureViews.count)
        response.openConnections = UInt32(connections.current)
        response.watermarks = materializer.watermarks.map(Skewless_V1_ViewWatermark.init)
        response.freshness = repo.featureViews.map(freshness(of:))
        response.antiEntropy = antiEntropy.wire
        if let servedLog {
            response.servedLog = servedLog.status
        } else if logs != nil {
            // An offline store, but no service logs its reads.
            response.servedLog = Skewless_V1_ServedLogStatus()
        }
        if let progress = materializer.progress {
            var wire = Skewless_V1_MaterializationProgress()
            wire.featureView = progress.featureView
            wire.viewsDone = UInt32(clamping: progress.viewsDone)
            wire.viewsTotal = UInt32(clamping: progress.viewsTotal)
            wire.entitiesWritten = UInt64(clamping: progress.entitiesWritten)
            response.materializing = wire
        }
        return response
    }

    /// How fresh a view is here, and where its write log stands in the store.
    private func freshness(of view: FeatureView) -> Skewless_V1_ViewFreshness {
        var entry = Skewless_V1_ViewFreshness()
        entry.featureView = view.qualifiedName
        let times = freshness.times(of: view)
        entry.newestEventTimeMicros = times.newestEventTime
        entry.newestArrivalMicros = times.newestArrival
        if let logs {
            // As the sealer last counted it: HEALTH is answered on the event loop, with no file I/O.
            if let backlog = logs.backlog(of: view) {
                entry.logUnsealedRecords = UInt64(backlog.records)
                entry.logUnsealedBytes = backlog.bytes
                entry.logOldestUnsealedMicros = backlog.oldestAccepted ?? 0
            }
            entry.rowsLogged = logs.statistics(of: view)?.rowsLogged ?? 0
        }
        let served = reads.snapshot(of: view)
        entry.readsPresent = served.present
        entry.readsNotFound = served.notFound
        entry.readsNull = served.nullValue
        entry.readsOutsideTtl = served.outsideTTL
        entry.readsDefaulted = served.defaulted
        return entry
    }

    func materialize(_ request: Skewless_V1_MaterializeRequest) throws(SkewlessError) -> Skewless_V1_MaterializeResponse {
        let started = clock()
        let loaded = try materializer.run(
            views: request.featureViews, full: request.full, asOfMicros: request.asOfMicros == 0 ? nil : request.asOfMicros,
            only: membership?.entityFilter)
        var response = Skewless_V1_MaterializeResponse()
        response.views = loaded.map(Skewless_V1_ViewWatermark.init)
        response.elapsedMicros = UInt64(clamping: max(0, clock() - started))
        return response
    }

    func describe() -> Skewless_V1_DescribeResponse {
        var response = Skewless_V1_DescribeResponse(repo: repo)
        for index in response.featureViews.indices {
            let wire = response.featureViews[index]
            if let view = repo.featureView(named: wire.name, version: Int(wire.version)) {
                response.featureViews[index].entityRows = UInt64(store.entityRowCount(view: view))
            }
        }
        return response
    }

    /// What a sampled read leaves for the served-feature log, besides its frame.
    struct LoggedRead: Sendable {
        var joinKeys: [JoinKey]
        var columnNames: ColumnNames
        var rowCount: Int
        var servedTime: Int64
        var mapEpoch: UInt64
        var requestID: String
        var service: String
    }

    /// The columns of a GetOnlineFeatures answer, encoded straight from the store: each
    /// view's rows are looked up once under its lock and its bool, float and double columns
    /// gathered into the response without intermediate arrays. With them, when the read is
    /// one its service samples for the served-feature log, what the log needs of it.
    /// - Throws: `SkewlessError`, or `WrongShardError` for keys of partitions this cluster
    ///   node does not serve.
    func getOnlineFeatures(
        _ request: Skewless_V1_GetOnlineFeaturesRequest, caller: Caller, allocator: ByteBufferAllocator
    ) throws -> (builder: OnlineFeaturesFrameBuilder, logged: LoggedRead?) {
        if isLoading {
            throw SkewlessError(.unavailable, "node \(configuration.nodeID) is loading its rows from the offline store after a start (fsctl health shows the progress): read another replica, or retry shortly")
        }
        let plan: ServingPlan
        switch request.selector {
        case .featureService(let name):
            guard let found = servicePlans[name] else {
                _ = try repo.resolve(service: name)  // throws the descriptive not-found error
                throw SkewlessError(.notFound, "unknown feature service '\(name)'")
            }
            plan = found
        case .features(let list):
            plan = try featureListPlan(list.features, service: request.servedService)
        case nil:
            throw SkewlessError(.invalidArgument, "the request names no features: set feature_service or features")
        }
        try caller.rights?.checkRead(plan, numbering: access.numbering)
        if request.requestID.utf8.count > Self.maximumRequestIDBytes {
            throw SkewlessError(.invalidArgument, "the request id has \(request.requestID.utf8.count) bytes: send at most \(Self.maximumRequestIDBytes) (or none: the node makes one)")
        }
        let keys = try EntityKeyColumns(request.entities)
        guard keys.rowCount <= configuration.maxEntitiesPerRequest else {
            throw SkewlessError(.resourceExhausted, "\(keys.rowCount) entity rows exceed the node's limit of \(configuration.maxEntitiesPerRequest) per request: split the batch")
        }
        let now = clock()
        let access = membership?.access
        var builder = OnlineFeaturesFrameBuilder(columnCount: plan.features.count, allocator: allocator)
        // The served statuses of each view read, counted per column as it is gathered, and
        // added to the views' counts once every view is read: a request that fails serves
        // nothing, and counts nothing (ViewReadCounters).
        var tallies = ViewReadCounters.Tallies(count: plan.reads.count)
        try plan.headers.withHeaders { headers in
            for (index, read) in plan.reads.enumerated() {
                let entityKeys = try keys.keys(for: read.joinKeys, view: read.viewName)
                try access?.checkRead(entityKeys, nowMicros: now)
                var tally = ViewReadCounters.Tally()
                try store.withRows(read.table, keys: entityKeys, nowMicros: now) { rows in
                    rows.prefetchFixedWidth(fields: read.fieldIndexes)
                    OnlineFeaturesFrameBuilder.withPackedEventTimes(rows.eventTimes) { packedTimes in
                        if rows.count == 1, let template = read.oneRowTemplate(timesBytes: packedTimes.count) {
                            builder.appendFixedWidthColumns(template, at: read.fixedWidthPositions, eventTime: packedTimes) { i, status, value in
                                rows.gatherFixedWidth(field: read.fixedWidthFields[i], statuses: status, values: value)
                                tally.add(status)
                            }
                        } else {
                            for (i, field) in read.fixedWidthFields.enumerated() {
                                let position = read.fixedWidthPositions[i]
                                // A plan and a store that disagree on the field's width trap in
                                // the gather, in release builds too: it checks the buffer's size.
                                builder.appendFixedWidthColumn(
                                    at: position, header: headers[position], rowCount: rows.count, eventTimes: packedTimes, width: read.fixedWidths[i]
                                ) { statuses, values in
                                    rows.gatherFixedWidth(field: field, statuses: statuses, values: values)
                                    tally.add(statuses)
                                }
                            }
                        }
                        for (field, position) in zip(read.otherFields, read.otherPositions) {
                            let column = rows.column(field: field)
                            tally.add(column.statuses)
                            builder.appendColumn(at: position, ServedColumn(
                                name: plan.names[position], type: plan.types[position],
                                statuses: column.statuses, eventTimes: column.eventTimes, values: column.values))
                        }
                    }
                }
                tallies[index] = tally
            }
        }
        for (index, read) in plan.reads.enumerated() {
            read.reads.add(tallies[index])
        }
        guard let policy = plan.logging, keys.rowCount > 0 else { return (builder, nil) }
        var requestID = request.requestID
        if requestID.isEmpty {
            // A client that names none (the C client, a curious one): unique across nodes and
            // restarts, and sampled by its hash like any other.
            let count = madeRequestIDs.wrappingAdd(1, ordering: .relaxed).newValue
            requestID = "\(configuration.nodeID)-\(String(startedAtMicros, radix: 16))-\(count)"
        }
        guard policy.samples(requestID: requestID) else { return (builder, nil) }
        let logged = LoggedRead(
            joinKeys: plan.joinKeys, columnNames: plan.columnNames, rowCount: keys.rowCount, servedTime: now, mapEpoch: access?.epoch ?? 0, requestID: requestID,
            service: policy.service)
        return (builder, logged)
    }

    /// The longest request id a read may send (`GetOnlineFeaturesRequest.request_id`).
    static let maximumRequestIDBytes = 128

    /// The plan of a feature list, from the cache or resolved (and cached) now.
    /// - Parameter service: the service the list is read for (`served_service`); empty: none.
    ///   Its `log_sample_rate` applies, and every feature must be one of its.
    private func featureListPlan(_ features: [String], service: String) throws(SkewlessError) -> ServingPlan {
        let key = FeatureListKey(features: features, service: service)
        if let plan = featureListPlans.withLock({ $0[key] }) {
            return plan
        }
        guard !features.isEmpty else {
            throw SkewlessError(.invalidArgument, "the feature list is empty: name at least one feature as view:field")
        }
        var resolved: [ResolvedFeature] = []
        resolved.reserveCapacity(features.count)
        for text in features {
            resolved.append(try repo.resolve(FeatureReference(parsing: text)))
        }
        var policy: ServedLogPolicy?
        var readFor: (name: String, index: Int)?
        if !service.isEmpty {
            guard let names = serviceFeatureNames[service], let index = repo.featureServices.firstIndex(where: { $0.name == service }) else {
                _ = try repo.resolve(service: service)  // throws the descriptive not-found error
                throw SkewlessError(.notFound, "unknown feature service '\(service)' (served_service)")
            }
            if let stranger = resolved.first(where: { !names.contains($0.qualifiedName) }) {
                throw SkewlessError(.notFound, "feature service '\(service)' (served_service) has no feature '\(stranger.qualifiedName)': send only its features, or no served_service")
            }
            policy = servedLogPolicies[service]
            // Read on behalf of the service (a cluster client's share of a service read):
            // a grant of the service allows it, as it allows the service's own read.
            readFor = (service, index)
        }
        let plan = try ServingPlan(
            features: resolved, repo: repo, store: store, counters: reads, numbering: access.numbering, service: readFor, logging: policy)
        guard features.count <= Self.maxCachedListFeatures else { return plan }
        featureListPlans.withLock { plans in
            if plans.count >= Self.maxCachedFeatureLists { plans.removeAll() }
            plans[key] = plan
        }
        return plan
    }

    /// A WRITE_FEATURES response, once the batch is durable and applied
    /// (`WriteCoordinator`). The frame is built on `eventLoop`.
    private func respondToWrite(_ request: Skewless_V1_RequestFrame, caller: Caller, on eventLoop: any EventLoop) -> EventLoopFuture<Answer> {
        let requestID = request.requestID
        var authorize: WriteCoordinator.Authorization?
        if let rights = caller.rights {
            let numbering = access.numbering
            let audit = security.audit
            authorize = { (view, replicaApply) throws(SkewlessError) in
                do throws(SkewlessError) {
                    try rights.checkWrite(view, replicaApply: replicaApply, numbering: numbering)
                } catch {
                    audit.denied(principal: caller.name, peer: caller.peer, method: Skewless_V1_Method.writeFeatures.rawValue, reason: error)
                    throw error
                }
            }
        }
        return writes.write(request.payload, on: eventLoop, authorize: authorize).map { message -> Skewless_V1_ResponseFrame in
            var response = Skewless_V1_ResponseFrame()
            response.requestID = requestID
            response.status.code = .ok
            do {
                response.payload = try message.serializedBytes()
            } catch {
                response = .failure(requestID: requestID, SkewlessError(.internal, "could not encode the response: \(error)"))
            }
            return response
        }.recover { error in
            switch error {
            case let error as SkewlessError: return .failure(requestID: requestID, error)
            case let error as WrongShardError: return .wrongShard(requestID: requestID, error)
            default: return .failure(requestID: requestID, SkewlessError(.internal, "\(error)"))
            }
        }.map(Self.encoded)
    }

    /// A response frame answered later, encoded; an internal error in its place if it cannot be.
    private static func encoded(_ response: Skewless_V1_ResponseFrame) -> Answer {
        var buffer = ByteBuffer()
        do {
            try FrameEncoder.write(response, into: &buffer)
        } catch {
            buffer.clear()
            try? FrameEncoder.write(Skewless_V1_ResponseFrame.failure(requestID: response.requestID, SkewlessError(.internal, "could not encode the response")), into: &buffer)
            return Answer(frame: buffer, failure: .internal)
        }
        return Answer(frame: buffer, encoding: response)
    }
}
