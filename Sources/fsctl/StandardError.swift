import Foundation

/// Writes to standard error (diagnostics; standard output carries only results).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Replaces the current line (a progress line on a terminal): carriage return, the
    /// text, then clear to the end of the line. An empty text clears the line.
    static func rewriteLine(_ text: String) {
        FileHandle.standardError.write(Data(("\r" + text + "\u{1B}[K").utf8))
    }
}
