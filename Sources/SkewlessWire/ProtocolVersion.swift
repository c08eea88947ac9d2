/// Protocol constants both peers agree on in the handshake.
package enum ProtocolVersion {
    /// The protocol version this build speaks (docs/protocol.md).
    package static let current: UInt32 = 1
    /// The size of the big-endian length that precedes every frame.
    package static let lengthPrefixBytes = 4
    /// The default largest frame body a peer accepts: 16 MiB.
    package static let defaultMaxFrameBytes = 16 * 1024 * 1024
}
