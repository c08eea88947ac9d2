import Testing
@testable import SkewlessCluster

@Suite struct XXHash64Tests {
    /// Published XXH64 values (seed 0), also checked with the reference implementation's
    /// Python binding (`xxhash.xxh64`).
    static let vectors: [(String, UInt64)] = [
        ("", 0xEF46_DB37_51D8_E999),
        ("a", 0xD24E_C4F1_A98C_6E5B),
        ("abc", 0x44BC_2CF5_AD77_0999),
        ("Nobody inspects the spammish repetition", 0xFBCE_A83C_8A37_8BF1),
        ("The quick brown fox jumps over the lazy dog", 0x0B24_2D36_1FDA_71BC),
    ]

    @Test func publishedVectors() {
        for (text, expected) in Self.vectors {
            #expect(XXHash64.hash(Array(text.utf8)) == expected, "xxh64(\"\(text)\")")
        }
    }

    @Test func longInputCoversEveryTailLength() {
        // Bytes 0, 1, ..., 99: three 32-byte stripes, then 8-, 4- and 1-byte tails.
        let bytes = (0..<100).map { UInt8($0) }
        #expect(XXHash64.hash(bytes) == 0x6AC1_E580_3216_6597)
    }

    @Test func anySplitIntoAppendsGivesTheOneShotHash() {
        let bytes = (0..<100).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let expected = XXHash64.hash(bytes)
        for chunk in [1, 3, 7, 8, 13, 31, 32, 33, 64] {
            var hasher = XXHash64()
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                bytes[start..<end].withUnsafeBytes { hasher.append($0) }
                start = end
            }
            #expect(hasher.finalize() == expected, "chunks of \(chunk)")
        }
    }

    @Test func seedChangesTheHash() {
        #expect(XXHash64.hash(Array("abc".utf8), seed: 1) != XXHash64.hash(Array("abc".utf8)))
    }
}
