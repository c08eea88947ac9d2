import SkewlessModel
import SkewlessWire

extension FeatureClient {
    /// How long an offline call (a training set, an ingestion) may take when the call names
    /// no timeout: joins of millions of rows take seconds.
    public static let defaultOfflineTimeout: Duration = .seconds(600)

    /// A point-in-time-correct training set of a feature service, built by the node from its
    /// offline store (docs/point-in-time.md, docs/protocol.md section 18): the labels go up in
    /// chunks and the answer comes back in pages, so neither is one frame.
    ///
    /// The whole query goes to the client's endpoint (any node with the offline store answers
    /// for every entity; the store is not partitioned).
    /// - Parameters:
    ///   - asOfKnownTime: also require each row's created time <= the label's time.
    ///   - timeout: the deadline of the whole query; `defaultOfflineTimeout` when nil.
    /// - Throws: `SkewlessError`: `.invalidArgument` (labels without a join key, times in
    ///   seconds), `.notFound` (an unknown feature, a view the store has nothing of),
    ///   `.failedPrecondition` (a node without an offline store), `.resourceExhausted` (too
    ///   many label rows for the node's memory budget: split them).
    public func getHistoricalFeatures(service: String, labels: TrainingLabels, asOfKnownTime: Bool = false, timeout: Duration? = nil) async throws(SkewlessError) -> HistoricalFeatures {
        var first = Skewless_V1_GetHistoricalFeaturesRequest()
        first.featureService = service
        first.asOfKnownTime = asOfKnownTime
        return try await historical(first, labels: labels, timeout: timeout)
    }

    /// A training set of the named features (`view:field` or `view@version:field`).
    public func getHistoricalFeatures(features: [String], labels: TrainingLabels, asOfKnownTime: Bool = false, timeout: Duration? = nil) async throws(SkewlessError) -> HistoricalFeatures {
        var first = Skewless_V1_GetHistoricalFeaturesRequest()
        var list = Skewless_V1_FeatureList()
        list.features = features
        first.features = list
        first.asOfKnownTime = asOfKnownTime
        return try await historical(first, labels: labels, timeout: timeout)
    }

    /// Bytes of label rows per chunk: well under any node's max_frame_bytes.
    static let labelChunkBytes = 4 << 20

    /// `getHistoricalFeatures(features:...)` with chunks of about `chunkBytes` and pages of at
    /// most `pageRows` rows (0: the node's default), for tests of the conversation.
    package func getHistoricalFeatures(features: [String], labels: TrainingLabels, asOfKnownTime: Bool = false, timeout: Duration? = nil, chunkBytes: Int, pageRows: UInt32) async throws(SkewlessError) -> HistoricalFeatures {
        var first = Skewless_V1_GetHistoricalFeaturesRequest()
        var list = Skewless_V1_FeatureList()
        list.features = features
        first.features = list
        first.asOfKnownTime = asOfKnownTime
        return try await historical(first, labels: labels, timeout: timeout, chunkBytes: chunkBytes, pageRows: pageRows)
    }

    private func historical(_ first: Skewless_V1_GetHistoricalFeaturesRequest, labels: TrainingLabels, timeout: Duration?, chunkBytes: Int = labelChunkBytes, pageRows: UInt32 = 0) async throws(SkewlessError) -> HistoricalFeatures {
        let deadline = deadline(timeout ?? Self.defaultOfflineTimeout)
        let chunks = labels.chunks(ofAbout: chunkBytes)
        var cursor: [UInt8] = []
        var answer = Skewless_V1_GetHistoricalFeaturesResponse()
        for (index, chunk) in chunks.enumerated() {
            var request = index == 0 ? first : Skewless_V1_GetHistoricalFeaturesRequest()
            request.entities = chunk.entities
            request.labelTimeMicros = chunk.times
            request.moreLabels = index < chunks.count - 1
            request.cursor = .init(cursor)
            request.maxRows = pageRows
            answer = try await call(.getHistoricalFeatures, request, deadline: deadline)
            cursor = [UInt8](answer.nextCursor)
        }
        var pages = [answer]
        while !cursor.isEmpty {
            var request = Skewless_V1_GetHistoricalFeaturesRequest()
            request.cursor = .init(cursor)
            request.maxRows = pageRows
            answer = try await call(.getHistoricalFeatures, request, deadline: deadline)
            pages.append(answer)
            cursor = [UInt8](answer.nextCursor)
        }
        return try HistoricalFeatures(pages: pages)
    }

    /// Adds rows to a view's history in the node's offline store, as `fsctl ingest` does
    /// (docs/protocol.md section 19): every batch is checked, each is sent as one request,
    /// and a commit after the last makes all of them part of the view at once; a batch the
    /// node refuses ends the ingestion with nothing stored. The rows do not reach the online
    /// store (materialize them for that), and may carry created times
    /// (`FeatureColumns.setCreatedTimes`, in every batch or in none).
    ///
    /// Not idempotent across calls: ingesting the same rows twice stores them twice.
    /// - Parameters:
    ///   - view: `name` (its latest version) or `name@version`.
    ///   - batches: the rows, each batch small enough for one frame (16 MiB by default).
    ///   - timeout: the deadline of the whole ingestion; `defaultOfflineTimeout` when nil.
    public func ingest(view: String, batches: some Sequence<FeatureColumns>, timeout: Duration? = nil) async throws(SkewlessError) -> IngestSummary {
        let deadline = deadline(timeout ?? Self.defaultOfflineTimeout)
        var cursor: [UInt8] = []
        var request = Skewless_V1_IngestRequest()
        request.featureView = view
        var pending: FeatureColumns?
        for batch in batches {
            if let previous = pending {
                request.fill(previous)
                request.cursor = .init(cursor)
                let answer: Skewless_V1_IngestResponse = try await call(.ingest, request, deadline: deadline)
                cursor = [UInt8](answer.nextCursor)
                request = Skewless_V1_IngestRequest()
            }
            pending = batch
        }
        if let pending { request.fill(pending) }
        request.cursor = .init(cursor)
        request.commit = true
        let answer: Skewless_V1_IngestResponse = try await call(.ingest, request, deadline: deadline)
        return IngestSummary(featureView: answer.featureView, rows: Int(answer.rowsReceived), segments: Int(answer.segmentsWritten), ingestionTimeMicros: answer.ingestionTimeMicros)
    }
}

extension Skewless_V1_IngestRequest {
    /// The batch's rows.
    mutating func fill(_ batch: FeatureColumns) {
        entities = batch.request.entities
        eventTimeMicros = batch.request.eventTimeMicros
        createdTimeMicros = batch.request.createdTimeMicros
        columns = batch.request.columns
    }
}
