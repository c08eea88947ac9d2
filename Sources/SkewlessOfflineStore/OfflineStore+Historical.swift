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
    package func historical(labels: HistoricalLabels, features: [ResolvedFeature], joinKeys: (FeatureView) -> [JoinKey], asOfKnownTime: Bool = false) throws(SkewlessError) -> [HistoricalColumn] {
        var columns = [HistoricalColumn?](repeating: nil, count: features.count)
        var views: [FeatureView] = []
        for feature in features where !views.contains(feature.view) { views.append(feature.view) }
        for view in views {
            let positions = features.indices.filter { features[$0].view == view }
            let viewKeys = joinKeys(view)
            let snapshot = try snapshot(of: view, joinKeys: viewKeys)
            let join = PointInTimeJoin(snapshot: snapshot, labelKeys: try labels.keyColumns(for: viewKeys, view: view), labelTimes: labels.times, asOfKnownTime: asOfKnownTime)
            let result = try join.run(fields: positions.map { features[$0].fieldIndex }, features: positions.map { features[$0] })
            for (position, column) in zip(positions, result) { columns[position] = column }
        }
        return columns.compactMap { $0 }
    }
}
