import Foundation
import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire

extension RequestProcessor {
    /// The most bytes one page of GET_HISTORICAL_FEATURES (or an INGEST answer) encodes to.
    var pageBytes: Int { min(configuration.maxFrameBytes - 4_096, 8 * 1024 * 1024) }

    /// GET_HISTORICAL_FEATURES: one step of a query (docs/protocol.md section 18): a chunk
    /// of label rows, the last one (then the join and the first page), or a page. Runs on
    /// `longRunning`, off the event loops.
    ///
    /// - Throws: `FAILED_PRECONDITION` without an offline store or for an ended query;
    ///   `INVALID_ARGUMENT` / `NOT_FOUND` for the selection, the labels or the cursor;
    ///   `RESOURCE_EXHAUSTED` past `historicalMemoryBytes`. Any error but the cursor's own
    ///   ends the query; `PERMISSION_DENIED` when `rights` do not cover its features (checked
    ///   on every step, so a cursor is worth nothing to a principal who may not read them).
    func getHistoricalFeatures(
        _ request: Skewless_V1_GetHistoricalFeaturesRequest, payload: Data, rights: AccessRights? = nil
    ) throws(SkewlessError) -> Skewless_V1_GetHistoricalFeaturesResponse {
        guard let offline else {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) has no offline store to build training sets from: start it with --segments DIR (the store fsctl ingest writes)")
        }
        let now = clock()
        let cursor = request.cursor.isEmpty ? nil : try SessionCursor(bytes: request.cursor)
        if request.cancel {
            if let cursor { offlineSessions.end(cursor.session) }
            return Skewless_V1_GetHistoricalFeaturesResponse()
        }
        let query: HistoricalSession
        if let cursor {
            let session = try offlineSessions.acquire(cursor.session, nowMicros: now)
            guard cursor.kind == .labels || cursor.kind == .page, case .query(let found) = session else {
                offlineSessions.release(cursor.session, nowMicros: now)
                throw SkewlessError(.invalidArgument, "the cursor belongs to an ingestion, not to a GET_HISTORICAL_FEATURES query: send it with INGEST, or start a query with an empty cursor")
            }
            query = found
            if let rights {
                do throws(SkewlessError) {
                    try rights.checkRead(access.numbering.set(of: query.selection.features), service: query.selection.service, numbering: access.numbering)
                } catch {
                    offlineSessions.release(cursor.session, nowMicros: now)
                    throw error
                }
            }
        } else {
            let selection = try historicalSelection(request)
            try rights?.checkRead(access.numbering.set(of: selection.features), service: selection.service, numbering: access.numbering)
            query = HistoricalSession(id: offlineSessions.newID(), selection: selection)
            offlineSessions.add(.query(query), id: query.id, nowMicros: now)
        }
        defer { offlineSessions.release(query.id, nowMicros: clock()) }
        var hasher = Hasher()
        hasher.combine(payload)
        let sessions = offlineSessions
        let repo = self.repo
        do {
            let outcome = try query.handle(
                request, chunkHash: hasher.finalize(), position: cursor?.position ?? 0, isPage: cursor?.kind == .page, pageBytes: pageBytes,
                reserve: { (bytes, rows) throws(SkewlessError) in try sessions.reserve(bytes, for: query.id, labelRows: rows) },
                join: { (labels) throws(SkewlessError) in
                    try offline.trainingSet(labels: labels, features: query.selection.features, joinKeys: { repo.joinKeys(of: $0) }, asOfKnownTime: query.selection.asOfKnownTime)
                })
            if outcome.finished { offlineSessions.end(query.id) }
            return outcome.response
        } catch {
            offlineSessions.end(query.id)
            throw error
        }
    }

    /// The features of a new query, resolved, and what joining them needs.
    private func historicalSelection(_ request: Skewless_V1_GetHistoricalFeaturesRequest) throws(SkewlessError) -> HistoricalSession.Selection {
        let features: [ResolvedFeature]
        var service: (name: String, index: Int)?
        switch request.selector {
        case .featureService(let name):
            features = try repo.resolve(service: name)
            service = repo.featureServices.firstIndex { $0.name == name }.map { (name, $0) }
        case .features(let list):
            guard !list.features.isEmpty else {
                throw SkewlessError(.invalidArgument, "the feature list is empty: name at least one feature as view:field")
            }
            var resolved: [ResolvedFeature] = []
            for text in list.features { resolved.append(try repo.resolve(FeatureReference(parsing: text))) }
            features = resolved
        case nil:
            throw SkewlessError(.invalidArgument, "a new query names no features: set feature_service or features (on its first request)")
        }
        var views: [FeatureView] = []
        var joinKeys: [JoinKey] = []
        for feature in features where !views.contains(feature.view) {
            views.append(feature.view)
            for key in repo.joinKeys(of: feature.view) where !joinKeys.contains(key) { joinKeys.append(key) }
        }
        return HistoricalSession.Selection(features: features, joinKeys: joinKeys, views: views, asOfKnownTime: request.asOfKnownTime, service: service)
    }

    /// INGEST: one batch of an ingestion (docs/protocol.md section 19), and its commit when
    /// asked. Runs on `longRunning`.
    ///
    /// - Throws: `FAILED_PRECONDITION` without an offline store or for an ended ingestion;
    ///   `NOT_FOUND` / `INVALID_ARGUMENT` for the view, the rows or the cursor; `ABORTED`
    ///   while another writer holds the view. Any error but the cursor's own ends the
    ///   ingestion with nothing stored; `PERMISSION_DENIED` when `rights` do not cover the view
    ///   (checked on every batch).
    func ingest(_ request: Skewless_V1_IngestRequest, payload: Data, rights: AccessRights? = nil) throws(SkewlessError) -> Skewless_V1_IngestResponse {
        guard let offline else {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) has no offline store to ingest into: start it with --segments DIR (the store fsctl ingest writes)")
        }
        let now = clock()
        let cursor = request.cursor.isEmpty ? nil : try SessionCursor(bytes: request.cursor)
        if request.cancel {
            if let cursor { offlineSessions.end(cursor.session) }
            return Skewless_V1_IngestResponse()
        }
        let ingestion: IngestionSession
        if let cursor {
            let session = try offlineSessions.acquire(cursor.session, nowMicros: now)
            guard cursor.kind == .ingestion, case .ingestion(let found) = session else {
                offlineSessions.release(cursor.session, nowMicros: now)
                throw SkewlessError(.invalidArgument, "the cursor belongs to a GET_HISTORICAL_FEATURES query, not to an ingestion: start an ingestion with an empty cursor")
            }
            ingestion = found
            if let rights {
                do throws(SkewlessError) {
                    try rights.checkIngest(ingestion.view, numbering: access.numbering)
                } catch {
                    offlineSessions.release(cursor.session, nowMicros: now)
                    throw error
                }
            }
        } else {
            let view = try repo.featureView(qualified: request.featureView)
            try rights?.checkIngest(view, numbering: access.numbering)
            let joinKeys = repo.joinKeys(of: view)
            // Runs of a quarter of fsctl's: the node holds at most this many rows of one ingestion.
            let store = OfflineStore(directory: offline.layout.root, options: .defaults { $0.ingestRunRows = Self.ingestRunRows })
            let session = try store.beginIngest(view: view, joinKeys: joinKeys, nowMicros: now)
            ingestion = IngestionSession(id: offlineSessions.newID(), view: view, joinKeys: joinKeys, session: session, startedMicros: now)
            offlineSessions.add(.ingestion(ingestion), id: ingestion.id, nowMicros: now)
        }
        defer { offlineSessions.release(ingestion.id, nowMicros: clock()) }
        var hasher = Hasher()
        hasher.combine(payload)
        do {
            let (response, finished) = try ingestion.handle(request, hash: hasher.finalize(), position: cursor?.position ?? 0)
            // A committed ingestion stays until idle, to answer its commit again if asked.
            _ = finished
            return response
        } catch where error.code == .failedPrecondition && cursor != nil {
            throw error
        } catch {
            offlineSessions.end(ingestion.id)
            throw SkewlessError(error.code, "\(error.message) (the ingestion ended: nothing of it was stored; start again with an empty cursor)")
        }
    }

    /// Rows an ingestion holds before it writes them as a segment.
    static let ingestRunRows = 262_144
}
