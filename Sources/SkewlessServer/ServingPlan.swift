import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire

/// How to answer a request for a list of features: which views to read, with which join
/// keys and field indexes, and where each read column goes in the response.
///
/// Plans for feature services are built once when the node starts, so the hot path does
/// no name resolution: each view's table is found, and each column's name and type encoded,
/// once.
struct ServingPlan: Sendable {
    struct ViewRead: Sendable {
        var view: FeatureView
        /// `view.qualifiedName`, for error messages.
        var viewName: String
        var table: OnlineStore.ViewTable
        var joinKeys: [JoinKey]
        var fieldIndexes: [Int]
        /// Position in the response of each entry of `fieldIndexes`.
        var outputPositions: [Int]
    }

    var features: [ResolvedFeature]
    /// "view@version:field" of each feature, computed once.
    var names: [String]
    /// The type of each feature. Kept apart from `features` so the hot path does not copy
    /// (and retain every reference in) a whole view definition per column.
    var types: [FeatureType]
    /// Each feature's name and type as encoded in a response column.
    var headers: [OnlineFeaturesFrameBuilder.ColumnHeader]
    var reads: [ViewRead]

    /// - Throws: `notFound` when `store` has no table for one of the features' views.
    init(features: [ResolvedFeature], repo: FeatureRepo, store: OnlineStore) throws(SkewlessError) {
        self.features = features
        self.names = features.map(\.qualifiedName)
        self.types = features.map(\.field.type)
        self.headers = zip(names, types).map { OnlineFeaturesFrameBuilder.ColumnHeader(name: $0, type: $1) }
        var reads: [ViewRead] = []
        var readIndex: [String: Int] = [:]
        for (position, feature) in features.enumerated() {
            let name = feature.view.qualifiedName
            if let index = readIndex[name] {
                reads[index].fieldIndexes.append(feature.fieldIndex)
                reads[index].outputPositions.append(position)
            } else {
                readIndex[name] = reads.count
                reads.append(ViewRead(
                    view: feature.view, viewName: name, table: try store.viewTable(feature.view), joinKeys: repo.joinKeys(of: feature.view),
                    fieldIndexes: [feature.fieldIndex], outputPositions: [position]))
            }
        }
        self.reads = reads
    }
}
