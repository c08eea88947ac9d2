import SkewlessModel

/// How to answer a request for a list of features: which views to read, with which join
/// keys and field indexes, and where each read column goes in the response.
///
/// Plans for feature services are built once when the node starts, so the hot path does
/// no name resolution.
struct ServingPlan: Sendable {
    struct ViewRead: Sendable {
        var view: FeatureView
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
    var reads: [ViewRead]

    init(features: [ResolvedFeature], repo: FeatureRepo) {
        self.features = features
        self.names = features.map(\.qualifiedName)
        self.types = features.map(\.field.type)
        var reads: [ViewRead] = []
        var readIndex: [String: Int] = [:]
        for (position, feature) in features.enumerated() {
            let name = feature.view.qualifiedName
            if let index = readIndex[name] {
                reads[index].fieldIndexes.append(feature.fieldIndex)
                reads[index].outputPositions.append(position)
            } else {
                readIndex[name] = reads.count
                reads.append(ViewRead(view: feature.view, joinKeys: repo.joinKeys(of: feature.view), fieldIndexes: [feature.fieldIndex], outputPositions: [position]))
            }
        }
        self.reads = reads
    }
}
