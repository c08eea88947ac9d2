import Skewless

/// Random values of a field's type for synthetic entities. The values of an entity depend
/// only on the seed and its id, so the node and the Redis baseline hold the same data.
package enum SyntheticValues {
    /// A fixed base for timestamps, so a seed gives the same values on every run.
    static let timestampBase: Int64 = 1_767_225_600_000_000

    /// The values of every field of `view` for entity `id`.
    /// - Parameter sparsity: the share of exact zeros in embeddings (ReLU-like vectors); 0 gives
    ///   dense vectors uniform in -1...1.
    package static func row(of view: FeatureView, id: Int64, seed: UInt64, sparsity: Double) -> [FeatureValue] {
        var rng = SplitMix64(seed: seed ^ (UInt64(bitPattern: id) &* 0xD6E8_FEB8_6659_FD93))
        return view.fields.map { value(of: $0.type, sparsity: sparsity, using: &rng) }
    }

    package static func value(of type: FeatureType, sparsity: Double = 0, using rng: inout SplitMix64) -> FeatureValue {
        switch type.storage {
        case .bool: return .bool(rng.next() & 1 == 1)
        case .int32: return .int32(Int32.random(in: 0...1_000_000, using: &rng))
        case .int64: return .int64(Int64.random(in: 0...1_000_000_000, using: &rng))
        case .float: return .float(Float.random(in: -1...1, using: &rng))
        case .double: return .double(Double.random(in: -1000...1000, using: &rng))
        case .string: return .string("s\(rng.next() % 100_000)")
        case .bytes: return .bytes((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case .timestamp: return .timestamp(timestampBase - Int64.random(in: 0...86_400_000_000, using: &rng))
        case .embedding(let dimension):
            if sparsity > 0 {
                return .embedding((0..<dimension).map { _ in rng.nextUnit() < sparsity ? 0 : Float.random(in: 0...3, using: &rng) })
            }
            return .embedding((0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) })
        case .int64List: return .int64List((0..<4).map { _ in Int64.random(in: 0...1_000_000, using: &rng) })
        case .stringList: return .stringList((0..<3).map { _ in "t\(rng.next() % 1000)" })
        }
    }
}
