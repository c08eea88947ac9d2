import SkewlessModel

/// Where a node listens: a host name or IP address and a TCP port, written `host:port`
/// (`[::1]:7421` for an IPv6 address).
package struct NodeAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    package let host: String
    package let port: Int

    /// - Throws: `INVALID_ARGUMENT` for an empty host or a port outside 1...65535.
    package init(host: String, port: Int) throws(SkewlessError) {
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw SkewlessError(.invalidArgument, "'\(host)' is not a host name or IP address")
        }
        guard (1...65535).contains(port) else {
            throw SkewlessError(.invalidArgument, "port \(port) is not a TCP port: use 1 to 65535")
        }
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[ipv6]:port`.
    /// - Throws: `INVALID_ARGUMENT`, naming the expected form.
    package init(parsing text: String) throws(SkewlessError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") {
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            throw SkewlessError(.invalidArgument, "'\(text)' is not a node address: write host:port, for example 10.0.0.5:7421 or [::1]:7421")
        }
        guard let port = Int(portText) else {
            throw SkewlessError(.invalidArgument, "'\(text)' has no numeric port: write host:port, for example 10.0.0.5:7421")
        }
        try self.init(host: String(host), port: port)
    }

    package init(from decoder: any Decoder) throws {
        try self.init(parsing: decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    package var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
