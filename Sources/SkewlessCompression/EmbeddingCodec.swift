import CLZ4
import SkewlessModel

/// Encodes float32 embeddings for storage and the wire, compressing with LZ4 only when it pays.
///
/// Dense float embeddings are close to random bytes and barely compress; sparse (ReLU-like)
/// or quantized ones compress well. The encoder compresses, and keeps the result only when
/// it is at most `maxCompressedRatio` of the raw size, so a reader never pays decompression
/// for a saving too small to matter. Each value carries its own flag.
package enum EmbeddingCodec {
    /// Keep the LZ4 block only when it is at most this share of the raw bytes.
    package static let maxCompressedRatio = 0.875

    package static func encode(_ vector: [Float]) -> EncodedEmbedding {
        let raw = rawBytes(vector)
        guard let compressed = compress(raw), Double(compressed.count) <= Double(raw.count) * maxCompressedRatio else {
            return EncodedEmbedding(dimension: vector.count, isCompressed: false, bytes: raw)
        }
        return EncodedEmbedding(dimension: vector.count, isCompressed: true, bytes: compressed)
    }

    /// Decodes what `encode` produced, or a peer sent; rejects any size that does not fit.
    package static func decode(_ encoded: EncodedEmbedding) throws(SkewlessError) -> [Float] {
        try decode(dimension: encoded.dimension, isCompressed: encoded.isCompressed, bytes: encoded.bytes)
    }

    package static func decode(dimension: Int, isCompressed: Bool, bytes: some Collection<UInt8>) throws(SkewlessError) -> [Float] {
        guard dimension >= 0, dimension <= FeatureType.maxEmbeddingDimension else {
            throw SkewlessError(.invalidArgument, "embedding dimension \(dimension) is out of range 0...\(FeatureType.maxEmbeddingDimension)")
        }
        let rawCount = dimension * 4
        if !isCompressed {
            guard bytes.count == rawCount else {
                throw SkewlessError(.invalidArgument, "embedding of dimension \(dimension) needs \(rawCount) raw bytes, got \(bytes.count)")
            }
            return floats(fromLittleEndian: bytes, count: dimension)
        }
        var vector = [Float](repeating: 0, count: dimension)
        let source = Array(bytes)
        let written = source.withUnsafeBufferPointer { src in
            vector.withUnsafeMutableBytes { dst -> Int32 in
                // LZ4 writes up to the capacity it is given: never more than the vector holds.
                precondition(dst.count == rawCount, "the LZ4 capacity must be the vector's size")
                guard let srcBase = src.baseAddress, let dstBase = dst.baseAddress else { return rawCount == 0 ? 0 : -1 }
                return LZ4_decompress_safe(
                    UnsafeRawPointer(srcBase).assumingMemoryBound(to: CChar.self),
                    dstBase.assumingMemoryBound(to: CChar.self),
                    Int32(src.count), Int32(rawCount))
            }
        }
        guard written == rawCount else {
            throw SkewlessError(.invalidArgument, "LZ4 embedding block is corrupt or does not decompress to \(rawCount) bytes (dimension \(dimension))")
        }
        #if _endian(big)
        for i in vector.indices { vector[i] = Float(bitPattern: UInt32(littleEndian: vector[i].bitPattern)) }
        #endif
        return vector
    }

    static func rawBytes(_ vector: [Float]) -> [UInt8] {
        #if _endian(little)
        return vector.withUnsafeBytes { Array($0) }
        #else
        return vector.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) }
        #endif
    }

    static func floats(fromLittleEndian bytes: some Collection<UInt8>, count: Int) -> [Float] {
        var vector = [Float](repeating: 0, count: count)
        vector.withUnsafeMutableBytes { dst in
            dst.copyBytes(from: bytes)
        }
        #if _endian(big)
        for i in vector.indices { vector[i] = Float(bitPattern: UInt32(littleEndian: vector[i].bitPattern)) }
        #endif
        return vector
    }

    /// One LZ4 block, or nil when the input is empty or too large for LZ4.
    static func compress(_ raw: [UInt8]) -> [UInt8]? {
        guard !raw.isEmpty, raw.count <= Int(LZ4_MAX_INPUT_SIZE) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(raw.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = raw.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                precondition(dst.count == bound, "the LZ4 capacity must be the output's size")
                return LZ4_compress_default(
                    UnsafeRawPointer(src.baseAddress!).assumingMemoryBound(to: CChar.self),
                    UnsafeMutableRawPointer(dst.baseAddress!).assumingMemoryBound(to: CChar.self),
                    Int32(raw.count), Int32(bound))
            }
        }
        guard written > 0 else { return nil }
        output.removeLast(bound - Int(written))
        return output
    }
}
