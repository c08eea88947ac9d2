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

    /// A deterministic generator so test data is the same on every run.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func denseVector(_ dimension: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(state: seed)
        return (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    static func sparseVector(_ dimension: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(state: seed)
        return (0..<dimension).map { _ in Double.random(in: 0..<1, using: &rng) < 0.9 ? 0 : Float.random(in: 0...3, using: &rng) }
    }
}
