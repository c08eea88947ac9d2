import SkewlessModel

/// Historical retrieval: training sets, point-in-time correct (docs/point-in-time.md).
extension OfflineStore {
    /// For every label row and every feature, the value as of the label's time.
    ///
    /// - Parameters:
    ///   - labels: join key columns (every join key of every view of `features`) and times.
    ///   - features: resolved features, typically a feature service's; any order, any views.
    ///   - joinKeys: a view's join keys in key order (for a repo, `repo.joinKeys(of:)`).
    ///   - asOfKnownTime: also require created time <= T (no late corrections).
    /// - Returns: one column per feature, in `features` order, each with one value and status
    ///   per label row in label order (duplicates included).
    /// - Throws: as `trainingSet`.
    package func historical(labels: HistoricalLabels, features: [ResolvedFeature], joinKeys: (FeatureView) -> [JoinKey], asOfKnownTime: Bool = false) throws(SkewlessError) -> [HistoricalColumn] {
        try trainingSet(labels: labels, features: features, joinKeys: joinKeys, asOfKnownTime: asOfKnownTime).columns
    }

    /// Checks that the store exists and has something of `view` (segments or write logs):
    /// reading a store that does not would answer every row NOT_FOUND, silently.
    /// - Throws: `failedPrecondition` when the store's directory does not exist (a mistyped
    ///   `--store`); `notFound` when the view has no directory in it (never ingested nor written).
    package func checkHolds(_ view: FeatureView) throws(SkewlessError) {
        guard DiskFile.exists(layout.root) else {
            throw SkewlessError(.failedPrecondition, "there is no offline store at '\(layout.root)' (no such directory): name the directory fsctl ingest wrote (--store), or ingest the views first")
        }
        guard DiskFile.exists(layout.viewDirectory(view)) else {
            throw SkewlessError(.notFound, "feature view \(view.qualifiedName) has no rows in the offline store at '\(layout.root)' (it has no directory views/\(view.qualifiedName)): ingest it first (fsctl ingest \(view.qualifiedName) FILE), or check the store and the view's version")
        }
    }

    /// A training set: `historical`'s columns, each view's chosen event times, and warnings
    /// for what is most likely a mistake but not an error (labels whose keys match no row of
    /// a view). What `fsctl historical` and the node's GET_HISTORICAL_FEATURES both build.
    ///
    /// - Throws: `failedPrecondition` when the store's directory does not exist (a mistyped
    ///   `--store`: every row would be NOT_FOUND); `notFound` for a view of `features` the
    ///   store has nothing of (never ingested nor written); `invalidArgument` for labels
    ///   without a view's join keys; `dataLoss` for a corrupt segment.
    package func trainingSet(labels: HistoricalLabels, features: [ResolvedFeature], joinKeys: (FeatureView) -> [JoinKey], asOfKnownTime: Bool = false) throws(SkewlessError) -> HistoricalAnswer {
        var views: [FeatureView] = []
        for feature in features where !views.contains(feature.view) { views.append(feature.view) }
        for view in views { try checkHolds(view) }
        var columns = [HistoricalColumn?](repeating: nil, count: features.count)
        var outcomes: [HistoricalAnswer.View] = []
        for view in views {
            let positions = features.indices.filter { features[$0].view == view }
            let viewKeys = joinKeys(view)
            let snapshot = try snapshot(of: view, joinKeys: viewKeys)
            guard snapshot.rowCount > 0 else {
                // A node makes every view's log directory when it starts: a directory is not data.
                throw SkewlessError(.notFound, "feature view \(view.qualifiedName) has no rows in the offline store at '\(layout.root)' (no segment and no unsealed write): ingest it first (fsctl ingest \(view.qualifiedName) FILE), or check the store and the view's version")
            }
            let join = PointInTimeJoin(snapshot: snapshot, labelKeys: try labels.keyColumns(for: viewKeys, view: view), labelTimes: labels.times, asOfKnownTime: asOfKnownTime)
            let result = try join.join(fields: positions.map { features[$0].fieldIndex }, features: positions.map { features[$0] })
            for (position, column) in zip(positions, result.columns) { columns[position] = column }
            outcomes.append(HistoricalAnswer.View(
                view: view, eventTimes: result.eventTimes, labelsWithKey: result.labelsWithKey, labelsWithRow: result.labelsWithRow,
                joinKeys: viewKeys.map(\.name), labelCount: labels.count, asOfKnownTime: asOfKnownTime))
        }
        return HistoricalAnswer(columns: columns.compactMap { $0 }, views: outcomes)
    }
}

/// A training set as `OfflineStore.trainingSet` builds it.
package struct HistoricalAnswer: Sendable {
    /// One per view version of the features, in order of first appearance.
    package struct View: Sendable {
        package var view: FeatureView
        /// Per label row: the event time of the row chosen as of its time (within the TTL or
        /// not); nil where none was.
        package var eventTimes: [Int64?]
        /// Label rows whose key has rows in the view at all.
        package var labelsWithKey: Int
        /// Label rows for which a row as of their time exists.
        package var labelsWithRow: Int
        var joinKeys: [String]
        var labelCount: Int
        var asOfKnownTime: Bool

        /// What is most likely a mistake in the labels, for people; nil when nothing is.
        package var warning: String? {
            guard labelCount > 0 else { return nil }
            let keys = joinKeys.joined(separator: ", ")
            if labelsWithKey == 0 {
                return "none of the \(labelCount) label rows has a key of \(view.qualifiedName) (keyed by \(keys)): every feature of it is NOT_FOUND; check the labels' \(keys) (values, type, spelling) against the rows ingested"
            }
            if labelsWithRow == 0 {
                return "\(labelsWithKey) of the \(labelCount) label rows have keys of \(view.qualifiedName), but none has a row at or before its time\(asOfKnownTime ? " (and created by then: as of known time)" : ""): every feature of it is NOT_FOUND; check the label times (unit, time zone) against the rows' event times"
            }
            return nil
        }
    }

    /// One per feature, in the order asked for.
    package var columns: [HistoricalColumn]
    package var views: [View]

    /// The views' warnings, in view order.
    package var warnings: [String] { views.compactMap(\.warning) }
}
