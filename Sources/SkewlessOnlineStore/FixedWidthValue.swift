/// A stored type whose values travel as fixed-width little-endian bytes: protobuf's packed
/// bool (one byte, 0 or 1), float (fixed32) and double (fixed64). Lets a read write values
/// straight into a response without an intermediate array.
protocol FixedWidthValue: ColumnElement {
    /// Bytes per value.
    static var width: Int { get }

    /// Stores the value's little-endian bytes at `pointer` (which need not be aligned).
    func storeLittleEndian(to pointer: UnsafeMutableRawPointer)
}

extension Bool: FixedWidthValue {
    static var width: Int { 1 }

    @inline(__always)
    func storeLittleEndian(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: self ? 1 : 0, as: UInt8.self)
    }
}

extension Float: FixedWidthValue {
    static var width: Int { 4 }

    @inline(__always)
    func storeLittleEndian(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: bitPattern.littleEndian, as: UInt32.self)
    }
}

extension Double: FixedWidthValue {
    static var width: Int { 8 }

    @inline(__always)
    func storeLittleEndian(to pointer: UnsafeMutableRawPointer) {
        pointer.storeBytes(of: bitPattern.littleEndian, as: UInt64.self)
    }
}
