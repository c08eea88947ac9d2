import SkewlessModel
/// What the load asks for: request shape, entities per request and how their ids are drawn.
/// Two runs with the same workload (and seed) send the same keys in the same order per worker.
package struct Workload: Sendable, Hashable {
    package var shape: RequestShape
    package var entitiesPerRequest: Int
    /// Ids 1...keySpace are loaded.
    package var keySpace: Int
    package var distribution: KeyDistribution
    /// The share of ids that name no loaded entity.
    package var missShare: Double
    package var seed: UInt64

    package init(
        shape: RequestShape, entitiesPerRequest: Int, keySpace: Int, distribution: KeyDistribution = .uniform,
        missShare: Double = 0, seed: UInt64 = 42
    ) throws(SkewlessError) {
        guard entitiesPerRequest >= 1 else {
            throw SkewlessError(.invalidArgument, "entities per request must be at least 1; got \(entitiesPerRequest)")
        }
        guard (1...(1 << 40)).contains(keySpace) else {
            throw SkewlessError(.invalidArgument, "the key space must be between 1 and 2^40 entities; got \(keySpace)")
        }
        self.shape = shape
        self.entitiesPerRequest = entitiesPerRequest
        self.keySpace = keySpace
        self.distribution = distribution
        self.missShare = missShare
        self.seed = seed
        _ = try keyGenerator(worker: 0)  // Validates the distribution and miss share.
    }

    /// The key generator of one worker: its own stream, the same for every target.
    package func keyGenerator(worker: Int) throws(SkewlessError) -> KeyGenerator {
        try KeyGenerator(
            keySpace: keySpace, distribution: distribution, missShare: missShare,
            seed: seed &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// "1x50", "100x250": entities x features.
    package var shapeLabel: String { "\(entitiesPerRequest)x\(shape.featureCount)" }
}
