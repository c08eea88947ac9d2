import NIOCore

extension ByteBuffer {
    /// Writes `value` in RESP2 (see `RESPValue`).
    package mutating func writeRESPValue(_ value: RESPValue) {
        switch value {
        case .simpleString(let text):
            writeInteger(UInt8(ascii: "+"))
            writeString(text)
            writeCRLF()
        case .error(let text):
            writeInteger(UInt8(ascii: "-"))
            writeString(text)
            writeCRLF()
        case .integer(let number):
            writeInteger(UInt8(ascii: ":"))
            writeString(String(number))
            writeCRLF()
        case .bulkString(nil):
            writeStaticString("$-1\r\n")
        case .bulkString(var bytes?):
            writeRESPBulkHeader(bytes.readableBytes)
            writeBuffer(&bytes)
            writeCRLF()
        case .array(nil):
            writeStaticString("*-1\r\n")
        case .array(let elements?):
            writeRESPArrayHeader(elements.count)
            for element in elements { writeRESPValue(element) }
        }
    }

    /// `*<count>\r\n`: the start of an array (a command) of `count` elements.
    package mutating func writeRESPArrayHeader(_ count: Int) {
        writeInteger(UInt8(ascii: "*"))
        writeString(String(count))
        writeCRLF()
    }

    /// A bulk string of `bytes`.
    package mutating func writeRESPBulkString(_ bytes: some Collection<UInt8>) {
        writeRESPBulkHeader(bytes.count)
        writeBytes(bytes)
        writeCRLF()
    }

    /// A bulk string of the UTF-8 of `text`.
    package mutating func writeRESPBulkString(_ text: String) {
        writeRESPBulkHeader(text.utf8.count)
        writeString(text)
        writeCRLF()
    }

    private mutating func writeRESPBulkHeader(_ length: Int) {
        writeInteger(UInt8(ascii: "$"))
        writeString(String(length))
        writeCRLF()
    }

    private mutating func writeCRLF() {
        writeInteger(UInt16(0x0D0A))
    }
}
