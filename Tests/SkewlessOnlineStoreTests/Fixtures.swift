import SkewlessCompression
import SkewlessModel
@testable import SkewlessOnlineStore

/// Shared builders for the online store tests.
enum Fixtures {
    static let second: Int64 = 1_000_000
    static let userID = JoinKey(name: "user_id", type: .int64)

    /// A view keyed by `user_id` with `score` (float, no default) and `count` (int64, default 7).
    static func scoreView(
        name: String = "user_stats",
        version: Int = 1,
        ttlSeconds: Int64 = 60,
        policy: StalenessPolicy = .serveFlagged,
        scoreDefault: FeatureValue? = nil
    ) -> FeatureView {
        FeatureView(
            name: name, version: version, entities: ["user"],
            fields: [
                Field(name: "score", type: .float, defaultValue: scoreDefault),
                Field(name: "count", type: .int64, defaultValue: .int64(7)),
            ],
            ttlSeconds: ttlSeconds, stalenessPolicy: policy)
    }

    static func store(_ views: FeatureView..., joinKeys: [JoinKey] = [userID]) -> OnlineStore {
        OnlineStore(views: views.map { ($0, joinKeys) })
    }

    static func keys(_ ids: Int64...) -> [EntityKey] {
        ids.map { EntityKey(.int64($0)) }
    }

    /// A batch for `scoreView`: one row per id, `score` and `count` as given (nil = null column).
    static func scoreBatch(
        _ ids: [Int64],
        eventTime: Int64,
        createdTime: Int64? = nil,
        scores: [Float]? = nil,
        scoreNulls: [Bool]? = nil,
        counts: [Int64]? = nil
    ) -> WriteBatch {
        WriteBatch(
            keys: ids.map { EntityKey(.int64($0)) },
            eventTimes: Array(repeating: eventTime, count: ids.count),
            createdTimes: createdTime.map { Array(repeating: $0, count: ids.count) },
            fields: [
                scores.map { FieldValues(values: .float($0), nullRows: scoreNulls) },
                counts.map { FieldValues(values: .int64($0)) },
            ])
    }

    /// A vector of `dimension` random floats, the same for the same seed (tests compare a
    /// stored vector with the one its seed makes again).
    static func denseVector(_ dimension: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    /// About 90% zeros, the rest random; the same for the same seed.
    static func sparseVector(_ dimension: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<dimension).map { _ in Double.random(in: 0..<1, using: &rng) < 0.9 ? 0 : Float.random(in: 0...3, using: &rng) }
    }
}
