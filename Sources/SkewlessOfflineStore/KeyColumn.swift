import SkewlessModel

/// The values of one join key across rows. Strings order by their UTF-8 bytes, so the
/// order of rows in a segment is the same in any language.
package enum KeyColumn: Sendable, Hashable {
    case int64([Int64])
    case string([String])

    package var count: Int {
        switch self {
        case .int64(let values): return values.count
        case .string(let values): return values.count
        }
    }

    package var type: KeyType {
        switch self {
        case .int64: return .int64
        case .string: return .string
        }
    }

    package static func empty(_ type: KeyType) -> KeyColumn {
        type == .int64 ? .int64([]) : .string([])
    }

    package func part(at row: Int) -> KeyPart {
        switch self {
        case .int64(let values): return .int64(values[row])
        case .string(let values): return .string(values[row])
        }
    }

    /// Appends `part`, which must be of this column's type (checked by the caller).
    mutating func append(_ part: KeyPart) {
        switch self {
        case .int64(var values):
            guard case .int64(let value) = part.storage else { return }
            self = .int64([])
            values.append(value)
            self = .int64(values)
        case .string(var values):
            guard case .string(let value) = part.storage else { return }
            self = .string([])
            values.append(value)
            self = .string(values)
        }
    }

    /// Appends row `row` of `other`, a column of the same type.
    mutating func append(from other: KeyColumn, row: Int) {
        append(other.part(at: row))
    }

    func gathered(_ rows: [Int]) -> KeyColumn {
        switch self {
        case .int64(let values): return .int64(rows.map { values[$0] })
        case .string(let values): return .string(rows.map { values[$0] })
        }
    }

    func slice(_ range: Range<Int>) -> KeyColumn {
        switch self {
        case .int64(let values): return .int64(Array(values[range]))
        case .string(let values): return .string(Array(values[range]))
        }
    }

    /// -1, 0 or 1 as row `row` orders before, with or after row `otherRow` of `other`.
    func compare(_ row: Int, with other: KeyColumn, _ otherRow: Int) -> Int {
        switch (self, other) {
        case (.int64(let a), .int64(let b)):
            return a[row] < b[otherRow] ? -1 : a[row] == b[otherRow] ? 0 : 1
        case (.string(let a), .string(let b)):
            return Self.compareUTF8(a[row], b[otherRow])
        default:
            return type == .int64 ? -1 : 1
        }
    }

    /// Byte-wise comparison of UTF-8, as `memcmp` then length.
    static func compareUTF8(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let shared = Swift.min(x.count, y.count)
                if shared > 0, let xBase = x.baseAddress, let yBase = y.baseAddress {
                    let result = memcmp(xBase, yBase, shared)
                    if result != 0 { return result < 0 ? -1 : 1 }
                }
                return x.count < y.count ? -1 : x.count == y.count ? 0 : 1
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
