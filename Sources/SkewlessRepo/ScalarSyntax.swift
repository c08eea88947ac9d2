/// How the text of an unquoted YAML scalar is read as null, a boolean or a number.
///
/// These follow the YAML 1.2 core schema, not libyaml's YAML 1.1 habits: `yes`, `no`, `on`
/// and `off` are text, and `010` is ten, not eight. Integers are decimal; numbers are
/// decimal with an optional fraction and exponent, or `.inf`, `-.inf`, `.nan`.
enum ScalarSyntax {
    /// `~`, `null`, `Null`, `NULL` or nothing at all.
    static func isNull(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// Whether `text` is an optional sign followed by ASCII digits, whatever its size.
    static func looksLikeInteger(_ text: String) -> Bool {
        var digits = Substring(text)
        if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
        return !digits.isEmpty && digits.unicodeScalars.allSatisfy { ("0"..."9").contains($0) }
    }

    /// A decimal integer that fits in an Int64; nil if `text` is not one.
    static func int64(_ text: String) -> Int64? {
        guard looksLikeInteger(text) else { return nil }
        return Int64(text)
    }

    /// A decimal number (`3`, `-0.5`, `1e-3`, `2.5E+4`) or `.inf`, `+.inf`, `-.inf`, `.nan`.
    /// Rejects the spellings Swift's `Double(_:)` also accepts (`inf`, `nan`, hexadecimal).
    static func number(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard looksLikeDecimalNumber(text) else { return nil }
        return Double(text)
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`
    private static func looksLikeDecimalNumber(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func isDigit(_ i: Int) -> Bool { i < scalars.count && ("0"..."9").contains(scalars[i]) }
        func skipDigits() -> Int {
            let start = index
            while isDigit(index) { index += 1 }
            return index - start
        }
        if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
        var mantissaDigits = skipDigits()
        if index < scalars.count, scalars[index] == "." {
            index += 1
            mantissaDigits += skipDigits()
        }
        guard mantissaDigits > 0 else { return false }
        if index < scalars.count, scalars[index] == "e" || scalars[index] == "E" {
            index += 1
            if index < scalars.count, scalars[index] == "+" || scalars[index] == "-" { index += 1 }
            guard skipDigits() > 0 else { return false }
        }
        return index == scalars.count
    }
}
