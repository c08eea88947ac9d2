import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire
import Synchronization

/// One INGEST on a node (docs/protocol.md section 19): an `IngestSession` of the offline store
/// (which holds the view's lock and writes a segment every `Options.ingestRunRows` rows), fed
/// batch by batch, then committed. Its state has its own lock, so one ingestion's segment
/// writes hold up no other session.
final class IngestionSession: Sendable {
    enum Stage {
        case open(IngestSession, State)
        /// Committed: the summary, answered again to a commit sent again.
        case committed(Skewless_V1_IngestResponse, lastBatch: Int)
        case ended
    }

    struct State {
        /// Whether the batches give created times: decided by the first batch with rows.
        var givesCreatedTimes: Bool?
        /// The hash of the last batch's request and the rows before it, to know it again.
        var lastBatch: (hash: Int, position: Int)?
    }

    let id: UInt64
    let view: FeatureView
    let joinKeys: [JoinKey]
    let startedMicros: Int64
    private let stage: Mutex<Stage>

    init(id: UInt64, view: FeatureView, joinKeys: [JoinKey], session: sending IngestSession, startedMicros: Int64) {
        self.id = id
        self.view = view
        self.joinKeys = joinKeys
        self.startedMicros = startedMicros
        self.stage = Mutex(.open(session, State()))
    }

    /// Discards what was received and releases the view (nothing when committed).
    func end() {
        stage.withLock { stage in
            if case .open(let session, _) = stage { session.abort() }
            stage = .ended
        }
    }

    /// Handles one batch (and the commit, when asked).
    /// - Returns: the answer, and whether the ingestion is over (committed).
    /// - Throws: the batch's problem; the caller then ends the ingestion.
    func handle(_ request: Skewless_V1_IngestRequest, hash: Int, position: Int) throws(SkewlessError) -> (Skewless_V1_IngestResponse, finished: Bool) {
        try stage.withLock { (stage) throws(SkewlessError) -> (Skewless_V1_IngestResponse, finished: Bool) in
            switch stage {
            case .ended:
                throw SkewlessError(.failedPrecondition, "the ingestion ended on this node: start again with an empty cursor")
            case .committed(let summary, let lastBatch):
                guard lastBatch == hash else {
                    throw SkewlessError(.failedPrecondition, "the ingestion was committed: start a new one with an empty cursor for more rows")
                }
                return (summary, true)
            case .open(let session, var state):
                var response = Skewless_V1_IngestResponse()
                response.featureView = view.qualifiedName
                response.ingestionTimeMicros = startedMicros
                if let last = state.lastBatch, last.hash == hash, last.position == position, session.rowCount > position {
                    // The last batch again (its answer was lost): already added.
                    response.rowsReceived = UInt64(session.rowCount)
                    response.nextCursor = SessionCursor(kind: .ingestion, session: id, position: session.rowCount).bytes
                    return (response, false)
                }
                guard position == session.rowCount else {
                    throw SkewlessError(.invalidArgument, "the cursor says \(position) rows were received before this batch, the ingestion has \(session.rowCount): send the batches in order, each with the cursor of the answer before it")
                }
                let batch = try check(request, state: &state)
                if batch.rowCount > 0 {
                    try session.append(batch)
                }
                state.lastBatch = (hash, position)
                response.rowsReceived = UInt64(session.rowCount)
                if request.commit {
                    let segments = try session.commit()
                    response.committed = true
                    response.segmentsWritten = UInt32(segments.count)
                    stage = .committed(response, lastBatch: hash)
                    return (response, true)
                }
                stage = .open(session, state)
                response.nextCursor = SessionCursor(kind: .ingestion, session: id, position: session.rowCount).bytes
                return (response, false)
            }
        }
    }

    /// The batch's rows, checked as `fsctl ingest` checks a file's (docs/protocol.md section 19).
    private func check(_ request: Skewless_V1_IngestRequest, state: inout State) throws(SkewlessError) -> WriteBatch {
        let keyColumns = try EntityKeyColumns(request.entities)
        let rows = request.entities.isEmpty ? request.eventTimeMicros.count : keyColumns.rowCount
        guard request.eventTimeMicros.count == rows else {
            throw SkewlessError(.invalidArgument, "\(request.eventTimeMicros.count) event times for \(rows) rows: every row needs an event time")
        }
        guard rows > 0 else {
            guard request.columns.isEmpty, request.createdTimeMicros.isEmpty else {
                throw SkewlessError(.invalidArgument, "a batch without rows sends no columns or created times")
            }
            return WriteBatch(keys: [], eventTimes: [], createdTimes: nil, fields: Array(repeating: nil, count: view.fields.count))
        }
        let keys = try keyColumns.keys(for: joinKeys, view: view.qualifiedName)
        let gives = !request.createdTimeMicros.isEmpty
        guard !gives || request.createdTimeMicros.count == rows else {
            throw SkewlessError(.invalidArgument, "\(request.createdTimeMicros.count) created times for \(rows) rows: give one per row, or none (rows then get the time the ingestion began)")
        }
        if let earlier = state.givesCreatedTimes, earlier != gives {
            throw SkewlessError(.invalidArgument, earlier
                ? "this batch gives no created times but the ingestion's earlier batches do: give created_time_micros in every batch or in none"
                : "this batch gives created times but the ingestion's earlier batches do not: give created_time_micros in every batch or in none")
        }
        state.givesCreatedTimes = gives
        for (name, times) in [("event", request.eventTimeMicros), ("created", request.createdTimeMicros)] {
            for (row, time) in times.enumerated() {
                if let problem = PlausibleTime.problem(time) {
                    throw SkewlessError(.invalidArgument, "row \(row + 1) of the batch, \(name) time: \(problem)")
                }
            }
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
        return WriteBatch(keys: keys, eventTimes: request.eventTimeMicros, createdTimes: gives ? request.createdTimeMicros : nil, fields: fields)
    }
}
