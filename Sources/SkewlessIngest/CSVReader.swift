/// Reads comma-separated values as RFC 4180 defines them, one record at a time.
///
/// - Fields are separated by `,` and records by CRLF, LF or a lone CR.
/// - A field in double quotes may hold commas, line breaks and quotes written twice (`""`).
///   After the closing quote comes a comma, a line break or the end of the text.
/// - A quote inside a field that does not start with one is an error, as is a quoted field
///   that is never closed: both usually mean a file that is not the CSV it claims to be,
///   and guessing would shift every later column.
/// - Blank lines between records are skipped; a line break at the end is optional.
/// - A UTF-8 byte order mark at the start is skipped; fields must be UTF-8.
///
/// Each field says whether it was quoted, so that callers can tell `,,` (nothing) from
/// `,"",` (an empty text), as PostgreSQL's `COPY ... CSV` does.
struct CSVReader {
    struct Field: Sendable, Hashable {
        var text: String
        var isQuoted: Bool

        init(_ text: String, isQuoted: Bool = false) {
            self.text = text
            self.isQuoted = isQuoted
        }
    }

    struct Record: Sendable, Hashable {
        var fields: [Field]
        /// The 1-based line on which the record starts.
        var line: Int
    }

    struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// 1-based.
        var line: Int
        var message: String

        var description: String { "line \(line): \(message)" }
    }

    private let bytes: [UInt8]
    private var index: Int
    private var line = 1

    /// - Parameter firstLine: the line number of the first byte (a later piece of a file read
    ///   piece by piece starts on a later line).
    init(bytes: [UInt8], firstLine: Int = 1) {
        self.bytes = bytes
        index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        line = firstLine
    }

    init(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// The next record, or nil at the end of the text.
    mutating func next() throws(SyntaxError) -> Record? {
        while let byte = peek, Self.isLineBreak(byte) {
            consumeLineBreak()
        }
        guard index < bytes.count else { return nil }
        let startLine = line
        var fields: [Field] = []
        while true {
            fields.append(try field())
            guard let byte = peek else { return Record(fields: fields, line: startLine) }
            if byte == Self.comma {
                index += 1
                continue
            }
            consumeLineBreak()
            return Record(fields: fields, line: startLine)
        }
    }

    /// Every remaining record.
    mutating func readAll() throws(SyntaxError) -> [Record] {
        var records: [Record] = []
        while let record = try next() { records.append(record) }
        return records
    }

    // MARK: - Fields

    private mutating func field() throws(SyntaxError) -> Field {
        if peek == Self.quote { return try quotedField() }
        let start = index
        while let byte = peek, byte != Self.comma, !Self.isLineBreak(byte) {
            if byte == Self.quote {
                throw SyntaxError(line: line, message: "a double quote inside a field that does not start with one; to include a quote, put the whole field in double quotes and write the quote twice (\"say \"\"hi\"\"\")")
            }
            index += 1
        }
        return Field(try text(bytes[start..<index]), isQuoted: false)
    }

    private mutating func quotedField() throws(SyntaxError) -> Field {
        let startLine = line
        index += 1  // opening quote
        var content: [UInt8] = []
        while true {
            guard let byte = peek else {
                throw SyntaxError(line: startLine, message: "the quoted field starting on this line is never closed: a double quote is missing (a quote inside a quoted field is written twice: \"\")")
            }
            if byte == Self.quote {
                if index + 1 < bytes.count, bytes[index + 1] == Self.quote {
                    content.append(Self.quote)
                    index += 2
                    continue
                }
                index += 1  // closing quote
                if let next = peek, next != Self.comma, !Self.isLineBreak(next) {
                    throw SyntaxError(line: line, message: "unexpected text after the closing quote of a field; a quote inside a quoted field is written twice (\"\")")
                }
                return Field(try text(content[...]), isQuoted: true)
            }
            if byte == Self.lineFeed || (byte == Self.carriageReturn && (index + 1 == bytes.count || bytes[index + 1] != Self.lineFeed)) {
                line += 1
            }
            content.append(byte)
            index += 1
        }
    }

    private func text(_ bytes: ArraySlice<UInt8>) throws(SyntaxError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SyntaxError(line: line, message: "the text is not valid UTF-8; save the file as UTF-8")
        }
        return text
    }

    // MARK: - Bytes

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private static func isLineBreak(_ byte: UInt8) -> Bool { byte == lineFeed || byte == carriageReturn }

    /// Consumes CRLF, LF or CR.
    private mutating func consumeLineBreak() {
        if peek == Self.carriageReturn { index += 1 }
        if peek == Self.lineFeed { index += 1 }
        line += 1
    }
}
