import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SkewlessModel

/// A scrape of a node's metrics, parsed from Prometheus's text format (0.0.4) by a reader
/// written here from the format's description, independent of the code that wrote it: each
/// sample line is `name{label="value",...} number`; `#` lines are HELP and TYPE.
struct MetricsExposition {
    struct Sample: Hashable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []
    /// Each family's TYPE line.
    var types: [String: String] = [:]
    var text: String

    init(parsing text: String) throws {
        self.text = text
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst("# TYPE ".count).split(separator: " ")
                if parts.count == 2 { types[String(parts[0])] = String(parts[1]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            samples.append(try Self.sample(String(line)))
        }
    }

    private static func sample(_ line: String) throws -> Sample {
        var name = ""
        var labels: [String: String] = [:]
        var rest = Substring(line)
        if let brace = rest.firstIndex(of: "{") {
            name = String(rest[..<brace])
            rest = rest[rest.index(after: brace)...]
            while !rest.hasPrefix("}") {
                guard let equals = rest.firstIndex(of: "=") else { throw ParseError(line: line) }
                let key = String(rest[..<equals]).trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                rest = rest[rest.index(after: equals)...]
                guard rest.hasPrefix("\"") else { throw ParseError(line: line) }
                rest = rest.dropFirst()
                var value = ""
                while let character = rest.first, character != "\"" {
                    if character == "\\", let next = rest.dropFirst().first {
                        value.append(next == "n" ? "\n" : next)
                        rest = rest.dropFirst(2)
                    } else {
                        value.append(character)
                        rest = rest.dropFirst()
                    }
                }
                guard rest.hasPrefix("\"") else { throw ParseError(line: line) }
                rest = rest.dropFirst()
                if rest.hasPrefix(",") { rest = rest.dropFirst() }
                labels[key] = value
            }
            rest = rest.dropFirst()
        } else {
            guard let space = rest.firstIndex(of: " ") else { throw ParseError(line: line) }
            name = String(rest[..<space])
            rest = rest[space...]
        }
        let number = rest.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init) ?? ""
        let value: Double
        switch number {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default:
            guard let parsed = Double(number) else { throw ParseError(line: line) }
            value = parsed
        }
        return Sample(name: name, labels: labels, value: value)
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "not a sample line of the text format: \(line)" }
    }

    /// The samples of `name` whose labels include `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The value of the one sample of `name` with exactly these labels (histograms' `le` aside); nil when there is none.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Every metric family named, histograms by their family name.
    var familyNames: Set<String> {
        Set(types.keys)
    }

    /// GETs `path` from the metrics listener at 127.0.0.1:`port`: the status and the body.
    static func get(port: Int, path: String = "/metrics", method: HTTPMethod = .GET) async throws -> (status: UInt, contentType: String?, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        return (response.status.code, response.headers.first(name: "Content-Type"), String(buffer: body))
    }

    /// A scrape of the node's metrics port, parsed.
    static func scrape(port: Int) async throws -> MetricsExposition {
        let (status, _, body) = try await get(port: port)
        guard status == 200 else { throw SkewlessError(.unavailable, "GET /metrics answered \(status): \(body)") }
        return try MetricsExposition(parsing: body)
    }
}
