/// The 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3): schema
/// fingerprints (segment-format.md) and idempotency key hashes (write-log.md) are it over
/// bytes. `add(word:)` folds a whole 64-bit word in one step, for fingerprints that only need
/// to be stable within a process.
package struct FNV1a64: Sendable {
    package private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    package init() {}

    package mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { add(word: UInt64(byte)) }
    }

    package mutating func add(word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01B3
    }

    package static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = FNV1a64()
        hash.add(bytes)
        return hash.value
    }
}
