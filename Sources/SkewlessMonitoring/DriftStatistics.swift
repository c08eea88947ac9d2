import Foundation

/// The two distances `fsctl drift` reports between a reference and a current sample of one
/// feature.
///
/// - **PSI** (population stability index): the reference is cut into `bins` bins of equal
///   reference share at its quantiles (fewer when values repeat); with r and c the reference
///   and current shares of a bin, each floored at `shareFloor` so an empty bin stays finite,
///   PSI = Σ (c - r) · ln(c / r). 0 means the same histogram; 0.1 is a common "watch" and
///   0.25 a common "act" threshold.
/// - **KS** (two-sample Kolmogorov-Smirnov statistic): the largest gap between the two
///   empirical distribution functions, 0...1, with no binning.
///
/// Categories (strings, bools) get PSI over their values instead of quantile bins.
package enum DriftStatistics {
    /// The share a bin is floored at in PSI, so that an empty bin contributes a large but
    /// finite term (the convention of most monitoring tools).
    package static let shareFloor = 1e-4

    /// Bin edges for `reference`: the upper bounds of all but the last bin, at its
    /// quantiles 1/bins, 2/bins, ...; repeated quantiles collapse, so discrete data gets
    /// fewer bins. A value v falls in bin i when edges[i-1] < v <= edges[i].
    package static func quantileEdges(_ sortedReference: [Double], bins: Int) -> [Double] {
        guard !sortedReference.isEmpty, bins > 1 else { return [] }
        var edges: [Double] = []
        for k in 1..<bins {
            // Nearest-rank quantile: the value at or below which k/bins of the sample lies.
            let rank = Int((Double(k) / Double(bins) * Double(sortedReference.count)).rounded(.up)) - 1
            let edge = sortedReference[min(max(rank, 0), sortedReference.count - 1)]
            if edge != edges.last, edge < sortedReference[sortedReference.count - 1] { edges.append(edge) }
        }
        return edges
    }

    /// Each value's share per bin of `edges` (bins.count == edges.count + 1).
    package static func shares(_ sorted: [Double], edges: [Double]) -> [Double] {
        guard !sorted.isEmpty else { return [Double](repeating: 0, count: edges.count + 1) }
        var counts = [Int](repeating: 0, count: edges.count + 1)
        var bin = 0
        for value in sorted {
            while bin < edges.count, value > edges[bin] { bin += 1 }
            counts[bin] += 1
        }
        return counts.map { Double($0) / Double(sorted.count) }
    }

    /// PSI between two histograms of the same bins.
    package static func psi(referenceShares: [Double], currentShares: [Double]) -> Double {
        zip(referenceShares, currentShares).reduce(0) { total, pair in
            let r = max(pair.0, shareFloor)
            let c = max(pair.1, shareFloor)
            return total + (c - r) * log(c / r)
        }
    }

    /// PSI of two numeric samples, binned at the reference's quantiles.
    package static func psi(sortedReference: [Double], sortedCurrent: [Double], bins: Int = 10) -> Double {
        let edges = quantileEdges(sortedReference, bins: bins)
        return psi(referenceShares: shares(sortedReference, edges: edges), currentShares: shares(sortedCurrent, edges: edges))
    }

    /// The two-sample KS statistic of two sorted samples; 0 when either is empty.
    package static func ks(sortedReference a: [Double], sortedCurrent b: [Double]) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        var i = 0
        var j = 0
        var largest = 0.0
        while i < a.count, j < b.count {
            // Step past every copy of the smaller value in both samples before comparing, so
            // ties move both distribution functions at once.
            let x = min(a[i], b[j])
            while i < a.count, a[i] == x { i += 1 }
            while j < b.count, b[j] == x { j += 1 }
            largest = max(largest, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        return largest
    }

    /// The categories of a categorical feature in the order PSI bins them: the reference's
    /// `limit` most frequent (ties by value), then "(other)" for the rest.
    package static func categoryShares(reference: [String], current: [String], limit: Int = 20) -> (categories: [String], reference: [Double], current: [Double]) {
        var frequency: [String: Int] = [:]
        for value in reference { frequency[value, default: 0] += 1 }
        let top = frequency.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map(\.key)
        let index = Dictionary(uniqueKeysWithValues: top.enumerated().map { ($1, $0) })
        func shares(_ values: [String]) -> [Double] {
            var counts = [Int](repeating: 0, count: top.count + 1)
            for value in values { counts[index[value] ?? top.count] += 1 }
            return values.isEmpty ? counts.map { _ in 0 } : counts.map { Double($0) / Double(values.count) }
        }
        return (top + ["(other)"], shares(reference), shares(current))
    }
}
