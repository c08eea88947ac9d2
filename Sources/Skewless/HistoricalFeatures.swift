import SkewlessCompression
import SkewlessModel
import SkewlessWire

/// A training set as a node built it (`FeatureClient.getHistoricalFeatures`): for each label
/// row, in the order sent, each feature's value as of the row's time and why it is what it is,
/// and each view's chosen event time (docs/point-in-time.md).
///
/// ```swift
/// let set = try await client.getHistoricalFeatures(service: "fraud_detection_v1", labels: labels)
/// for row in 0..<set.count {
///     let count = set.value("user_transactions:txn_count_1h", row: row)   // nil unless PRESENT
///     let status = set.status("user_transactions:txn_count_1h", row: row)  // .present, .notFound, ...
///     let age = label time - (set.eventTime(view: "user_transactions", row: row) ?? 0)
/// }
/// ```
///
/// Statuses are `.present`, `.notFound`, `.nullValue` or `.outsideTTL`: a training set applies
/// no defaults and no staleness policy. Values are held as the pages arrived, decoded when read.
public struct HistoricalFeatures: Sendable {
    /// The number of label rows.
    public let count: Int
    /// The resolved feature names (`view@version:field`), in the order of the service or list.
    public let featureNames: [String]
    /// The view versions of the features (`view@version`), in order of first appearance.
    public let viewNames: [String]
    /// What is most likely a mistake in the labels, for people (labels whose keys match no
    /// row of a view); empty when nothing is.
    public let warnings: [String]

    struct Page: Sendable {
        var firstRow: Int
        var count: Int
        /// Per feature: statuses and values.
        var statuses: [[ValueStatus]]
        var values: [ColumnValues]
        /// Per view: event times (0: none).
        var eventTimes: [[Int64]]
    }

    let pages: [Page]
    let types: [FeatureType]

    init(pages responses: [Skewless_V1_GetHistoricalFeaturesResponse]) throws(SkewlessError) {
        guard let first = responses.first else {
            throw SkewlessError(.internal, "no page was received")
        }
        count = Int(first.labelRows)
        featureNames = first.features.map(\.feature)
        viewNames = first.views.map(\.featureView)
        warnings = first.warnings
        var types: [FeatureType] = []
        for column in first.features {
            let dimension = column.values.embeddingValues.first.map { Int($0.dimension) } ?? 1
            types.append(try FeatureType(wire: column.type, embeddingDimension: dimension))
        }
        self.types = types
        var pages: [Page] = []
        var next = 0
        for response in responses {
            let rows = response.views.first?.eventTimeMicros.count ?? response.features.first?.statuses.count ?? 0
            guard Int(response.firstRow) == next, response.features.count == featureNames.count, response.views.count == viewNames.count else {
                throw SkewlessError(.internal, "the node's pages do not follow each other (row \(response.firstRow), expected \(next)): upgrade the client or the node")
            }
            var page = Page(firstRow: next, count: rows, statuses: [], values: [], eventTimes: response.views.map(\.eventTimeMicros))
            for (index, column) in response.features.enumerated() {
                var statuses: [ValueStatus] = []
                statuses.reserveCapacity(rows)
                for wire in column.statuses {
                    guard let status = ValueStatus(wire: wire) else {
                        throw SkewlessError(.internal, "the node sent a value status this client does not know (\(wire.rawValue)): upgrade the client")
                    }
                    statuses.append(status)
                }
                guard statuses.count == rows else {
                    throw SkewlessError(.internal, "feature \(column.feature) has \(statuses.count) statuses for \(rows) rows")
                }
                page.statuses.append(statuses)
                page.values.append(try column.values.columnValues(as: types[index], count: rows, subject: "feature '\(column.feature)'"))
            }
            pages.append(page)
            next += rows
        }
        guard next == count else {
            throw SkewlessError(.internal, "the pages hold \(next) of the \(count) label rows")
        }
        self.pages = pages
    }

    /// The status of a feature ("view:field", "view@version:field", or a field name only one
    /// view has) in label row `row`; nil for a feature not in the set.
    public func status(_ feature: String, row: Int) -> ValueStatus? {
        guard let column = position(of: feature) else { return nil }
        return cell(row) { page, offset in page.statuses[column][offset] }
    }

    /// The value of a feature in label row `row`; nil unless its status is `.present`.
    public func value(_ feature: String, row: Int) -> FeatureValue? {
        position(of: feature).flatMap { value(column: $0, row: row) }
    }

    /// The value of the feature in column `column` (`featureNames`' order) in label row `row`.
    public func value(column: Int, row: Int) -> FeatureValue? {
        guard column >= 0, column < featureNames.count else { return nil }
        return cell(row) { page, offset in
            page.statuses[column][offset] == .present ? try? page.values[column].value(at: offset) : nil
        } ?? nil
    }

    /// The status of the feature in column `column` in label row `row`.
    public func status(column: Int, row: Int) -> ValueStatus? {
        guard column >= 0, column < featureNames.count else { return nil }
        return cell(row) { page, offset in page.statuses[column][offset] }
    }

    /// The event time (microseconds) of the row of `view` ("view" or "view@version") chosen
    /// for label row `row`, within the TTL or not; nil where none was.
    public func eventTime(view: String, row: Int) -> Int64? {
        guard let index = viewNames.firstIndex(where: { $0 == view || $0.split(separator: "@").first.map(String.init) == view }) else { return nil }
        let time = cell(row) { page, offset in page.eventTimes[index][offset] }
        return time == 0 ? nil : time
    }

    /// Every label row's status of a feature, in order.
    public func statuses(_ feature: String) -> [ValueStatus]? {
        guard let column = position(of: feature) else { return nil }
        return pages.flatMap { $0.statuses[column] }
    }

    /// Every label row's event time of a view's chosen row (nil where none was), in order.
    public func eventTimes(view: String) -> [Int64?]? {
        guard let index = viewNames.firstIndex(where: { $0 == view || $0.split(separator: "@").first.map(String.init) == view }) else { return nil }
        return pages.flatMap { $0.eventTimes[index].map { $0 == 0 ? nil : $0 } }
    }

    private func cell<T>(_ row: Int, _ read: (Page, Int) -> T) -> T? {
        guard row >= 0, row < count else { return nil }
        var low = 0, high = pages.count - 1
        while low < high {
            let middle = (low + high + 1) >> 1
            if pages[middle].firstRow <= row { low = middle } else { high = middle - 1 }
        }
        return read(pages[low], row - pages[low].firstRow)
    }

    /// The column of a feature: its resolved name, `view:field`, or a field only one view has.
    func position(of feature: String) -> Int? {
        if let exact = featureNames.firstIndex(of: feature) { return exact }
        let unversioned = featureNames.map { name -> String in
            guard let at = name.firstIndex(of: "@"), let colon = name.lastIndex(of: ":") else { return name }
            return String(name[..<at]) + String(name[colon...])
        }
        if let index = unversioned.firstIndex(of: feature), unversioned.filter({ $0 == feature }).count == 1 { return index }
        let bare = featureNames.map { name -> String in name.lastIndex(of: ":").map { String(name[name.index(after: $0)...]) } ?? name }
        if bare.filter({ $0 == feature }).count == 1 { return bare.firstIndex(of: feature) }
        return nil
    }
}

/// What an ingestion stored (`FeatureClient.ingest`).
public struct IngestSummary: Sendable, Hashable {
    /// `view@version`.
    public let featureView: String
    /// Rows added to the view's history.
    public let rows: Int
    /// Segments written.
    public let segments: Int
    /// The created time of rows that gave none (microseconds): when the ingestion began.
    public let ingestionTimeMicros: Int64
}
