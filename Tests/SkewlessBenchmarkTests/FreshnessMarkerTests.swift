import Testing
@testable import SkewlessBenchmark

@Suite struct FreshnessMarkerTests {
    @Test func consecutiveProbesWriteDistinctValues() {
        let marker = FreshnessMarker(nonce: 0x7F_FFF0)  // wraps around the mantissa within the range
        let values = (0..<100_000).map(marker.value(of:))
        #expect(Set(values.map(\.bitPattern)).count == values.count)
    }

    @Test func valuesLieOutsideWhatPushWrites() {
        for nonce: UInt32 in [0, 1, 0x7F_FFFF, .max] {
            let marker = FreshnessMarker(nonce: nonce)
            for index in [0, 1, 2, 1_000, FreshnessMarker.capacity - 1] {
                let value = marker.value(of: index)
                #expect(value >= 2 && value < 4, "probe \(index) of nonce \(nonce) wrote \(value)")
            }
        }
    }

    @Test func runsWithOtherNoncesWriteOtherValues() {
        let one = FreshnessMarker(nonce: 1)
        let other = FreshnessMarker(nonce: 1_000)
        #expect(one.value(of: 5) != other.value(of: 5))
        // The values repeat only after `capacity` probes.
        #expect(one.value(of: 5) == one.value(of: 5 + FreshnessMarker.capacity))
    }
}
