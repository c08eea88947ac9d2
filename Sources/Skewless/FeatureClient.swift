import NIOCore
import NIOPosix
import SkewlessCompression
import SkewlessWire
import SwiftProtobuf
import Synchronization

/// A client for inference services: fetches the latest features of a batch of entities
/// from a Skewless node, with deadlines, pipelining over a small connection pool, and
/// retries of calls that failed because the node could not be reached.
///
/// Run it for as long as calls are made, scoped, with `withFeatureClient`:
///
/// ```swift
/// try await withFeatureClient(configuration: .defaults(endpoint: Endpoint(host: "127.0.0.1", port: 7421))) { client in
///     let features = try await client.getOnlineFeatures(
///         service: "fraud_detection_v1",
///         entities: [["user_id": 42, "merchant_id": "m-7"]])
///     let amount = features[0].double("user_transactions:txn_amount_24h")
/// }
/// ```
///
/// or as a `Service` in a swift-service-lifecycle `ServiceGroup`, beside the server that
/// uses it: `run()` returns after a graceful shutdown, once the calls in flight have ended.
/// A client made with `init` and ended with `close()` works too.
///
/// A cluster client (`Configuration.cluster(seeds:)`) reads the cluster map from a node and
/// sends each entity to a replica of its partition (docs/cluster.md): a batch is split by
/// node, sent in parallel and merged back in request order; a replica that fails or times
/// out is retried on another, and a stale map is refreshed, within the deadline. A client
/// given one node's address switches to routing by itself the first time that node answers
/// that it holds another part of a cluster. `Configuration.retryPolicy` says which failures
/// are retried, how often and after what pauses; `Configuration.hedging` whether a slow
/// replica's keys also go to another.
///
/// Every method throws `SkewlessError`: `.unavailable` (the node cannot be reached, after
/// retries), `.deadlineExceeded`, `.invalidArgument` and `.notFound` (with the node's
/// message: a wrong feature name, key or type), `.failedPrecondition` (for example a
/// fail-closed view with stale rows; or the client is shut down, or the event loop group it
/// runs on has been shut down), `.resourceExhausted` (a node limit), `.cancelled` (the
/// calling task was cancelled: the call ends at once, whether it was waiting for an answer,
/// a connection or a retry, and its connection stays usable).
public final class FeatureClient: Sendable {
    public let configuration: Configuration
    /// How requests reach nodes: TCP connection pools, or in tests an in-process transport.
    let transport: any NodeTransport
    /// Routes calls across a cluster once a map is known (from the seeds, or from a node that
    /// answered wrong-shard).
    let router: ClusterRouter
    /// Whether the client still takes calls: `lifecycle` says so too, this is read per call.
    let acceptsCalls = Atomic<Bool>(true)
    let lifecycle = Mutex(StateMachine())
    /// Column layouts by request shape ("s:" + service, "f:" + feature list).
    private let layouts = Mutex<[String: ColumnLayout]>([:])
    private static let maxCachedLayouts = 1024

    /// An executor that runs tasks on the threads this client's connections run on.
    ///
    /// A service that wants the lowest latency per call runs the tasks that call the client
    /// with a preference for this executor. Each call then writes its request on the
    /// connection's thread and resumes on the thread that read the response, instead of
    /// moving between Swift Concurrency's pool and the event loops twice per call. The
    /// client works the same without it.
    ///
    /// ```swift
    /// let client = FeatureClient(endpoint: Endpoint(host: "127.0.0.1", port: 7421))
    /// let score = try await withTaskExecutorPreference(client.taskExecutor) {
    ///     let features = try await client.getOnlineFeatures(
    ///         service: "fraud_detection_v1", entities: [["user_id": 42, "merchant_id": "m-7"]])
    ///     return features[0].double("user_transactions:txn_amount_24h")
    /// }
    /// ```
    ///
    /// Code in such a task runs on the event loops too, so it must not block: hand slow or
    /// blocking work (a model's inference, file reads) to another task or thread.
    public let taskExecutor: any TaskExecutor

    /// - Parameter eventLoopGroup: where connections run; by default NIO's shared group. A
    ///   group of your own must outlive the client: shut it down after `close()` (or after
    ///   `run()` or `withFeatureClient` returned). Calls made after it was shut down fail with
    ///   `.failedPrecondition`; they never hang.
    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.taskExecutor = EventLoopTaskExecutor(group: eventLoopGroup)
        self.transport = PooledTransport(
            home: configuration.endpoint, group: eventLoopGroup, connectionsPerNode: configuration.connectionsPerNode,
            setup: ConnectionSetup(connectTimeout: configuration.connectTimeout, clientName: configuration.clientName, security: configuration.security))
        self.router = ClusterRouter(configuration: configuration, transport: transport)
    }

    /// A client whose requests go through `transport` (tests: an in-process cluster).
    package init(configuration: Configuration, transport: any NodeTransport, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.taskExecutor = EventLoopTaskExecutor(group: eventLoopGroup)
        self.transport = transport
        self.router = ClusterRouter(configuration: configuration, transport: transport)
    }

    /// Whether calls go through the cluster router: configured with seeds, or switched over.
    private var isClustered: Bool {
        !configuration.seeds.isEmpty || router.isRouting
    }

    public convenience init(endpoint: Endpoint) {
        self.init(configuration: .defaults(endpoint: endpoint))
    }

    /// The features of a feature service for each entity, in request order.
    /// - Parameters:
    ///   - entities: one dictionary per entity: join key name -> value, for every join key the service's views need.
    ///   - requestID: names this read in the nodes' served-feature log (docs/served-log.md),
    ///     1 to 128 bytes: your prediction's id, say, to join what the model was served with
    ///     its outcome later. Nil: a random one (`OnlineFeatures.requestID` tells it). A
    ///     service with a `log_sample_rate` logs the read, on every node it touches, or not,
    ///     by this id.
    ///   - timeout: the deadline of this call, retries included; the configuration's when nil.
    public func getOnlineFeatures(
        service: String, entities: [[String: KeyPart]], requestID: String? = nil, timeout: Duration? = nil
    ) async throws(SkewlessError) -> OnlineFeatures {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        request.featureService = service
        request.requestID = try ReadRequestID.checked(requestID)
        return try await getOnlineFeatures(request, selection: .service(service), shape: "s:" + service, entities: entities, timeout: timeout)
    }

    /// The named features ("view:field" or "view@version:field") for each entity, in request order.
    /// - Parameter requestID: as for a service; a feature list is not logged.
    public func getOnlineFeatures(
        features: [String], entities: [[String: KeyPart]], requestID: String? = nil, timeout: Duration? = nil
    ) async throws(SkewlessError) -> OnlineFeatures {
        var request = Skewless_V1_GetOnlineFeaturesRequest()
        var list = Skewless_V1_FeatureList()
        list.features = features
        request.features = list
        request.requestID = try ReadRequestID.checked(requestID)
        return try await getOnlineFeatures(request, selection: .features(features), shape: "f:" + features.joined(separator: ","), entities: entities, timeout: timeout)
    }

    // The internal steps of a call are `nonisolated(nonsending)`: they run where the public
    // entry point already runs. Entering a plain nonisolated async function makes the runtime
    // look up the task's executor preference under a lock, about 2% of a 1 x 50 client's CPU.
    nonisolated(nonsending) private func getOnlineFeatures(
        _ request: Skewless_V1_GetOnlineFeaturesRequest, selection: ClusterRouter.Selection, shape: String, entities: [[String: KeyPart]], timeout: Duration?
    ) async throws(SkewlessError) -> OnlineFeatures {
        try checkAcceptsCalls()
        let deadline = deadline(timeout)
        let known = layouts.withLock { $0[shape] }
        let answers: [MergedAnswer]
        let sources: [(answer: Int, column: Int)]?
        if isClustered {
            (answers, sources) = try await router.read(selection, shape: shape, entities: entities, requestID: request.requestID, deadline: deadline)
        } else {
            do {
                var request = request
                request.entities = try Self.keyColumns(entities)
                let payload = try await call(.getOnlineFeatures, payload: RequestEncoding.encode(request), deadline: deadline)
                let answer = try payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
                    try ReceivedFeatures(decoding: bytes, rowCount: entities.count, expectedNames: known?.columnNames ?? .none)
                }
                (answers, sources) = ([MergedAnswer(answer)], nil)
            } catch where error.code == .aborted {
                guard await router.discover(from: configuration.endpoint, deadline: deadline) else { throw error }
                (answers, sources) = try await router.read(selection, shape: shape, entities: entities, requestID: request.requestID, deadline: deadline)
            }
        }
        let names = OnlineFeatures.names(of: answers, sources: sources)
        let layout: ColumnLayout
        if let known, known.names == names {  // the same array when every name matched: no string compares
            layout = known
        } else {
            layout = ColumnLayout(names: names)
            layouts.withLock { cache in
                if cache.count >= Self.maxCachedLayouts { cache.removeAll() }
                cache[shape] = layout
            }
        }
        return OnlineFeatures(answers: answers, sources: sources, entityCount: entities.count, layout: layout, requestID: request.requestID)
    }

    /// Key columns for entity rows; a single join key (the common case) skips the general path.
    static func keyColumns(_ entities: [[String: KeyPart]]) throws(SkewlessError) -> [Skewless_V1_EntityKeyColumn] {
        if let first = entities.first, first.count == 1, let name = first.keys.first {
            var column = Skewless_V1_EntityKeyColumn()
            column.joinKey = name
            switch first[name]?.storage {
            case .int64?:
                column.int64Values.reserveCapacity(entities.count)
                for row in entities {
                    guard row.count == 1, case .int64(let v)? = row[name]?.storage else { return try generalKeyColumns(entities) }
                    column.int64Values.append(v)
                }
            default:
                column.stringValues.reserveCapacity(entities.count)
                for row in entities {
                    guard row.count == 1, case .string(let v)? = row[name]?.storage else { return try generalKeyColumns(entities) }
                    column.stringValues.append(v)
                }
            }
            return [column]
        }
        return try generalKeyColumns(entities)
    }

    private static func generalKeyColumns(_ entities: [[String: KeyPart]]) throws(SkewlessError) -> [Skewless_V1_EntityKeyColumn] {
        let joinKeys = Set(entities.flatMap(\.keys)).sorted()
        return try Skewless_V1_EntityKeyColumn.columns(joinKeys: joinKeys, rows: entities)
    }

    /// Writes rows into a feature view ("name" for its latest version, or "name@version"),
    /// durably: the call returns once the batch is in the view's write log in the offline
    /// store (fsynced) and applied on the replicas of its rows' partitions. See
    /// `WriteSummary` for exactly what the acknowledgement means.
    ///
    /// The whole batch goes to one node, which logs it once and applies it on every replica
    /// (docs/write-log.md). When that node fails or times out, the batch is sent again, with
    /// the same idempotency key, to another node: the store keeps it once.
    ///
    /// A row older than what a replica holds for its entity is kept out of the online store
    /// (it is still in the offline store's history).
    /// - Parameters:
    ///   - idempotencyKey: names the batch for exactly-once storage; nil makes a random one
    ///     for this call (so its own retries are safe). Pass your own to make retries of the
    ///     same rows in later calls safe too.
    /// - Throws: `invalidArgument` for rows that give created times (the log stamps them) or
    ///   do not fit the view; the node's errors otherwise.
    public func write(
        view: String, rows: [FeatureWrite], idempotencyKey: IdempotencyKey? = nil, timeout: Duration? = nil
    ) async throws(SkewlessError) -> WriteSummary {
        try await write(view: view, request: Self.writeRequest(view: view, rows: rows), entities: { rows.first.map { [$0.entity] } ?? [] },
            idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// Writes rows given column by column (`FeatureColumns`), durably, with the same
    /// acknowledgement, routing and retries as `write(view:rows:)`, without a dictionary per
    /// row: the columns travel as they are.
    public func write(
        view: String, columns: FeatureColumns, idempotencyKey: IdempotencyKey? = nil, timeout: Duration? = nil
    ) async throws(SkewlessError) -> WriteSummary {
        var request = columns.request
        request.featureView = view
        return try await write(view: view, request: request, entities: { columns.firstEntity.map { [$0] } ?? [] },
            idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// Sends a built write: to the node, or through the cluster's routing.
    /// - Parameter entities: the first row's entity, which picks a cluster write's coordinator.
    private func write(
        view: String, request: Skewless_V1_WriteFeaturesRequest, entities: () -> [[String: KeyPart]],
        idempotencyKey: IdempotencyKey?, timeout: Duration?
    ) async throws(SkewlessError) -> WriteSummary {
        try checkAcceptsCalls()
        let deadline = deadline(timeout)
        var request = request
        request.idempotencyKey = Data((idempotencyKey ?? .random()).bytes)
        if isClustered {
            return try await router.write(view: view, request: request, entities: entities(), deadline: deadline)
        }
        do {
            let response: Skewless_V1_WriteFeaturesResponse = try await call(.writeFeatures, request, deadline: deadline)
            return WriteSummary(response)
        } catch where error.code == .aborted {
            guard await router.discover(from: configuration.endpoint, deadline: deadline) else { throw error }
            return try await router.write(view: view, request: request, entities: entities(), deadline: deadline)
        }
    }

    /// The node's definitions: entities, feature views (with row counts) and services. In a
    /// cluster, from any node (row counts are then that node's).
    public func describe(timeout: Duration? = nil) async throws(SkewlessError) -> FeatureRepo {
        try checkAcceptsCalls()
        if isClustered {
            return try await router.repo(deadline: deadline(timeout), reload: true)
        }
        let response: Skewless_V1_DescribeResponse = try await call(.describe, Skewless_V1_DescribeRequest(), deadline: deadline(timeout))
        return try response.featureRepo()
    }

    /// Whether the node serves, and what it holds.
    public func health(timeout: Duration? = nil) async throws(SkewlessError) -> NodeHealth {
        let response: Skewless_V1_HealthResponse = try await call(.health, Skewless_V1_HealthRequest(), deadline: deadline(timeout))
        return NodeHealth(
            nodeID: response.nodeID, isServing: response.status == .serving, uptimeSeconds: response.uptimeSeconds,
            entityRows: response.entityRows, featureViews: Int(response.featureViews), openConnections: Int(response.openConnections),
            watermarks: response.watermarks.map(ViewWatermark.init),
            materializing: response.hasMaterializing ? MaterializationProgress(response.materializing) : nil,
            freshness: response.freshness.map(ViewFreshness.init),
            antiEntropy: response.hasAntiEntropy ? AntiEntropyStatus(response.antiEntropy) : nil,
            servedLog: response.hasServedLog ? ServedLogStatus(response.servedLog) : nil)
    }

    /// Asks the node to load the latest rows of `views` (`name` or `name@version`; empty
    /// for every view) from its offline store: incrementally since each view's watermark,
    /// or everything when `full`. For operators (fsctl), not inference services.
    /// - Returns: the watermark of each view version loaded.
    package func materialize(views: [String], full: Bool, asOfMicros: Int64? = nil, timeout: Duration) async throws(SkewlessError) -> [ViewWatermark] {
        var request = Skewless_V1_MaterializeRequest()
        request.featureViews = views
        request.full = full
        request.asOfMicros = asOfMicros ?? 0
        let response: Skewless_V1_MaterializeResponse = try await call(.materialize, request, deadline: deadline(timeout))
        return response.views.map(ViewWatermark.init)
    }

    // MARK: - Calls

    /// When a call with this timeout (the configuration's when nil) must end.
    func deadline(_ timeout: Duration?) -> NIODeadline {
        NIODeadline.now() + .nanoseconds((timeout ?? configuration.timeout).nanosecondsClamped)
    }

    /// One call to the node at `configuration.endpoint`, decoded.
    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: Skewless_V1_Method, _ request: Request, deadline: NIODeadline
    ) async throws(SkewlessError) -> Response {
        let payload = try await call(method, payload: try NodeConnection.encode(request), deadline: deadline)
        return try NodeConnection.decode(payload, from: configuration.endpoint)
    }

    /// One call to the node at `configuration.endpoint`, attempted as the retry policy says.
    nonisolated(nonsending) private func call(_ method: Skewless_V1_Method, payload: [UInt8], deadline: NIODeadline) async throws(SkewlessError) -> ByteBuffer {
        try checkAcceptsCalls()
        return try await router.retry.execute(deadline: deadline) { _ throws(SkewlessError) in
            try await router.oneShot.send(method, payload: payload, to: configuration.endpoint, deadline: deadline)
        }
    }

    /// - Throws: `FAILED_PRECONDITION` once the client has been shut down.
    @inline(__always)
    private func checkAcceptsCalls() throws(SkewlessError) {
        guard acceptsCalls.load(ordering: .relaxed) else { throw Self.shutDown }
    }

    /// Builds the columnar request; each field's type is taken from its values (the node checks it).
    static func writeRequest(view: String, rows: [FeatureWrite]) throws(SkewlessError) -> Skewless_V1_WriteFeaturesRequest {
        var request = Skewless_V1_WriteFeaturesRequest()
        request.featureView = view
        let joinKeys = Set(rows.flatMap(\.entity.keys)).sorted()
        request.entities = try Skewless_V1_EntityKeyColumn.columns(joinKeys: joinKeys, rows: rows.map(\.entity))
        request.eventTimeMicros = rows.map(\.eventTime)
        if let row = rows.firstIndex(where: { $0.createdTime != nil }) {
            throw SkewlessError(.invalidArgument, "row \(row + 1) gives a created time: a written row's created time is the time the write log accepts it (docs/write-log.md); leave createdTime nil, or load rows with created times of their own with fsctl ingest")
        }
        let fieldNames = Set(rows.flatMap(\.values.keys)).sorted()
        for name in fieldNames {
            guard let sample = rows.lazy.compactMap({ $0.values[name] ?? nil }).first else { continue }
            var column = Skewless_V1_WriteColumn()
            column.field = name
            var values: [FeatureValue] = []
            values.reserveCapacity(rows.count)
            for (index, row) in rows.enumerated() {
                if let value = row.values[name] ?? nil {
                    values.append(value)
                } else {
                    column.nullRows.append(UInt32(index))
                    values.append(FeatureValue.zero(of: sample.type))
                }
            }
            column.values = try Self.valueColumn(values, field: name)
            request.columns.append(column)
        }
        return request
    }

    static func valueColumn(_ values: [FeatureValue], field: String) throws(SkewlessError) -> Skewless_V1_ValueColumn {
        func mismatch(_ row: Int) -> SkewlessError {
            SkewlessError(.invalidArgument, "field '\(field)' has values of different types (row \(row) differs from the first): give one type per field")
        }
        var column = Skewless_V1_ValueColumn()
        for (row, value) in values.enumerated() {
            switch (values[0].storage, value.storage) {
            case (.bool, .bool(let v)): column.boolValues.append(v)
            case (.int32, .int32(let v)): column.int32Values.append(v)
            case (.int64, .int64(let v)): column.int64Values.append(v)
            case (.float, .float(let v)): column.floatValues.append(v)
            case (.double, .double(let v)): column.doubleValues.append(v)
            case (.string, .string(let v)): column.stringValues.append(v)
            case (.bytes, .bytes(let v)): column.bytesValues.append(Data(v))
            case (.timestamp, .timestamp(let v)): column.timestampValues.append(v)
            case (.embedding, .embedding(let v)): column.embeddingValues.append(Skewless_V1_Embedding(EmbeddingCodec.encode(v)))
            case (.int64List, .int64List(let v)):
                var list = Skewless_V1_Int64List()
                list.values = v
                column.int64ListValues.append(list)
            case (.stringList, .stringList(let v)):
                var list = Skewless_V1_StringList()
                list.values = v
                column.stringListValues.append(list)
            default:
                throw mismatch(row)
            }
        }
        return column
    }
}

import Foundation
