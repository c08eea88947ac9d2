import Foundation

/// Writes to standard error (diagnostics; standard output carries only results).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
