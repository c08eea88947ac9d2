/// A JSON value as `fsctl` reads and prints it. Numbers keep their text, so an int64 beyond
/// 2^53 is neither rounded on the way in nor on the way out; objects keep their key order.
package enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// The number exactly as written (JSON grammar), e.g. `-12`, `0.25`, `1e-3`.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([Member])

    package struct Member: Sendable, Hashable {
        var key: String
        var value: JSONValue

        package init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    package static func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        .number(String(value))
    }

    /// A finite number as a JSON number; NaN and the infinities as the strings `"NaN"`,
    /// `"Infinity"` and `"-Infinity"` (the convention of protobuf's JSON mapping), which
    /// JSON has no numbers for.
    static func floatingPoint<T: BinaryFloatingPoint & LosslessStringConvertible>(_ value: T) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(String(value))
    }

    /// What kind of value this is, for error messages: "the number 5", "a list", ...
    var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return "the boolean \(value)"
        case .number(let text): return "the number \(text)"
        case .string(let text): return "the string \"\(text)\""
        case .array: return "a list"
        case .object: return "an object"
        }
    }

    // MARK: - Writing

    /// The JSON text. With `indent`, objects and lists of objects or lists go one item per
    /// line; lists of plain values (an embedding, say) stay on one line.
    package func serialized(indent: Int? = 2) -> String {
        var output = ""
        write(to: &output, indent: indent, depth: 0)
        return output
    }

    private func write(to output: inout String, indent: Int?, depth: Int) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let text): output += text
        case .string(let text): Self.writeString(text, to: &output)
        case .array(let items):
            let multiline = indent != nil && items.contains { if case .array = $0 { true } else if case .object = $0 { true } else { false } }
            output += "["
            for (position, item) in items.enumerated() {
                if position > 0 { output += multiline || indent == nil ? "," : ", " }
                if multiline, let indent { Self.newline(&output, indent * (depth + 1)) }
                item.write(to: &output, indent: indent, depth: depth + 1)
            }
            if multiline, let indent { Self.newline(&output, indent * depth) }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, member) in members.enumerated() {
                if position > 0 { output += "," }
                if let indent { Self.newline(&output, indent * (depth + 1)) }
                Self.writeString(member.key, to: &output)
                output += indent == nil ? ":" : ": "
                member.value.write(to: &output, indent: indent, depth: depth + 1)
            }
            if let indent, !members.isEmpty { Self.newline(&output, indent * depth) }
            output += "}"
        }
    }

    private static func newline(_ output: inout String, _ spaces: Int) {
        output += "\n" + String(repeating: " ", count: spaces)
    }

    private static func writeString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
