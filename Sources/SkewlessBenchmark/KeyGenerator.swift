import SkewlessModel
/// Draws the entity ids of requests: ids 1...keySpace are loaded; a miss is an id in
/// keySpace+1...2*keySpace, which no loader writes.
package struct KeyGenerator: Sendable {
    package let keySpace: Int
    package let distribution: KeyDistribution
    package let missShare: Double
    private var rng: SplitMix64
    private let zipfian: ZipfianGenerator?
    /// A multiplier coprime with keySpace: rank r maps to id ((r-1) * scatter mod keySpace) + 1,
    /// a bijection that spreads the hot ranks over the id space.
    private let scatter: Int

    package init(keySpace: Int, distribution: KeyDistribution, missShare: Double, seed: UInt64) throws(SkewlessError) {
        guard keySpace >= 1 else { throw SkewlessError(.invalidArgument, "the key space must hold at least one entity; got \(keySpace)") }
        guard (0...1).contains(missShare) else {
            throw SkewlessError(.invalidArgument, "the miss share must be between 0 and 1; got \(missShare)")
        }
        self.keySpace = keySpace
        self.distribution = distribution
        self.missShare = missShare
        self.rng = SplitMix64(seed: seed)
        switch distribution {
        case .uniform: zipfian = nil
        case .zipfian(let skew): zipfian = try ZipfianGenerator(count: keySpace, skew: skew)
        }
        scatter = Self.coprimeMultiplier(for: keySpace)
    }

    /// The next entity id.
    package mutating func next() -> Int64 {
        if missShare > 0, rng.nextUnit() < missShare {
            return Int64(keySpace) + 1 + Int64(rng.next() % UInt64(keySpace))
        }
        switch zipfian {
        case nil:
            return 1 + Int64(rng.next() % UInt64(keySpace))
        case let zipfian?:
            return Int64(id(ofRank: zipfian.next(using: &rng)))
        }
    }

    /// The ids of one request.
    package mutating func next(count: Int) -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(next()) }
        return ids
    }

    /// The id a Zipfian rank (1 = hottest) maps to.
    package func id(ofRank rank: Int) -> Int {
        let product = UInt64(rank - 1).multipliedFullWidth(by: UInt64(scatter))
        return Int(UInt64(keySpace).dividingFullWidth((product.high, product.low)).remainder) + 1
    }

    private static func coprimeMultiplier(for n: Int) -> Int {
        guard n > 2 else { return 1 }
        var candidate = Int(Double(n) * 0.618_033_988_75) | 1
        while gcd(candidate, n) != 1 { candidate += 2 }
        return candidate % n == 0 ? 1 : candidate
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
