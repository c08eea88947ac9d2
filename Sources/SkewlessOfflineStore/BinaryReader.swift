import SkewlessModel

/// Reads little-endian integers and byte strings from a byte array with bounds checks:
/// running past the end throws, so a truncated or corrupt structure is reported, never
/// read out of bounds.
struct BinaryReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    let end: Int

    /// What a structure is called in errors ("index block of segment-000001.seg").
    let subject: String

    /// - Parameter range: the part of `bytes` to read, which must lie inside them: every
    ///   caller takes it from bytes it has checked (a block read whole, a record whose
    ///   length was checked), so one outside is a bug here, and traps in release builds too
    ///   (the reads below check only against the range).
    init(_ bytes: [UInt8], range: Range<Int>? = nil, subject: String) {
        if let range {
            precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "a reader of \(range) over \(bytes.count) bytes")
        }
        self.bytes = bytes
        self.offset = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
        self.subject = subject
    }

    var remaining: Int { end - offset }
    var isAtEnd: Bool { offset == end }

    func truncated(_ what: String) -> SkewlessError {
        SkewlessError(.dataLoss, "\(subject) is corrupt: it ends inside \(what)")
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws(SkewlessError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw truncated(what()) }
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
        offset += size
        return T(littleEndian: value)
    }

    mutating func readBytes(_ count: Int, _ what: @autoclosure () -> String) throws(SkewlessError) -> Range<Int> {
        guard count >= 0, remaining >= count else { throw truncated(what()) }
        defer { offset += count }
        return offset..<(offset + count)
    }

    mutating func readShortString(_ what: @autoclosure () -> String) throws(SkewlessError) -> String {
        let length = Int(try read(UInt16.self, what()))
        let range = try readBytes(length, what())
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw SkewlessError(.dataLoss, "\(subject) is corrupt: \(what()) is not UTF-8")
        }
        return text
    }

    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws(SkewlessError) {
        _ = try readBytes(count, what())
    }
}
