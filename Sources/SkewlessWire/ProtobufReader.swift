import Foundation
import SkewlessModel

/// Reads the protobuf binary format from a byte range, for the hot path (the reading half of `OnlineFeaturesCodec`).
/// Every read is bounds-checked; malformed input throws rather than misreads.
package struct ProtobufReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var index: Int
    private let end: Int
    /// How many groups may be open at once in what this reader reads (see `skip`).
    private let groupBudget: Int
    private let varintOverflow: VarintOverflow

    /// What a 10-byte varint whose last byte carries bits past the 64th means.
    package enum VarintOverflow: Sendable {
        /// Malformed: what the client's response decoding holds a node to.
        case refused
        /// The bits past 64 are dropped, as swift-protobuf (and protobuf's C++ parser) read
        /// it: what the node's request decoding accepts, to accept what the generated code did.
        case discarded
    }

    package init(_ bytes: UnsafeRawBufferPointer, varintOverflow: VarintOverflow = .refused) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
        self.groupBudget = Self.depthLimit - 1
        self.varintOverflow = varintOverflow
    }

    private init(bytes: UnsafeRawBufferPointer, index: Int, end: Int, groupBudget: Int, varintOverflow: VarintOverflow) {
        self.bytes = bytes
        self.index = index
        self.end = end
        self.groupBudget = groupBudget
        self.varintOverflow = varintOverflow
    }

    package var isAtEnd: Bool { index >= end }

    static func malformed(_ what: String) -> SkewlessError {
        SkewlessError(.internal, "malformed protobuf: \(what); the peer sent bytes this build cannot read")
    }

    package mutating func readVarint() throws(SkewlessError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < end {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 && varintOverflow == .refused { throw Self.malformed("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift  // past 64 bits, the smart shift drops them
            if byte < 0x80 { return result }
            shift += 7
            if shift > 63 { throw Self.malformed("varint longer than 10 bytes") }
        }
        throw Self.malformed("truncated varint")
    }

    /// (field number, wire type).
    package mutating func readTag() throws(SkewlessError) -> (field: Int, wireType: UInt8) {
        let tag = try readVarint()
        let field = tag >> 3
        guard field > 0, field <= 536_870_911 else { throw Self.malformed("field number \(field)") }
        return (Int(field), UInt8(tag & 7))
    }

    package mutating func readFixed32() throws(SkewlessError) -> UInt32 {
        guard end - index >= 4 else { throw Self.malformed("truncated fixed32") }
        let value = bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)
        index += 4
        return UInt32(littleEndian: value)
    }

    package mutating func readFixed64() throws(SkewlessError) -> UInt64 {
        guard end - index >= 8 else { throw Self.malformed("truncated fixed64") }
        let value = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        index += 8
        return UInt64(littleEndian: value)
    }

    /// The payload of a length-delimited field, as a reader of its own.
    package mutating func readLengthDelimited() throws(SkewlessError) -> ProtobufReader {
        let length = try readVarint()
        guard length <= UInt64(end - index) else { throw Self.malformed("length \(length) runs past the end") }
        // A nested message is one level deeper (for other payloads the budget is unused).
        let sub = ProtobufReader(bytes: bytes, index: index, end: index + Int(length), groupBudget: groupBudget - 1, varintOverflow: varintOverflow)
        index += Int(length)
        return sub
    }

    /// The remaining bytes of this reader.
    package var remainingBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[index..<end])
    }

    package mutating func readString() throws(SkewlessError) -> String {
        let sub = try readLengthDelimited()
        return String(decoding: sub.remainingBytes, as: UTF8.self)
    }

    package mutating func readBytes() throws(SkewlessError) -> [UInt8] {
        let sub = try readLengthDelimited()
        return [UInt8](sub.remainingBytes)
    }

    /// Whether the next length-delimited payload equals `string`'s UTF-8, consuming it.
    package mutating func readString(matching string: String) throws(SkewlessError) -> Bool {
        let sub = try readLengthDelimited()
        let payload = sub.remainingBytes
        // Native strings are contiguous UTF-8: compare two buffers rather than walking the
        // `String.UTF8View` generically (4% of the client's CPU on 1 x 50 reads).
        let equal = string.utf8.withContiguousStorageIfAvailable { utf8 in
            guard utf8.count == payload.count else { return false }
            guard let a = utf8.baseAddress, let b = payload.baseAddress else { return true }
            return memcmp(a, b, utf8.count) == 0
        }
        return equal ?? string.utf8.elementsEqual(payload)
    }

    /// swift-protobuf's default `messageDepthLimit`: the message being read, each message it
    /// is nested in and each open group count one level, and deeper input is refused.
    static let depthLimit = 100

    /// Skips field `field` whose tag was just read, as an unknown field: its value, or, for a
    /// group (wire type 3, which proto3 encoders never write but a reader skips as
    /// swift-protobuf does), everything up to the group's end tag, nested groups included.
    package mutating func skip(field: Int, wireType: UInt8) throws(SkewlessError) {
        switch wireType {
        case 0: _ = try readVarint()
        case 1: _ = try readFixed64()
        case 2: _ = try readLengthDelimited()
        case 3: try skipGroup(field)
        case 5: _ = try readFixed32()
        default: throw Self.malformed("wire type \(wireType)")
        }
    }

    /// Reads past the end tag of group `field`. Iterative, with the open groups on a list, so
    /// that hostile nesting costs no stack.
    private mutating func skipGroup(_ field: Int) throws(SkewlessError) {
        let tooDeep = Self.malformed("groups nested past the depth limit of \(Self.depthLimit)")
        guard groupBudget > 0 else { throw tooDeep }
        var open = [field]
        while let innermost = open.last {
            let (inner, wireType) = try readTag()
            switch wireType {
            case 3:
                guard open.count < groupBudget else { throw tooDeep }
                open.append(inner)
            case 4:
                guard inner == innermost else { throw Self.malformed("the end of group \(inner) inside group \(innermost)") }
                open.removeLast()
            default:
                try skip(field: inner, wireType: wireType)
            }
        }
    }

    /// Appends a repeated int64 field's values, packed or not. The packed form (what every
    /// current encoder writes) is decoded into reserved space in one pass.
    package mutating func readInt64s(wireType: UInt8, into values: inout [Int64]) throws(SkewlessError) {
        guard wireType == 2 else {
            guard wireType == 0 else { throw Self.malformed("wire type \(wireType) for a varint field") }
            values.append(Int64(bitPattern: try readVarint()))
            return
        }
        let packed = try readLengthDelimited().remainingBytes
        // Every varint ends in exactly one byte below 0x80.
        var count = 0
        for byte in packed where byte < 0x80 { count += 1 }
        guard packed.isEmpty || packed[packed.count - 1] < 0x80 else { throw Self.malformed("truncated packed varint") }
        var failure: SkewlessError?
        values.reserveCapacity(values.count + count)
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for byte in packed {
            if shift > 63 || (shift == 63 && byte > 1 && varintOverflow == .refused) {
                failure = Self.malformed("varint overflows 64 bits")
                break
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                values.append(Int64(bitPattern: value))
                value = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        if let failure { throw failure }
    }

    /// Appends a repeated float field's values, packed (copied in bulk) or not.
    package mutating func readFloats(wireType: UInt8, into values: inout [Float]) throws(SkewlessError) {
        try readFixedWidth(wireType: wireType, singleWireType: 5, into: &values) { reader throws(SkewlessError) in
            Float(bitPattern: try reader.readFixed32())
        }
    }

    /// Appends a repeated double field's values, packed (copied in bulk) or not.
    package mutating func readDoubles(wireType: UInt8, into values: inout [Double]) throws(SkewlessError) {
        try readFixedWidth(wireType: wireType, singleWireType: 1, into: &values) { reader throws(SkewlessError) in
            Double(bitPattern: try reader.readFixed64())
        }
    }

    /// A repeated fixed-width field: one element (`singleWireType`), or a packed run copied
    /// in bulk (the wire is little-endian, as is every platform Skewless builds for).
    private mutating func readFixedWidth<T: BinaryFloatingPoint & BitwiseCopyable>(
        wireType: UInt8, singleWireType: UInt8, into values: inout [T],
        single: (inout ProtobufReader) throws(SkewlessError) -> T
    ) throws(SkewlessError) {
        let width = MemoryLayout<T>.size
        switch wireType {
        case singleWireType:
            values.append(try single(&self))
        case 2:
            let packed = try readLengthDelimited().remainingBytes
            guard packed.count % width == 0 else { throw Self.malformed("packed \(width)-byte values in \(packed.count) bytes") }
            let start = values.count
            values.append(contentsOf: repeatElement(T.zero, count: packed.count / width))
            values.withUnsafeMutableBytes { out in
                // Unchecked in release builds otherwise: the room appended must hold the run.
                precondition(out.count - start * width == packed.count, "packed values copied into the wrong room")
                UnsafeMutableRawBufferPointer(rebasing: out[(start * width)...]).copyMemory(from: packed)
            }
        default:
            throw Self.malformed("wire type \(wireType) for a \(width)-byte field")
        }
    }

    /// Appends a repeated varint field's values, packed or not.
    package mutating func readVarints(wireType: UInt8, into values: inout [UInt64]) throws(SkewlessError) {
        switch wireType {
        case 0:
            values.append(try readVarint())
        case 2:
            var packed = try readLengthDelimited()
            while !packed.isAtEnd { values.append(try packed.readVarint()) }
        default:
            throw Self.malformed("wire type \(wireType) for a varint field")
        }
    }
}

#if _endian(big)
#error("ProtobufReader copies packed fixed-width values in bulk and assumes a little-endian host")
#endif
