import Skewless

/// Random values of a field's type, for loading synthetic entities.
enum SyntheticValues {
    static func value(of type: FeatureType, using rng: inout SplitMix64) -> FeatureValue {
        switch type {
        case .bool: return .bool(rng.next() & 1 == 1)
        case .int32: return .int32(Int32.random(in: 0...1_000_000, using: &rng))
        case .int64: return .int64(Int64.random(in: 0...1_000_000_000, using: &rng))
        case .float: return .float(Float.random(in: -1...1, using: &rng))
        case .double: return .double(Double.random(in: -1000...1000, using: &rng))
        case .string: return .string("s\(rng.next() % 100_000)")
        case .bytes: return .bytes((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case .timestamp: return .timestamp(WallClock.nowMicros() - Int64.random(in: 0...86_400_000_000, using: &rng))
        case .embedding(let dimension): return .embedding((0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) })
        case .int64List: return .int64List((0..<4).map { _ in Int64.random(in: 0...1_000_000, using: &rng) })
        case .stringList: return .stringList((0..<3).map { _ in "t\(rng.next() % 1000)" })
        }
    }
}
