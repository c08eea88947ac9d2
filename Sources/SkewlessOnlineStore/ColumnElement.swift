import SkewlessModel

/// A value a `TypedColumn` stores, and the heap bytes it owns beyond its inline size (for
/// the memory footprint).
///
/// Fixed-width types (`Bool`, `Int32`, `Int64`, `Float`, `Double`) own none: a column of
/// them is one flat array per chunk. Variable-width types (strings, byte arrays, lists,
/// encoded embeddings) keep their payload in their own heap buffers, which the column
/// counts as values come and go.
protocol ColumnElement: Sendable {
    /// Whether values of this type can own heap storage. When false the column skips the
    /// accounting entirely.
    static var hasHeapStorage: Bool { get }

    /// The heap bytes this value owns (an estimate; see `MemoryFootprint`).
    var heapBytes: Int { get }
}

extension ColumnElement {
    static var hasHeapStorage: Bool { false }
    var heapBytes: Int { 0 }
}

extension Bool: ColumnElement {}
extension Int32: ColumnElement {}
extension Int64: ColumnElement {}
extension Float: ColumnElement {}
extension Double: ColumnElement {}
extension UInt8: ColumnElement {}

extension String: ColumnElement {
    static var hasHeapStorage: Bool { true }
    var heapBytes: Int { MemoryFootprint.stringBytes(self) }
}

extension Array: ColumnElement where Element: ColumnElement {
    static var hasHeapStorage: Bool { true }

    var heapBytes: Int {
        var total = MemoryFootprint.arrayBytes(capacity: capacity, stride: MemoryLayout<Element>.stride)
        if Element.hasHeapStorage {
            for element in self {
                total += element.heapBytes
            }
        }
        return total
    }
}

extension EncodedEmbedding: ColumnElement {
    static var hasHeapStorage: Bool { true }
    var heapBytes: Int { bytes.heapBytes }
}
