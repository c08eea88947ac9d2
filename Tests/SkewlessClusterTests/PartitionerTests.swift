import SkewlessModel
import Testing
@testable import SkewlessCluster

@Suite struct PartitionerTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let parts: [KeyPart]
        let bytes: String
        let hash: UInt64
        let partitionOf1024: Int
        var testDescription: String { EntityKey(parts).description }
    }

    /// The worked examples of docs/cluster.md, computed independently with Python's `struct`
    /// and `xxhash` packages.
    static let examples: [Example] = [
        Example(parts: [1001], bytes: "01 e9 03 00 00 00 00 00 00", hash: 0xE026_CFD5_C90E_A342, partitionOf1024: 834),
        Example(parts: [0], bytes: "01 00 00 00 00 00 00 00 00", hash: 0xA244_3C71_157C_B676, partitionOf1024: 630),
        Example(parts: [-1], bytes: "01 ff ff ff ff ff ff ff ff", hash: 0xE4A4_2358_FE73_E0B6, partitionOf1024: 182),
        Example(parts: ["u-42"], bytes: "02 04 00 00 00 75 2d 34 32", hash: 0x32AE_4F0B_CB8B_05AA, partitionOf1024: 426),
        Example(parts: [""], bytes: "02 00 00 00 00", hash: 0x7CD3_239E_A57D_282C, partitionOf1024: 44),
        Example(parts: ["café"], bytes: "02 05 00 00 00 63 61 66 c3 a9", hash: 0x6832_6BDE_65A2_508C, partitionOf1024: 140),
        Example(
            parts: [1001, "m-7"], bytes: "01 e9 03 00 00 00 00 00 00 02 03 00 00 00 6d 2d 37",
            hash: 0xFAE1_598B_FCAC_C164, partitionOf1024: 356
        ),
        Example(
            parts: ["m-7", 1001], bytes: "02 03 00 00 00 6d 2d 37 01 e9 03 00 00 00 00 00 00",
            hash: 0xD278_2C00_F364_ECD5, partitionOf1024: 213
        ),
        Example(
            parts: [1, 2], bytes: "01 01 00 00 00 00 00 00 00 01 02 00 00 00 00 00 00 00",
            hash: 0xE308_AF1B_CADC_A046, partitionOf1024: 70
        ),
        Example(
            parts: ["user-0000000001", "merchant-0000000002", 7],
            bytes: "02 0f 00 00 00 75 73 65 72 2d 30 30 30 30 30 30 30 30 30 31 02 13 00 00 00 6d 65 72 63 68 61 6e 74 2d 30 30 30 30 30 30 30 30 30 32 01 07 00 00 00 00 00 00 00",
            hash: 0x66E5_AAB3_A1E0_DDA4, partitionOf1024: 420
        ),
    ]

    @Test(arguments: examples)
    func documentedExample(_ example: Example) throws {
        let key = EntityKey(example.parts)
        let hex = key.canonicalBytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined(separator: " ")
        #expect(hex == example.bytes)
        #expect(Partitioner.hash(of: key) == example.hash)
        let partitioner = try Partitioner()
        #expect(partitioner.partition(of: key) == example.partitionOf1024)
        #expect(partitioner.partition(ofParts: example.parts) == example.partitionOf1024)
        if example.parts.count == 1 {
            #expect(partitioner.partition(of: example.parts[0]) == example.partitionOf1024)
            switch example.parts[0].storage {
            case .int64(let value): #expect(partitioner.partition(ofInt64: value) == example.partitionOf1024)
            case .string(let value): #expect(partitioner.partition(ofString: value) == example.partitionOf1024)
            }
        }
    }

    /// The int64 shortcut hashes what the incremental hasher does with the canonical bytes.
    @Test func int64ShortcutMatchesTheCanonicalBytes() {
        var values: [Int64] = [0, 1, -1, 255, 256, 1001, .max, .min, 0x0102_0304_0506_0708]
        var next: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1000 {
            next = next &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(bitPattern: next))
        }
        for value in values {
            #expect(Partitioner.hash(ofInt64: value) == XXHash64.hash(EntityKey(.int64(value)).canonicalBytes), "\(value)")
        }
    }

    @Test func partitionIsTheHashModuloTheCount() throws {
        let key = EntityKey([1001, "m-7"])
        for count in [1, 7, 256, 1024, 65536] {
            let partitioner = try Partitioner(partitionCount: count)
            #expect(partitioner.partition(of: key) == Int(0xFAE1_598B_FCAC_C164 % UInt64(count)))
        }
    }

    @Test func partitionCountOutOfRangeIsRefused() {
        for count in [0, -1, 65537] {
            #expect(throws: SkewlessError.self) { try Partitioner(partitionCount: count) }
        }
    }

    @Test func partsNeverRunTogether() {
        // Tags and length prefixes keep ("ab", "c") apart from ("a", "bc") and an int64 apart
        // from a string with the same bytes.
        #expect(EntityKey(["ab", "c"]).canonicalBytes != EntityKey(["a", "bc"]).canonicalBytes)
        #expect(EntityKey([1]).canonicalBytes != EntityKey(["\u{1}\0\0\0\0\0\0\0"]).canonicalBytes)
    }

    /// 200 000 sequential int64 keys and as many strings spread over 1024 partitions like a
    /// uniform draw: every partition within 6 standard deviations of the mean (a binomial count
    /// of about 195 has a standard deviation of about 14) and a chi-square statistic near its
    /// 1023 degrees of freedom.
    @Test(arguments: [false, true])
    func keysSpreadUniformly(strings: Bool) throws {
        let partitioner = try Partitioner()
        let keyCount = 200_000
        var counts = [Int](repeating: 0, count: partitioner.partitionCount)
        for id in 0..<keyCount {
            let partition = strings ? partitioner.partition(ofString: "user-\(id)") : partitioner.partition(ofInt64: Int64(id))
            counts[partition] += 1
        }
        let mean = Double(keyCount) / Double(counts.count)
        #expect(counts.allSatisfy { abs(Double($0) - mean) <= 6 * mean.squareRoot() })
        let chiSquare = counts.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) / mean }
        // 1023 degrees of freedom: mean 1023, standard deviation about 45.
        #expect(chiSquare < 1023 + 6 * 45)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
