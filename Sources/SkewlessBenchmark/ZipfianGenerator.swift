import Foundation
import SkewlessModel

/// Draws ranks 1...n with probability proportional to 1 / rank^skew (Zipf's law): rank 1 is
/// the hottest key. Rejection-inversion sampling (Hörmann and Derflinger, "Rejection-inversion
/// to generate variates from monotone discrete distributions", 1996), as in Apache Commons
/// RNG: constant time and memory per draw for any n and any skew > 0, exact distribution.
package struct ZipfianGenerator: Sendable {
    package let count: Int
    package let skew: Double
    private let hIntegralX1: Double
    private let hIntegralCount: Double
    private let squeeze: Double

    /// - Parameters:
    ///   - count: the number of ranks, at least 1.
    ///   - skew: the exponent, greater than 0 (0.99 is YCSB's default; larger is hotter).
    package init(count: Int, skew: Double) throws(SkewlessError) {
        guard count >= 1 else { throw SkewlessError(.invalidArgument, "a Zipfian key distribution needs at least one key; got \(count)") }
        guard skew > 0, skew.isFinite else {
            throw SkewlessError(.invalidArgument, "the Zipfian skew must be a number above 0 (0.99 is usual); got \(skew)")
        }
        self.count = count
        self.skew = skew
        hIntegralX1 = Self.hIntegral(1.5, skew) - 1
        hIntegralCount = Self.hIntegral(Double(count) + 0.5, skew)
        squeeze = 2 - Self.hIntegralInverse(Self.hIntegral(2.5, skew) - Self.h(2, skew), skew)
    }

    /// The next rank, 1...count.
    package func next(using rng: inout SplitMix64) -> Int {
        while true {
            let u = hIntegralCount + rng.nextUnit() * (hIntegralX1 - hIntegralCount)
            let x = Self.hIntegralInverse(u, skew)
            var k = Int((x + 0.5).rounded(.down))
            if k < 1 { k = 1 } else if k > count { k = count }
            if Double(k) - x <= squeeze || u >= Self.hIntegral(Double(k) + 0.5, skew) - Self.h(Double(k), skew) {
                return k
            }
        }
    }

    /// The probability of `rank` under this distribution (for tests and reports).
    package func probability(ofRank rank: Int) -> Double {
        var normalizer = 0.0
        for k in 1...count { normalizer += pow(Double(k), -skew) }
        return pow(Double(rank), -skew) / normalizer
    }

    private static func h(_ x: Double, _ exponent: Double) -> Double {
        exp(-exponent * log(x))
    }

    /// The integral of h, (x^(1-e) - 1) / (1 - e), continuous through e = 1.
    private static func hIntegral(_ x: Double, _ exponent: Double) -> Double {
        let logX = log(x)
        return helper2((1 - exponent) * logX) * logX
    }

    private static func hIntegralInverse(_ x: Double, _ exponent: Double) -> Double {
        var t = x * (1 - exponent)
        if t < -1 { t = -1 }  // Rounding can push t slightly below -1.
        return exp(helper1(t) * x)
    }

    /// log(1 + x) / x, accurate near 0.
    private static func helper1(_ x: Double) -> Double {
        abs(x) > 1e-8 ? log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x))
    }

    /// (exp(x) - 1) / x, accurate near 0.
    private static func helper2(_ x: Double) -> Double {
        abs(x) > 1e-8 ? expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3.0) * (1 + 0.25 * x))
    }
}
