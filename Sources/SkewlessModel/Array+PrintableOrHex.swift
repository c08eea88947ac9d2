extension Array where Element == UInt8 {
    /// The bytes as text when they are printable ASCII, else as lowercase hex: how an
    /// idempotency key (any 1 to 64 bytes) appears in messages and descriptions.
    package var printableOrHex: String {
        if allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return String(decoding: self, as: UTF8.self)
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(count * 2)
        for byte in self {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
