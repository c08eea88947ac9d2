import Skewless

/// The view fsbench writes rows into, checked for what its row generator can fill: one
/// int64 join key (synthetic ids name entities) and float fields only (`PushRowSource`
/// makes floats). `bench_float10` in the sample repo is such a view.
package struct PushView: Sendable, Hashable {
    package var view: FeatureView
    package var joinKey: String

    package init(view: FeatureView, joinKey: String) {
        self.view = view
        self.joinKey = joinKey
    }

    /// "bench_float10@1".
    package var qualifiedName: String { view.qualifiedName }
    package var fields: [String] { view.fields.map(\.name) }
    /// The Redis baseline's hash key prefix, "bench_float10@1:" (`RedisFeatureCodec.key`).
    package var redisKeyPrefix: String { view.qualifiedName + ":" }

    /// Finds `name` ("view" or "view@version") in the node's definitions and checks it.
    package static func resolve(_ name: String, in repo: FeatureRepo) throws(SkewlessError) -> PushView {
        let view = try repo.featureView(qualified: name)
        let keys = repo.joinKeys(of: view)
        guard keys.count == 1, keys[0].type == .int64 else {
            throw SkewlessError(
                .invalidArgument,
                "view \(view.qualifiedName) is keyed by \(keys.map { "\($0.name) (\($0.type))" }.joined(separator: ", ")); fsbench writes rows keyed by one int64 join key (try bench_float10)")
        }
        if let other = view.fields.first(where: { $0.type != .float }) {
            throw SkewlessError(
                .invalidArgument, "view \(view.qualifiedName) has a \(other.type) field '\(other.name)'; fsbench writes rows of float fields only (try bench_float10)")
        }
        guard !view.fields.isEmpty else { throw SkewlessError(.invalidArgument, "view \(view.qualifiedName) has no fields to write") }
        return PushView(view: view, joinKey: keys[0].name)
    }
}
