import SkewlessModel

/// The request id of a read: its name in the nodes' served-feature logs
/// (docs/served-log.md), sent on every sub-request and retry of one call so that a node
/// logging at a sample rate keeps or skips all of the read's rows together.
enum ReadRequestID {
    /// The longest id the nodes accept, in UTF-8 bytes.
    static let maximumBytes = 128

    /// 32 lowercase hex digits of a random 128-bit number: unique among any client's reads
    /// for all practical purposes.
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int((high >> UInt64(60 - 4 * index)) & 0xF)]
                buffer[16 + index] = digits[Int((low >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 32
        }
    }

    /// `id`, checked, or a random one when nil.
    /// - Throws: `invalidArgument` for an empty id or one over 128 bytes.
    static func checked(_ id: String?) throws(SkewlessError) -> String {
        guard let id else { return random() }
        guard !id.isEmpty, id.utf8.count <= maximumBytes else {
            throw SkewlessError(.invalidArgument, "a request id has 1 to \(maximumBytes) bytes of UTF-8, not \(id.utf8.count): give a shorter one, or none (the client makes one)")
        }
        return id
    }
}
