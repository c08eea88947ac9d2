/// A float32 vector as it is stored and sent: `dimension` little-endian float32s, either
/// raw (`4 * dimension` bytes) or as one LZ4 block that decompresses to exactly those bytes.
package struct EncodedEmbedding: Sendable, Hashable {
    package var dimension: Int
    package var isCompressed: Bool
    package var bytes: [UInt8]

    package init(dimension: Int, isCompressed: Bool, bytes: [UInt8]) {
        self.dimension = dimension
        self.isCompressed = isCompressed
        self.bytes = bytes
    }
}
