import SkewlessModel
import Synchronization

/// The request id of a read: its name in the nodes' served-feature logs
/// (docs/served-log.md), sent on every sub-request and retry of one call so that a node
/// logging at a sample rate keeps or skips all of the read's rows together.
enum ReadRequestID {
    /// The longest id the nodes accept, in UTF-8 bytes.
    static let maximumBytes = 128

    /// Two 64-bit seeds drawn once per process from the system's generator.
    private static let seeds: (high: UInt64, low: UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()
    private static let issued = Atomic<UInt64>(0)

    /// 32 lowercase hex digits of a 128-bit number unique to the read: each half is the n-th
    /// output of a SplitMix64 seeded with one of the seeds, n counting the ids this process
    /// made, so no two ids of one process are equal, ids of two processes differ by their
    /// random seeds, and the digits are spread evenly for the nodes' sampling hash. Making one
    /// costs no system call (drawing 128 random bits for each read cost two `getrandom`s).
    static func next() -> String {
        let count = issued.add(1, ordering: .relaxed).newValue
        let high = SplitMix64.output(seed: seeds.high, index: count)
        let low = SplitMix64.output(seed: seeds.low, index: count)
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int((high >> UInt64(60 - 4 * index)) & 0xF)]
                buffer[16 + index] = digits[Int((low >> UInt64(60 - 4 * index)) & 0xF)]
            }
            return 32
        }
    }

    /// `id`, checked, or a new one when nil.
    /// - Throws: `invalidArgument` for an empty id or one over 128 bytes.
    static func checked(_ id: String?) throws(SkewlessError) -> String {
        guard let id else { return next() }
        guard !id.isEmpty, id.utf8.count <= maximumBytes else {
            throw SkewlessError(.invalidArgument, "a request id has 1 to \(maximumBytes) bytes of UTF-8, not \(id.utf8.count): give a shorter one, or none (the client makes one)")
        }
        return id
    }
}
