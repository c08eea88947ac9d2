import Testing
@testable import SkewlessOfflineStore

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // RFC 3720 (iSCSI) appendix B.4 and the common check value.
        #expect(CRC32C.checksum(of: Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum(of: [UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum(of: [UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum(of: (0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum(of: (0..<32).map { UInt8(31 - $0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum(of: [UInt8]()) == 0)
    }

    @Test func piecesChainToTheWhole() {
        let bytes = (0..<1_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(of: bytes)
        for cut in [0, 1, 7, 8, 9, 500, 999, 1_000] {
            let first = CRC32C.checksum(of: bytes[0..<cut])
            #expect(CRC32C.checksum(of: bytes[cut...], continuing: first) == whole)
        }
    }
}
