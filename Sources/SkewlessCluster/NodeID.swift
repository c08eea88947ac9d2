import SkewlessModel

/// The name of a node in the cluster map, for example `node-3`: chosen when the node joins and
/// never reused for another node, since placement ranks nodes by it.
///
/// 1 to 64 characters from `A-Z a-z 0-9 . _ -`, so it is safe in file names, logs and
/// command lines.
package struct NodeID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    package static let maximumLength = 64

    package let rawValue: String

    /// - Throws: `INVALID_ARGUMENT` for an empty, too long or oddly spelled id.
    package init(_ rawValue: String) throws(SkewlessError) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= Self.maximumLength,
            rawValue.utf8.allSatisfy(Self.isAllowed)
        else {
            throw SkewlessError(.invalidArgument, "node id '\(rawValue)' is not valid: use 1 to \(Self.maximumLength) characters from A-Z a-z 0-9 . _ - (for example node-4)")
        }
        self.rawValue = rawValue
    }

    package init(from decoder: any Decoder) throws {
        try self.init(decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    package static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        // Byte order, so every language sorts ids the same way.
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    package var description: String { rawValue }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}
