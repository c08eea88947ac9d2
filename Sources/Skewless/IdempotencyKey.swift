import SkewlessModel

/// Names one write batch so that the store keeps it once, however often it is sent
/// (docs/write-log.md, "Exactly once"). Send the same key with every retry of the same rows;
/// a key the store has already accepted is acknowledged again without storing the rows twice.
///
/// `FeatureClient.write` makes a random key per call when given none, so its own retries
/// (another attempt, another replica) are recognised. Give a key of your own to make retries
/// across calls, or across process restarts, safe: for example the source's offset
/// ("orders-topic/3/1822731") or a batch id of your stream job.
public struct IdempotencyKey: Sendable, Hashable, CustomStringConvertible {
    /// 1 to 64 bytes.
    public let bytes: [UInt8]

    /// The longest key the protocol carries.
    public static let maximumBytes = 64

    /// - Throws: `invalidArgument` for an empty key or one over 64 bytes.
    public init(bytes: [UInt8]) throws(SkewlessError) {
        guard !bytes.isEmpty, bytes.count <= Self.maximumBytes else {
            throw SkewlessError(.invalidArgument, "an idempotency key has 1 to \(Self.maximumBytes) bytes, not \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// The UTF-8 bytes of `text` (1 to 64 of them).
    public init(_ text: String) throws(SkewlessError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// 16 random bytes.
    public static func random() -> IdempotencyKey {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        // Non-empty and at most 64 bytes by construction.
        return IdempotencyKey(unchecked: bytes)
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String {
        bytes.printableOrHex
    }
}
