import Foundation
import SkewlessModel
import Testing

@testable import SkewlessMonitoring

extension SplitMix64 {
    /// A standard normal draw (Box-Muller).
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

@Suite struct DriftStatisticsTests {
    /// The standard normal CDF.
    static func phi(_ x: Double) -> Double { 0.5 * (1 + erf(x / 2.squareRoot())) }

    @Test func ksOfSmallSamplesIsTheLargestGapBetweenTheirDistributionFunctions() {
        #expect(DriftStatistics.ks(sortedReference: [1, 2, 3, 4, 5], sortedCurrent: [6, 7, 8, 9, 10]) == 1)
        #expect(DriftStatistics.ks(sortedReference: [1, 2, 3], sortedCurrent: [1, 2, 3]) == 0)
        // F_a - F_b is 1/3 at 1, 2 and 3.
        #expect(abs(DriftStatistics.ks(sortedReference: [1, 2, 3], sortedCurrent: [2, 3, 4]) - 1.0 / 3) < 1e-12)
        // Ties move both functions at once: {1,1,2} vs {1,2,2}: gap 1/3 after 1, 0 after 2.
        #expect(abs(DriftStatistics.ks(sortedReference: [1, 1, 2], sortedCurrent: [1, 2, 2]) - 1.0 / 3) < 1e-12)
        #expect(DriftStatistics.ks(sortedReference: [], sortedCurrent: [1]) == 0)
    }

    @Test func categoricalPSIMatchesTheFormula() {
        let reference = Array(repeating: "a", count: 50) + Array(repeating: "b", count: 50)
        let current = Array(repeating: "a", count: 80) + Array(repeating: "b", count: 20)
        let shares = DriftStatistics.categoryShares(reference: reference, current: current)
        #expect(shares.categories == ["a", "b", "(other)"])
        let psi = DriftStatistics.psi(referenceShares: shares.reference, currentShares: shares.current)
        // (0.8 - 0.5) ln(0.8 / 0.5) + (0.2 - 0.5) ln(0.2 / 0.5); "(other)" is empty in both.
        let expected = 0.3 * log(0.8 / 0.5) + (-0.3) * log(0.2 / 0.5)
        #expect(abs(psi - expected) < 1e-12)
        #expect(DriftStatistics.psi(referenceShares: shares.reference, currentShares: shares.reference) == 0)
    }

    @Test func quantileEdgesCollapseForDiscreteValues() {
        #expect(DriftStatistics.quantileEdges((1...100).map(Double.init), bins: 4) == [25, 50, 75])
        // Mostly zeros: one edge at 0, so two bins (0, and above).
        let mostlyZero = Array(repeating: 0.0, count: 90) + (1...10).map(Double.init)
        #expect(DriftStatistics.quantileEdges(mostlyZero, bins: 10) == [0])
        #expect(DriftStatistics.quantileEdges([7, 7, 7], bins: 10).isEmpty)
    }

    /// N(0, 1) against N(0.5, 1), 50,000 draws each: the sample figures against the ones
    /// computed from the normal distribution directly.
    @Test func aShiftedNormalGivesTheTheoreticalPSIAndKS() {
        var random = TestSeed.generator(1)
        let reference = (0..<50_000).map { _ in random.normal() }.sorted()
        let current = (0..<50_000).map { _ in random.normal() + 0.5 }.sorted()
        // KS of two normals 0.5 apart: the CDFs differ most midway, at 0.25.
        let theoreticalKS = Self.phi(0.25) - Self.phi(-0.25)
        let ks = DriftStatistics.ks(sortedReference: reference, sortedCurrent: current)
        #expect(abs(ks - theoreticalKS) < 0.015, "\(TestSeed.note): KS \(ks), theory \(theoreticalKS)")
        // PSI over the reference's deciles: each holds 0.1 of N(0, 1); the current's share of
        // bin (z[i-1], z[i]] is phi(z[i] - 0.5) - phi(z[i-1] - 0.5).
        let deciles = [-1.2816, -0.8416, -0.5244, -0.2533, 0, 0.2533, 0.5244, 0.8416, 1.2816]
        let bounds = [-Double.infinity] + deciles + [Double.infinity]
        let theoreticalPSI = (1..<bounds.count).reduce(0.0) { total, i in
            let c = Self.phi(bounds[i] - 0.5) - Self.phi(bounds[i - 1] - 0.5)
            return total + (c - 0.1) * log(c / 0.1)
        }
        let psi = DriftStatistics.psi(sortedReference: reference, sortedCurrent: current)
        #expect(abs(psi - theoreticalPSI) < 0.02, "\(TestSeed.note): PSI \(psi), theory \(theoreticalPSI)")
        // The same distribution twice: both near 0.
        let again = (0..<50_000).map { _ in random.normal() }.sorted()
        #expect(DriftStatistics.psi(sortedReference: reference, sortedCurrent: again) < 0.01, "\(TestSeed.note)")
        #expect(DriftStatistics.ks(sortedReference: reference, sortedCurrent: again) < 0.015, "\(TestSeed.note)")
    }
}
