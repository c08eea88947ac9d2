import Foundation
import Logging
import NIOCore
import NIOPosix
import SkewlessCluster
import SkewlessModel
import SkewlessOfflineStore
import SkewlessOnlineStore
import SkewlessWire
import SwiftProtobuf

/// The durable write path (docs/write-log.md): the node that receives a client's write
/// batch is its coordinator. It
///
/// 1. checks the batch whole (nothing is stored if any row is refused);
/// 2. recognises a retry by its idempotency key (`IdempotencyIndex`): a retry is not logged
///    again, only applied again;
/// 3. appends it to its own write log of the view in the offline store and waits for the
///    group commit's fdatasync: from then on the batch is in training sets and survives
///    any restart; the log's acceptance time is the rows' created time;
/// 4. applies it on every write target of its rows' partitions (by this node's cluster map;
///    on itself alone when standalone): itself in memory, the others with a
///    `replica_apply` write, in parallel, each within `replicaTimeout`;
/// 5. answers with the acceptance time, the counts, the fewest replicas that applied any
///    row and the replicas that missed it.
///
/// A replica that refuses as wrong shard has a newer map: the coordinator installs that map
/// and applies again by it (the same epoch fence as clients, docs/cluster.md section 7).
///
/// Decoding, checking, encoding the log record and applying rows run on a thread pool, never
/// on an event loop: a batch of 10,000 rows takes milliseconds, which reads on the same
/// event loop would otherwise wait for.
final class WriteCoordinator: Sendable {
    private let repo: FeatureRepo
    private let store: OnlineStore
    private let logs: WriteLogs?
    private let membership: ClusterMembership?
    private let peers: PeerCaller?
    private let freshness: FreshnessTracker
    /// Records this node applied as a replica, which its log follower skips.
    let applied = AppliedRecords()
    /// Rows per view and outcome (logged, duplicate, refused, written, ignored as older).
    let counts: ViewWriteCounters
    private let index: IdempotencyIndex
    private let configuration: NodeConfiguration
    private let clock: @Sendable () -> Int64
    private let logger: Logger
    private let pool: NIOThreadPool
    /// About how many bytes of a view's write logs are unsealed (`LogSealer`); nil: unknown.
    private let backlogBytes: (@Sendable (FeatureView) -> UInt64)?

    init(
        repo: FeatureRepo, store: OnlineStore, logs: WriteLogs?, membership: ClusterMembership?, peers: PeerCaller?,
        freshness: FreshnessTracker, configuration: NodeConfiguration, logger: Logger, clock: @escaping @Sendable () -> Int64,
        backlogBytes: (@Sendable (FeatureView) -> UInt64)? = nil
    ) {
        self.backlogBytes = backlogBytes
        self.counts = ViewWriteCounters(views: repo.featureViews)
        self.repo = repo
        self.store = store
        self.logs = logs
        self.membership = membership
        self.peers = peers
        self.freshness = freshness
        self.index = IdempotencyIndex(windowMicros: configuration.deduplicationWindowSeconds * 1_000_000)
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.pool = NIOThreadPool.singleton
    }

    /// Throws `PERMISSION_DENIED` when the sender may not write the view (or, with
    /// `replicaApply`, apply a batch as a replica).
    typealias Authorization = @Sendable (_ view: FeatureView, _ replicaApply: Bool) throws(SkewlessError) -> Void

    /// A checked batch.
    struct Checked {
        var view: FeatureView
        var batch: WriteBatch
    }

    // MARK: - Entry points

    /// Answers a WRITE_FEATURES request (its payload): a client's batch (logged, then applied
    /// on every replica) or a coordinator's `replica_apply` (applied here, in memory). The
    /// future completes on `eventLoop`.
    /// - Parameter authorize: checks that the sender may write the batch's view (or apply it as
    ///   a replica), before anything else is checked; nil: anyone may.
    func write(_ payload: Data, on eventLoop: any EventLoop, authorize: Authorization? = nil) -> EventLoopFuture<Skewless_V1_WriteFeaturesResponse> {
        pool.runIfActive(eventLoop: eventLoop) { () throws -> EventLoopFuture<Skewless_V1_WriteFeaturesResponse> in
            let request: Skewless_V1_WriteFeaturesRequest
            do {
                request = try Skewless_V1_WriteFeaturesRequest(serializedBytes: payload)
            } catch {
                throw SkewlessError(.invalidArgument, "the payload is not a valid \(Skewless_V1_WriteFeaturesRequest.protoMessageName): \(error)")
            }
            if let authorize {
                try authorize(try self.repo.featureView(qualified: request.featureView), request.replicaApply)
            }
            if request.replicaApply {
                return eventLoop.makeSucceededFuture(try self.applyAsReplica(try self.check(request), request: request))
            }
            do {
                return try self.coordinate(try self.check(request), request: request, on: eventLoop)
            } catch {
                // A client's batch refused before it was logged (a failed append counts in `coordinate`).
                if let view = try? self.repo.featureView(qualified: request.featureView) {
                    self.counts.add(request.eventTimeMicros.count, .refused, view: view.qualifiedName)
                }
                throw error
            }
        }.flatMap { $0 }
    }

    // MARK: - Checking

    /// Checks the request completely, before anything is logged or stored.
    func check(_ request: Skewless_V1_WriteFeaturesRequest) throws -> Checked {
        let view = try repo.featureView(qualified: request.featureView)
        let keyColumns = try EntityKeyColumns(request.entities)
        let rows = keyColumns.rowCount
        guard rows <= configuration.maxEntitiesPerRequest else {
            throw SkewlessError(.resourceExhausted, "\(rows) rows exceed the node's limit of \(configuration.maxEntitiesPerRequest) per request: split the batch")
        }
        let keys = try keyColumns.keys(for: repo.joinKeys(of: view), view: view.qualifiedName)
        guard request.eventTimeMicros.count == rows else {
            throw SkewlessError(.invalidArgument, "\(request.eventTimeMicros.count) event times for \(rows) rows: every row needs an event time")
        }
        if request.replicaApply {
            guard request.createdTimeMicros.count == rows else {
                throw SkewlessError(.invalidArgument, "a replica application carries the acceptance time of every row in created_time_micros (\(request.createdTimeMicros.count) for \(rows) rows)")
            }
        } else if !request.createdTimeMicros.isEmpty {
            throw SkewlessError(.invalidArgument, "a write gives created times, but a written row's created time is the time the write log accepts it (docs/write-log.md), so that training sets as of known time stay honest: send none; to load rows with created times of their own, use fsctl ingest")
        }
        guard request.idempotencyKey.count <= WriteLogRecord.maximumKeyBytes else {
            throw SkewlessError(.invalidArgument, "an idempotency key of \(request.idempotencyKey.count) bytes: at most \(WriteLogRecord.maximumKeyBytes)")
        }
        var fields = [FieldValues?](repeating: nil, count: view.fields.count)
        for column in request.columns {
            guard let index = view.fieldIndex(named: column.field) else {
                let known = view.fields.map(\.name).joined(separator: ", ")
                throw SkewlessError(.notFound, "feature view '\(view.qualifiedName)' has no field '\(column.field)'; its fields: \(known)")
            }
            guard fields[index] == nil else {
                throw SkewlessError(.invalidArgument, "field '\(column.field)' is sent twice")
            }
            fields[index] = try column.fieldValues(of: view.fields[index], rows: rows, view: view.qualifiedName)
        }
        let batch = WriteBatch(
            keys: keys, eventTimes: request.eventTimeMicros,
            createdTimes: request.createdTimeMicros.isEmpty ? nil : request.createdTimeMicros, fields: fields)
        return Checked(view: view, batch: batch)
    }

    // MARK: - A replica's part

    private func applyAsReplica(_ checked: Checked, request: Skewless_V1_WriteFeaturesRequest) throws -> Skewless_V1_WriteFeaturesResponse {
        // Only where the map says: a replica never stores a key it does not hold.
        try membership?.access?.checkWrite(checked.batch.keys)
        try membership?.access?.checkWriteEpoch(checked.batch.keys, mapEpoch: request.mapEpoch)
        let result = try store.write(view: checked.view, batch: checked.batch, nowMicros: clock())
        freshness.note(view: checked.view, batch: checked.batch)
        count(result, view: checked.view)
        applied.note(view: checked.view.qualifiedName, node: request.logNode, sequence: request.logSequence)
        var response = Skewless_V1_WriteFeaturesResponse()
        response.rowsWritten = UInt64(result.rowsWritten)
        response.rowsIgnoredOlder = UInt64(result.rowsIgnoredOlder)
        response.acceptedTimeMicros = request.createdTimeMicros.first ?? 0
        response.minReplicasApplied = 1
        return response
    }

    // MARK: - The coordinator's part

    private func coordinate(_ checked: Checked, request: Skewless_V1_WriteFeaturesRequest, on eventLoop: any EventLoop) throws -> EventLoopFuture<Skewless_V1_WriteFeaturesResponse> {
        guard let logs else {
            throw SkewlessError(.failedPrecondition, "this node has no offline store to log writes in, and a write is acknowledged only once it is durable there: start the node with --segments DIR (the store fsctl ingest writes)")
        }
        let log = try logs.log(for: checked.view)
        if let backlog = backlogBytes?(checked.view), backlog > configuration.maximumUnsealedBytes {
            // Back-pressure: the sealer is this far behind; a bounded backlog keeps readers'
            // memory and the time to seal bounded. Retrying shortly lets it catch up.
            throw SkewlessError(.unavailable, "the write log of \(checked.view.qualifiedName) has \(backlog >> 20) MiB not yet sealed into segments (limit \(configuration.maximumUnsealedBytes >> 20) MiB): slow down and retry shortly")
        }
        var key = [UInt8](request.idempotencyKey)
        if key.isEmpty {
            // No key from the client: the batch cannot be recognised when retried.
            var generator = SystemRandomNumberGenerator()
            key = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
        let indexKey = IdempotencyIndex.Key(view: checked.view.qualifiedName, idempotencyKey: key)
        let accepted = eventLoop.makePromise(of: Int64.self)
        let fingerprint = Self.fingerprint(checked)
        if let original = index.claim(indexKey, .init(accepted: accepted.futureResult, fingerprint: fingerprint), nowMicros: clock()) {
            accepted.succeed(0)
            guard original.fingerprint == fingerprint else {
                throw SkewlessError(.invalidArgument, "idempotency key '\(key.printableOrHex)' was already used for other rows of \(checked.view.qualifiedName): a retry must send the same rows; give new rows a new key")
            }
            // A retry of a batch this node logged: apply it again (harmless), log nothing.
            counts.add(checked.batch.rowCount, .duplicate, view: checked.view.qualifiedName)
            return original.accepted.hop(to: eventLoop).flatMap { time in
                self.applyOnPool(checked, acceptedTime: time, sequence: 0, on: eventLoop, mapChanges: 0).map { response in
                    var response = response
                    response.duplicate = true
                    return response
                }
            }
        }
        let acceptedTime = clock()
        let record: WriteLogRecord
        do {
            record = WriteLogRecord(
                acceptedTime: acceptedTime, idempotencyKey: key,
                rows: try SegmentRows(batch: checked.batch, createdTime: acceptedTime, schema: log.schema))
        } catch {
            index.release(indexKey)
            accepted.fail(error)
            throw error
        }
        let durable = eventLoop.makePromise(of: UInt64.self)
        log.append(record) { result in durable.completeWith(result.mapError { $0 as any Error }) }
        return durable.futureResult.flatMapError { error in
            self.index.release(indexKey)
            self.counts.add(checked.batch.rowCount, .refused, view: checked.view.qualifiedName)
            accepted.fail(error)
            return eventLoop.makeFailedFuture(error)
        }.flatMap { sequence in
            self.counts.add(checked.batch.rowCount, .logged, view: checked.view.qualifiedName)
            accepted.succeed(acceptedTime)
            return self.applyOnPool(checked, acceptedTime: acceptedTime, sequence: sequence, on: eventLoop, mapChanges: 0)
        }
    }

    /// `apply`, with its local writes and encoding on the thread pool.
    private func applyOnPool(_ checked: Checked, acceptedTime: Int64, sequence: UInt64, on eventLoop: any EventLoop, mapChanges: Int) -> EventLoopFuture<Skewless_V1_WriteFeaturesResponse> {
        pool.runIfActive(eventLoop: eventLoop) {
            self.apply(checked, acceptedTime: acceptedTime, sequence: sequence, on: eventLoop, mapChanges: mapChanges)
        }.flatMap { $0 }
    }

    /// Applies a logged batch on every write target of its rows (by this node's map).
    /// - Parameter sequence: the batch's record in this node's log (0: not known, a retry's).
    private func apply(_ checked: Checked, acceptedTime: Int64, sequence: UInt64, on eventLoop: any EventLoop, mapChanges: Int) -> EventLoopFuture<Skewless_V1_WriteFeaturesResponse> {
        var batch = checked.batch
        batch.createdTimes = [Int64](repeating: acceptedTime, count: batch.rowCount)
        var response = Skewless_V1_WriteFeaturesResponse()
        response.acceptedTimeMicros = acceptedTime
        guard let map = membership?.map, let peers else {
            // Standalone: this node is every row's only replica.
            do {
                let result = try store.write(view: checked.view, batch: batch, nowMicros: clock())
                freshness.note(view: checked.view, batch: batch)
                count(result, view: checked.view)
                response.rowsWritten = UInt64(result.rowsWritten)
                response.rowsIgnoredOlder = UInt64(result.rowsIgnoredOlder)
                response.minReplicasApplied = 1
                return eventLoop.makeSucceededFuture(response)
            } catch {
                return eventLoop.makeFailedFuture(error)
            }
        }
        // Rows grouped by their partition's write targets, in the map's preferred order.
        let partitioner = map.partitioner
        var groups: [[NodeID]: [Int]] = [:]
        for (row, key) in batch.keys.enumerated() {
            groups[map.writeTargets(of: partitioner.partition(of: key)), default: []].append(row)
        }
        let me = membership?.nodeID
        let timeout = TimeAmount.milliseconds(configuration.replicaTimeoutMilliseconds)
        typealias Outcome = (group: Int, target: Int, result: Result<WriteResult, SkewlessError>)
        var pending: [EventLoopFuture<Outcome>] = []
        let ordered = groups.sorted { $0.value[0] < $1.value[0] }
        for (groupIndex, (targets, rows)) in ordered.enumerated() {
            let part = rows.count == batch.rowCount ? batch : batch.gathered(rows)
            for (targetIndex, target) in targets.enumerated() {
                if target.rawValue == me {
                    let outcome: Outcome
                    do {
                        try membership?.access?.checkWrite(part.keys)
                        let result = try store.write(view: checked.view, batch: part, nowMicros: clock())
                        freshness.note(view: checked.view, batch: part)
                        count(result, view: checked.view)
                        outcome = (groupIndex, targetIndex, .success(result))
                    } catch {
                        outcome = (groupIndex, targetIndex, .failure(error as? SkewlessError ?? SkewlessError(.internal, "\(error)")))
                    }
                    pending.append(eventLoop.makeSucceededFuture(outcome))
                    continue
                }
                guard let address = map.node(target)?.address else {
                    pending.append(eventLoop.makeSucceededFuture((groupIndex, targetIndex, .failure(SkewlessError(.unavailable, "node \(target) is not in the map")))))
                    continue
                }
                let payload: [UInt8]
                do {
                    var request = try Self.replicaRequest(view: checked.view, batch: part, repo: repo, epoch: map.epoch)
                    request.logNode = me ?? ""
                    request.logSequence = sequence
                    payload = try request.serializedBytes()
                } catch {
                    pending.append(eventLoop.makeSucceededFuture((groupIndex, targetIndex, .failure(SkewlessError(.internal, "could not encode a replica write: \(error)")))))
                    continue
                }
                let call = peers.call(.writeFeatures, payload: payload, to: address, timeout: timeout, on: eventLoop)
                pending.append(call.map { envelope -> Outcome in
                    if let error = envelope.error { return (groupIndex, targetIndex, .failure(error)) }
                    guard let answer = try? Skewless_V1_WriteFeaturesResponse(serializedBytes: Data(envelope.payload.readableBytesView)) else {
                        return (groupIndex, targetIndex, .failure(SkewlessError(.dataLoss, "node \(target) answered a replica write with garbage")))
                    }
                    return (groupIndex, targetIndex, .success(WriteResult(rowsWritten: Int(answer.rowsWritten), rowsIgnoredOlder: Int(answer.rowsIgnoredOlder))))
                }.recover { error -> Outcome in
                    (groupIndex, targetIndex, .failure(error as? SkewlessError ?? SkewlessError(.unavailable, "\(error)")))
                })
            }
        }
        let base = response
        return EventLoopFuture.whenAllSucceed(pending, on: eventLoop).flatMap { outcomes in
            var response = base
            var applied = [Int](repeating: 0, count: ordered.count)
            var counted = [Int?](repeating: nil, count: ordered.count)
            var results = [[Int: WriteResult]](repeating: [:], count: ordered.count)
            var missed = Set<String>()
            var newerMap: NodeID?
            for outcome in outcomes {
                let target = ordered[outcome.group].key[outcome.target]
                switch outcome.result {
                case .success(let result):
                    applied[outcome.group] += 1
                    results[outcome.group][outcome.target] = result
                    if counted[outcome.group].map({ outcome.target < $0 }) ?? true { counted[outcome.group] = outcome.target }
                case .failure(let error):
                    if error.code == .aborted, target.rawValue != me { newerMap = target }
                    missed.insert(target.rawValue)
                    self.logger.warning("a replica missed a logged write", metadata: [
                        "replica": "\(target)", "view": "\(checked.view.qualifiedName)", "error": "\(error.message)",
                    ])
                }
            }
            if let newerMap, mapChanges < 2, let address = map.node(newerMap)?.address {
                // A replica has a newer map: take it, and apply by it.
                return self.installMap(from: address, on: eventLoop).flatMap { _ in
                    self.applyOnPool(checked, acceptedTime: acceptedTime, sequence: sequence, on: eventLoop, mapChanges: mapChanges + 1)
                }
            }
            for (group, target) in counted.enumerated() {
                guard let target, let result = results[group][target] else { continue }
                response.rowsWritten += UInt64(result.rowsWritten)
                response.rowsIgnoredOlder += UInt64(result.rowsIgnoredOlder)
            }
            response.minReplicasApplied = UInt32(applied.min() ?? 0)
            response.replicasMissed = missed.sorted()
            return eventLoop.makeSucceededFuture(response)
        }
    }

    /// Counts what a write into this node's online store did with its rows.
    private func count(_ result: WriteResult, view: FeatureView) {
        counts.add(result.rowsWritten, .written, view: view.qualifiedName)
        counts.add(result.rowsIgnoredOlder, .ignoredOlder, view: view.qualifiedName)
    }

    /// A fingerprint of a batch's rows (their keys and event times, `FNV1a64` a word at a
    /// time): what tells a retry from other rows sent under the same idempotency key. Values are
    /// left out to keep it cheap; a retry that changed only values is taken for the original.
    static func fingerprint(_ checked: Checked) -> UInt64 {
        var hash = FNV1a64()
        hash.add(word: UInt64(checked.batch.rowCount))
        for time in checked.batch.eventTimes { hash.add(word: UInt64(bitPattern: time)) }
        for key in checked.batch.keys {
            for part in key.parts {
                switch part.storage {
                case .int64(let value): hash.add(word: UInt64(bitPattern: value))
                case .string(let value): hash.add(value.utf8)
                }
            }
        }
        return hash.value
    }

    /// Fetches a peer's map and installs it when it is newer than this node's (on the thread
    /// pool: installing fsyncs the map file and its directory).
    private func installMap(from address: NodeAddress, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard let peers, let membership else { return eventLoop.makeSucceededVoidFuture() }
        let payload = (try? Skewless_V1_GetClusterMapRequest().serializedBytes()) ?? []
        return peers.call(.getClusterMap, payload: payload, to: address, timeout: .seconds(1), on: eventLoop).flatMap { envelope in
            guard envelope.error == nil,
                let answer = try? Skewless_V1_GetClusterMapResponse(serializedBytes: Data(envelope.payload.readableBytesView)),
                answer.epoch > (membership.map?.epoch ?? 0)
            else { return eventLoop.makeSucceededVoidFuture() }
            return self.pool.runIfActive(eventLoop: eventLoop) {
                do {
                    _ = try membership.install(json: answer.mapJson)
                } catch {
                    self.logger.warning("could not install a peer's newer cluster map: \(error)")
                }
            }
        }.recover { _ in }
    }

    /// The WRITE_FEATURES request that applies rows on another replica.
    static func replicaRequest(view: FeatureView, batch: WriteBatch, repo: FeatureRepo, epoch: UInt64) throws -> Skewless_V1_WriteFeaturesRequest {
        var request = Skewless_V1_WriteFeaturesRequest()
        request.featureView = view.qualifiedName
        request.entities = Skewless_V1_EntityKeyColumn.columns(keys: batch.keys, joinKeys: repo.joinKeys(of: view))
        request.eventTimeMicros = batch.eventTimes
        request.createdTimeMicros = batch.createdTimes ?? []
        request.mapEpoch = epoch
        request.replicaApply = true
        for (index, field) in batch.fields.enumerated() {
            guard let field else { continue }
            var column = Skewless_V1_WriteColumn()
            column.field = view.fields[index].name
            column.values = Skewless_V1_ValueColumn(field.values)
            if let nulls = field.nullRows {
                column.nullRows = nulls.indices.filter { nulls[$0] }.map(UInt32.init)
            }
            request.columns.append(column)
        }
        return request
    }
}
