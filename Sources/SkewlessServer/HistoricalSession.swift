import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire
import SwiftProtobuf
import Synchronization

/// One GET_HISTORICAL_FEATURES query on a node (docs/protocol.md section 18): the label rows
/// received so far, then, once the last chunk is in, the training set they were joined into,
/// from which pages are cut. Its state has its own lock: requests of one query run one at a
/// time, other queries' do not wait for them.
final class HistoricalSession: Sendable {
    /// What a query needs from the node to join.
    struct Selection: Sendable {
        var features: [ResolvedFeature]
        /// Every join key of every view of `features`, in order of first appearance.
        var joinKeys: [JoinKey]
        var views: [FeatureView]
        var asOfKnownTime: Bool
        /// The feature service named, and its index in the repo; nil: a list of features.
        /// Access checks read the service's grant (`AccessRights.checkRead`).
        var service: (name: String, index: Int)? = nil
    }

    /// What the query holds.
    enum Stage {
        /// Label rows received so far: one key column per join key, and times.
        case labels(keys: [String: KeyColumn], times: [Int64], lastChunk: Int?)
        /// The joined answer (labels dropped), and the hash of the chunk that ended the upload.
        case joined(HistoricalAnswer, lastChunk: Int?, uploaded: Int)
        case ended
    }

    let id: UInt64
    let selection: Selection
    private let stage: Mutex<Stage>

    init(id: UInt64, selection: Selection) {
        self.id = id
        self.selection = selection
        var keys: [String: KeyColumn] = [:]
        for key in selection.joinKeys { keys[key.name] = .empty(key.type) }
        self.stage = Mutex(.labels(keys: keys, times: [], lastChunk: nil))
    }

    func end() {
        stage.withLock { $0 = .ended }
    }

    /// What a request made of the query: an answer, and whether the query is complete.
    struct Outcome {
        var response: Skewless_V1_GetHistoricalFeaturesResponse
        var finished: Bool
    }

    /// Handles one request of this query (a chunk of labels, or a page).
    /// - Parameters:
    ///   - position: the cursor's position (0 for the first request).
    ///   - isPage: the cursor is a page's (no labels may come with it).
    ///   - reserve: sets the bytes the query holds; throws when over the node's budget.
    ///   - join: the training set of all label rows.
    ///   - pageBytes: the most bytes a page may encode to.
    func handle(
        _ request: Skewless_V1_GetHistoricalFeaturesRequest, chunkHash: Int, position: Int, isPage: Bool, pageBytes: Int,
        reserve: (Int, Int) throws(SkewlessError) -> Void,
        join: (HistoricalLabels) throws(SkewlessError) -> HistoricalAnswer
    ) throws(SkewlessError) -> Outcome {
        try stage.withLock { (stage) throws(SkewlessError) -> Outcome in
            let hasLabels = !request.entities.isEmpty || !request.labelTimeMicros.isEmpty
            switch stage {
            case .ended:
                throw SkewlessError(.failedPrecondition, "the query ended on this node: start again with an empty cursor")
            case .joined(let answer, let lastChunk, let uploaded):
                if isPage {
                    guard !hasLabels else {
                        throw SkewlessError(.invalidArgument, "label rows sent with a page's cursor: every label row goes before the last chunk (more_labels false); send a page's cursor alone")
                    }
                    return try page(answer, from: position, maxRows: request.maxRows, maxBytes: pageBytes)
                }
                // The last chunk again (its answer was lost): the first page again.
                let rows = max(request.labelTimeMicros.count, request.entities.map { max($0.int64Values.count, $0.stringValues.count) }.max() ?? 0)
                guard lastChunk == chunkHash, position + rows == uploaded else {
                    throw SkewlessError(.failedPrecondition, "the query has all its label rows and was joined: read its pages with the cursor of its last answer, or start a new query with an empty cursor")
                }
                return try page(answer, from: 0, maxRows: request.maxRows, maxBytes: pageBytes, warnings: answer.warnings)
            case .labels(var keys, var times, _):
                guard !isPage else {
                    throw SkewlessError(.invalidArgument, "a page's cursor for a query still receiving label rows: send the next chunk with the cursor of the last answer")
                }
                guard position <= times.count else {
                    throw SkewlessError(.invalidArgument, "the cursor is ahead of the query's \(times.count) label rows: pass back next_cursor unchanged")
                }
                if position < times.count {
                    // A chunk sent again: what came from its position on is replaced.
                    for (name, column) in keys { keys[name] = column.prefix(position) }
                    times.removeLast(times.count - position)
                }
                try Self.append(request, to: &keys, times: &times, joinKeys: selection.joinKeys)
                stage = .labels(keys: keys, times: times, lastChunk: chunkHash)
                try reserve(Self.labelBytes(keys: keys, rows: times.count), times.count)
                var response = Skewless_V1_GetHistoricalFeaturesResponse()
                response.labelRows = UInt64(times.count)
                if request.moreLabels {
                    response.nextCursor = SessionCursor(kind: .labels, session: id, position: times.count).bytes
                    return Outcome(response: response, finished: false)
                }
                try reserve(Self.answerBytes(rows: times.count, selection: selection), times.count)
                let answer = try join(HistoricalLabels(keys: keys, times: times))
                stage = .joined(answer, lastChunk: chunkHash, uploaded: times.count)
                return try page(answer, from: 0, maxRows: request.maxRows, maxBytes: pageBytes, warnings: answer.warnings)
            }
        }
    }

    /// Rows per page when the request asks for 0, and the most it may ask for.
    static let defaultPageRows = 65_536
    static let maximumPageRows = 1_048_576

    /// The page of `answer` from label row `start`: at most `maxRows` rows and `maxBytes`
    /// bytes (halved until it fits).
    private func page(_ answer: HistoricalAnswer, from start: Int, maxRows: UInt32, maxBytes: Int, warnings: [String] = []) throws(SkewlessError) -> Outcome {
        let total = answer.views.first?.eventTimes.count ?? 0
        guard start <= total else {
            throw SkewlessError(.invalidArgument, "the cursor points past the query's \(total) label rows: pass back next_cursor unchanged")
        }
        var rows = min(total - start, maxRows == 0 ? Self.defaultPageRows : min(Int(maxRows), Self.maximumPageRows))
        while true {
            var response = Skewless_V1_GetHistoricalFeaturesResponse()
            response.firstRow = UInt64(start)
            response.labelRows = UInt64(total)
            response.warnings = warnings
            let range = start..<(start + rows)
            let indexes = Array(range)
            response.features = answer.columns.map { column in
                var wire = Skewless_V1_FeatureColumn()
                wire.feature = column.feature.qualifiedName
                wire.type = Skewless_V1_ValueType(column.feature.field.type)
                wire.statuses = column.statuses[range].map(Skewless_V1_ValueStatus.init)
                wire.values = Skewless_V1_ValueColumn(start == 0 && rows == total ? column.values : column.values.gathered(indexes))
                return wire
            }
            response.views = answer.views.map { view in
                var wire = Skewless_V1_ViewEventTimes()
                wire.featureView = view.view.qualifiedName
                wire.eventTimeMicros = view.eventTimes[range].map { $0 ?? 0 }
                return wire
            }
            let size: Int
            do {
                size = try (response.serializedBytes() as [UInt8]).count
            } catch {
                throw SkewlessError(.internal, "could not encode a page: \(error)")
            }
            if size > maxBytes, rows > 1 {
                rows /= 2
                continue
            }
            guard size <= maxBytes else {
                throw SkewlessError(.resourceExhausted, "one label row's features take \(size) bytes, more than a page may (\(maxBytes)): ask for fewer features per query, or raise max_frame_bytes")
            }
            let end = start + rows
            if end < total {
                response.nextCursor = SessionCursor(kind: .page, session: id, position: end).bytes
            }
            return Outcome(response: response, finished: end >= total)
        }
    }

    /// Appends a chunk's label rows, checked: every join key of the query, of its type, M
    /// values each, M plausible times.
    private static func append(_ request: Skewless_V1_GetHistoricalFeaturesRequest, to keys: inout [String: KeyColumn], times: inout [Int64], joinKeys: [JoinKey]) throws(SkewlessError) {
        let columns = try EntityKeyColumns(request.entities)
        let rows = request.entities.isEmpty ? request.labelTimeMicros.count : columns.rowCount
        guard request.labelTimeMicros.count == rows else {
            throw SkewlessError(.invalidArgument, "\(request.labelTimeMicros.count) label times for \(rows) label rows: every label row needs a time (label_time_micros)")
        }
        for (index, time) in request.labelTimeMicros.enumerated() {
            if let problem = PlausibleTime.problem(time) {
                throw SkewlessError(.invalidArgument, "label row \(times.count + index + 1): \(problem)")
            }
        }
        guard rows > 0 else { return }
        for joinKey in joinKeys {
            let column = try columns.column(for: joinKey, view: "the query")
            switch (keys[joinKey.name], joinKey.type.storage) {
            case (.int64(var values)?, .int64):
                keys[joinKey.name] = .int64([])
                values += column.int64Values
                keys[joinKey.name] = .int64(values)
            case (.string(var values)?, .string):
                keys[joinKey.name] = .string([])
                values += column.stringValues
                keys[joinKey.name] = .string(values)
            default:
                break
            }
        }
        times += request.labelTimeMicros
    }

    /// What label rows hold while they are received: 64 bytes each, plus their string keys.
    static func labelBytes(keys: [String: KeyColumn], rows: Int) -> Int {
        var bytes = 64 * rows
        for column in keys.values {
            if case .string(let values) = column { bytes += values.reduce(0) { $0 + $1.utf8.count } }
        }
        return bytes
    }

    /// What the join and its answer hold per label row (docs/protocol.md, "Memory and sessions"):
    /// 176 bytes per view (the sorted labels, the join's choices, the optional event times and
    /// the statuses; bench/historical.sh measured a node's peak grow by 232 MB for 1M label
    /// rows of one view x 10 floats, which this puts at 226 MB), and each feature's values.
    static func answerBytes(rows: Int, selection: Selection) -> Int {
        var perRow = 176 * selection.views.count
        for feature in selection.features {
            perRow += 1 + width(of: feature.field.type)
        }
        return rows * perRow
    }

    private static func width(of type: FeatureType) -> Int {
        switch type.storage {
        case .bool: return 1
        case .int32, .float: return 4
        case .int64, .double, .timestamp: return 8
        case .embedding(let dimension): return 4 * dimension
        case .string, .bytes, .int64List, .stringList: return 32
        }
    }
}

extension KeyColumn {
    /// The first `count` values.
    func prefix(_ count: Int) -> KeyColumn {
        switch self {
        case .int64(let values): return .int64(Array(values.prefix(count)))
        case .string(let values): return .string(Array(values.prefix(count)))
        }
    }
}
