/// The value a freshness probe writes, so that reading it back proves this write (not an
/// earlier one) is servable: probe i of a run writes a float in [2, 4) whose 23 mantissa
/// bits are (nonce + i) mod 2^23. Within a run no two of the first 2^23 probes write the
/// same value; a random nonce per run makes an entity's value from an earlier run (or from
/// `fsbench push`, whose values lie in -1...1) equal a new marker only by a 2^-23 chance.
package struct FreshnessMarker: Sendable, Hashable {
    /// Distinct values per run.
    package static let capacity = 1 << 23

    package let nonce: UInt32

    package init(nonce: UInt32 = .random(in: 0...UInt32.max)) {
        self.nonce = nonce
    }

    /// The value of probe `index` (0 or more).
    package func value(of index: Int) -> Float {
        let mantissa = (nonce &+ UInt32(truncatingIfNeeded: index)) & 0x7F_FFFF
        return Float(bitPattern: 0x4000_0000 | mantissa)
    }
}
