import Skewless
import SkewlessModel
import SkewlessOfflineStore

/// A training set as `fsctl historical` writes it, built here from the offline store or by a
/// node over the protocol: the same columns either way.
struct TrainingSet {
    struct Column {
        var view: FeatureView
        var field: String
        var statuses: [ValueStatus]
        /// The value of a label row; nil unless present.
        var value: (Int) throws -> FeatureValue?
    }

    struct View {
        var view: FeatureView
        var eventTimes: [Int64?]
    }

    var columns: [Column]
    var views: [View]
    var warnings: [String]

    /// From the offline store, here.
    init(_ answer: HistoricalAnswer) {
        columns = answer.columns.map { column in
            Column(view: column.feature.view, field: column.feature.field.name, statuses: column.statuses) { row in try column.value(at: row) }
        }
        views = answer.views.map { View(view: $0.view, eventTimes: $0.eventTimes) }
        warnings = answer.warnings
    }

    /// From a node's answer to `features` (resolved here, in the same order).
    /// - Throws: when the node's features are not those asked for (another repo).
    init(_ remote: HistoricalFeatures, features: [ResolvedFeature]) throws(CommandFailure) {
        guard remote.featureNames == features.map(\.qualifiedName) else {
            throw CommandFailure("the node answered the features \(remote.featureNames.joined(separator: ", ")), not \(features.map(\.qualifiedName).joined(separator: ", ")): give fsctl the node's feature repo (--repo)")
        }
        columns = features.enumerated().map { index, feature in
            Column(view: feature.view, field: feature.field.name, statuses: (0..<remote.count).map { remote.status(column: index, row: $0) ?? .notFound }) { row in
                remote.value(column: index, row: row)
            }
        }
        var views: [View] = []
        for feature in features where !views.contains(where: { $0.view == feature.view }) {
            views.append(View(view: feature.view, eventTimes: remote.eventTimes(view: feature.view.qualifiedName) ?? Array(repeating: nil, count: remote.count)))
        }
        self.views = views
        warnings = remote.warnings
    }
}
