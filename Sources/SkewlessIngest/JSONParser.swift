/// Parses one JSON value (RFC 8259) from UTF-8 bytes: a line of a JSON Lines file.
///
/// Numbers are checked against the JSON grammar and kept as text (see `JSONValue.number`).
/// Nesting is limited to `maxDepth`, so a hostile line of brackets cannot exhaust the stack.
struct JSONParser {
    struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// 1-based, in characters.
        var column: Int
        var message: String

        var description: String { "column \(column): \(message)" }
    }

    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The one value of `bytes`; only whitespace may surround it.
    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected text after the value; put one JSON object on each line")
        }
        return value
    }

    static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    // MARK: - Grammar

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
        guard let byte = peek else { throw error("unexpected end of the line; expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default:
            if byte == UInt8(ascii: "'") { throw error("strings are written in double quotes in JSON, not single quotes") }
            throw error("unexpected character '\(Self.printable(byte))'; expected a value (object, list, string, number, true, false or null)")
        }
    }

    private mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
        index += 1  // {
        var members: [JSONValue.Member] = []
        skipWhitespace()
        if skip("}") { return .object(members) }
        while true {
            skipWhitespace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a key in double quotes") }
            let key = try string()
            skipWhitespace()
            guard skip(":") else { throw error("expected ':' after the key \"\(key)\"") }
            skipWhitespace()
            let value = try value(depth: depth + 1)
            members.append(JSONValue.Member(key, value))
            skipWhitespace()
            if skip(",") { continue }
            if skip("}") { return .object(members) }
            throw error(peek == nil ? "unexpected end of the line; the object is not closed with '}'" : "expected ',' or '}' after a value in an object")
        }
    }

    private mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
        index += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if skip("]") { return .array(items) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth + 1))
            skipWhitespace()
            if skip(",") { continue }
            if skip("]") { return .array(items) }
            throw error(peek == nil ? "unexpected end of the line; the list is not closed with ']'" : "expected ',' or ']' after a value in a list")
        }
    }

    private mutating func string() throws(SyntaxError) -> String {
        let start = index
        index += 1  // "
        var decoded: [UInt8] = []
        while true {
            guard let byte = peek else {
                index = start
                throw error("the string starting here is not closed with '\"'")
            }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else {
                    index = start
                    throw error("the string starting here is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case 0..<0x20:
                index -= 1
                throw error("a control character inside a string; write it escaped, e.g. \\n or \\t")
            default:
                decoded.append(byte)
            }
        }
    }

    private mutating func escape(into decoded: inout [UInt8]) throws(SyntaxError) {
        guard let byte = peek else { throw error("unexpected end of the line after '\\'") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): decoded.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): decoded.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): decoded.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard skip("\\"), skip("u") else { throw error("a \\u escape of a high surrogate must be followed by one of a low surrogate") }
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("\\u\(String(low, radix: 16)) is not a low surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw error("a \\u escape of a lone low surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("\\u escape of an invalid scalar") }
            decoded.append(contentsOf: Array(String(unicode).utf8))
        default:
            index -= 1
            throw error("unknown escape '\\\(Self.printable(byte))'; JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
        }
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = peek, let digit = Self.hexValue(byte) else { throw error("expected 4 hexadecimal digits after \\u") }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(SyntaxError) -> String {
        let start = index
        _ = skip("-")
        guard let first = peek, Self.isDigit(first) else { throw error("expected a digit") }
        index += 1
        if first == UInt8(ascii: "0"), let next = peek, Self.isDigit(next) {
            throw error("numbers in JSON do not start with 0 (leading zeros are not allowed)")
        }
        skipDigits()
        if skip(".") {
            guard let next = peek, Self.isDigit(next) else { throw error("expected a digit after the decimal point") }
            skipDigits()
        }
        if skip("e") || skip("E") {
            _ = skip("+") || skip("-")
            guard let next = peek, Self.isDigit(next) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func literal(_ word: String) throws(SyntaxError) {
        let start = index
        for expected in word.utf8 {
            guard peek == expected else {
                index = start
                throw error("unexpected text; did you mean \(word)? (JSON literals are lowercase: true, false, null)")
            }
            index += 1
        }
    }

    // MARK: - Bytes

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard peek == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func skipDigits() {
        while let byte = peek, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
    }

    /// An error at the current position; the column counts characters, not bytes.
    private func error(_ message: String) -> SyntaxError {
        let end = min(index, bytes.count)
        let column = bytes[..<end].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        return SyntaxError(column: column, message: message)
    }
}
