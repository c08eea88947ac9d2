import Crypto
import Foundation
import SkewlessModel

/// The API keys a node accepts: a text file of lines `PRINCIPAL SHA256HEX`, the principal's
/// name and the SHA-256 of its key in hex (docs/operations.md, "API keys"). Blank lines and
/// lines starting with `#` are ignored. The node never holds the keys themselves.
///
///     # printf %s "$KEY" | sha256sum
///     recsys-ranker  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
struct APIKeyFile: Sendable {
    /// SHA-256 (hex) -> principal.
    private let principals: [String: String]

    init(principals: [String: String]) {
        self.principals = principals
    }

    /// - Throws: `INVALID_ARGUMENT` naming the file and line of a malformed entry.
    static func load(path: String) throws(SkewlessError) -> APIKeyFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw SkewlessError(.invalidArgument, "cannot read the API key file \(path): it does not exist or is not UTF-8 text")
        }
        var principals: [String: String] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(whereSeparator: \.isWhitespace)
            let hex = parts.last.map { $0.lowercased() } ?? ""
            guard parts.count == 2, hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw SkewlessError(.invalidArgument, "\(path):\(index + 1): expected 'PRINCIPAL SHA256HEX' (the key's SHA-256 in 64 hex digits: printf %s \"$KEY\" | sha256sum)")
            }
            if let other = principals[hex] {
                throw SkewlessError(.invalidArgument, "\(path):\(index + 1): this key's hash is already the key of '\(other)': give each principal its own key")
            }
            principals[hex] = String(parts[0])
        }
        return APIKeyFile(principals: principals)
    }

    /// The principal whose key `token` is, if any.
    func principal(forKey token: String) -> String? {
        principals[Self.hash(token)]
    }

    static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    var isEmpty: Bool { principals.isEmpty }
}
