import Testing
@testable import SkewlessCompression
import SkewlessModel

@Suite struct EmbeddingCodecTests {
    /// Random floats in -1...1, from the run's seed (`TestSeed`).
    static func dense(_ n: Int) -> [Float] {
        var rng = TestSeed.generator(1)
        return (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    static func sparse(_ n: Int) -> [Float] {
        var rng = TestSeed.generator(2)
        // ReLU-like: about 80% exact zeros.
        return (0..<n).map { _ in Double.random(in: 0..<1, using: &rng) < 0.8 ? 0 : Float.random(in: 0...3, using: &rng) }
    }

    @Test func denseVectorsStayRawBecauseCompressionDoesNotPay() throws {
        let vector = Self.dense(768)
        let encoded = EmbeddingCodec.encode(vector)
        #expect(!encoded.isCompressed, "\(TestSeed.note)")
        #expect(encoded.bytes.count == 768 * 4)
        #expect(try EmbeddingCodec.decode(encoded) == vector)
    }

    @Test func sparseVectorsAreCompressedAndRoundTripExactly() throws {
        let vector = Self.sparse(768)
        let encoded = EmbeddingCodec.encode(vector)
        #expect(encoded.isCompressed, "\(TestSeed.note)")
        #expect(encoded.bytes.count < 768 * 4 / 2, "\(TestSeed.note)")
        #expect(try EmbeddingCodec.decode(encoded) == vector)
    }

    @Test func repetitiveVectorsCompressWell() throws {
        let vector = [Float](repeating: 0.25, count: 1024)
        let encoded = EmbeddingCodec.encode(vector)
        #expect(encoded.isCompressed)
        #expect(encoded.bytes.count < 100)
        #expect(try EmbeddingCodec.decode(encoded) == vector)
    }

    @Test func specialFloatsSurviveBitExactly() throws {
        let vector: [Float] = [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let decoded = try EmbeddingCodec.decode(EmbeddingCodec.encode(vector))
        #expect(decoded.map(\.bitPattern) == vector.map(\.bitPattern))
    }

    @Test func corruptBlocksAreRejectedNotMisread() throws {
        var encoded = EmbeddingCodec.encode(Self.sparse(256))
        #expect(encoded.isCompressed, "\(TestSeed.note)")
        encoded.bytes.removeLast(encoded.bytes.count / 2)
        #expect(throws: SkewlessError.self, "\(TestSeed.note)") { try EmbeddingCodec.decode(encoded) }
        // A block that decompresses to the wrong size for the declared dimension.
        let other = EmbeddingCodec.encode([Float](repeating: 1, count: 64))
        #expect(throws: SkewlessError.self) { try EmbeddingCodec.decode(dimension: 32, isCompressed: true, bytes: other.bytes) }
        // Raw data of the wrong length.
        #expect(throws: SkewlessError.self) { try EmbeddingCodec.decode(dimension: 4, isCompressed: false, bytes: [UInt8](repeating: 0, count: 15)) }
        // Garbage flagged as LZ4.
        #expect(throws: SkewlessError.self) { try EmbeddingCodec.decode(dimension: 8, isCompressed: true, bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }
    }

    @Test func rawLayoutIsLittleEndianFloat32() {
        let encoded = EmbeddingCodec.encode([1.0])
        #expect(encoded.bytes == [0x00, 0x00, 0x80, 0x3F])
    }
}
