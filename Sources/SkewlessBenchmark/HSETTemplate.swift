import NIOCore

/// Encodes one `HSET key f1 v1 ... fN vN` per row of float fields, the Redis baseline's
/// write of a row (the same layout `SyntheticLoader` writes: the hash `view@version:id`,
/// each float 4 bytes little-endian, as `RedisFeatureCodec` stores it).
///
/// The constant parts (array header, command name, every `$len name` pair's name) are
/// encoded once, so encoding a batch costs about what a careful Redis client would pay.
///
/// ```
/// *<2 + 2N>\r\n $4\r\n HSET\r\n $<len>\r\n <view@version:id>\r\n
///     $<len>\r\n <field 1>\r\n $4\r\n <4 bytes>\r\n  ...  (N fields)
/// ```
package struct HSETTemplate: Sendable {
    /// `*<2+2N>\r\n$4\r\nHSET\r\n`.
    private let head: ByteBuffer
    /// `view@version:` as UTF-8.
    private let keyPrefix: [UInt8]
    /// Per field: `$<len>\r\n<name>\r\n$4\r\n` (the value's header included).
    private let fieldHeads: [ByteBuffer]

    /// - Parameters:
    ///   - keyPrefix: what precedes the id in the key, "bench_float10@1:".
    ///   - fields: the hash's field names, in value order.
    package init(keyPrefix: String, fields: [String]) {
        var head = ByteBuffer()
        head.writeRESPArrayHeader(2 + 2 * fields.count)
        head.writeRESPBulkString("HSET")
        self.head = head
        self.keyPrefix = Array(keyPrefix.utf8)
        fieldHeads = fields.map { name in
            var buffer = ByteBuffer()
            buffer.writeRESPBulkString(name)
            buffer.writeStaticString("$4\r\n")
            return buffer
        }
    }

    package var fieldCount: Int { fieldHeads.count }

    /// Appends the HSET of one row.
    package func write(id: Int64, values: ArraySlice<Float>, into buffer: inout ByteBuffer) {
        precondition(values.count == fieldHeads.count, "one value per field of the hash")
        buffer.writeImmutableBuffer(head)
        let digits = String(id).utf8
        buffer.writeInteger(UInt8(ascii: "$"))
        buffer.writeString(String(keyPrefix.count + digits.count))
        buffer.writeInteger(UInt16(0x0D0A))
        buffer.writeBytes(keyPrefix)
        buffer.writeBytes(digits)
        buffer.writeInteger(UInt16(0x0D0A))
        for (fieldHead, value) in zip(fieldHeads, values) {
            buffer.writeImmutableBuffer(fieldHead)
            buffer.writeInteger(value.bitPattern, endianness: .little)
            buffer.writeInteger(UInt16(0x0D0A))
        }
    }

    /// The HSETs of every row of a batch, back to back.
    package func commands(for batch: PushBatch, allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        let perRow = head.readableBytes + keyPrefix.count + 32 + fieldHeads.reduce(0) { $0 + $1.readableBytes + 6 }
        var buffer = allocator.buffer(capacity: perRow * batch.rowCount)
        for row in 0..<batch.rowCount {
            write(id: batch.ids[row], values: batch.row(row), into: &buffer)
        }
        return buffer
    }
}
