import ArgumentParser
import Skewless
import SkewlessIngest

/// `fsctl health`: whether a node serves, and what it holds.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Show whether a node is serving, its uptime, and how many rows it holds.")

    @OptionGroup var nodeOptions: NodeOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let health = try await nodeOptions.withClient(defaultTimeoutMilliseconds: 1_000) { client in
                try await client.health()
            }
            if json {
                print(JSONValue.object([
                    JSONValue.Member("node_id", .string(health.nodeID)),
                    JSONValue.Member("serving", .bool(health.isServing)),
                    JSONValue.Member("uptime_seconds", .integer(health.uptimeSeconds)),
                    JSONValue.Member("feature_views", .integer(health.featureViews)),
                    JSONValue.Member("entity_rows", .integer(health.entityRows)),
                    JSONValue.Member("open_connections", .integer(health.openConnections)),
                    JSONValue.Member("watermarks", .array(health.watermarks.map { watermark in
                        JSONValue.object([
                            JSONValue.Member("feature_view", .string(watermark.featureView)),
                            JSONValue.Member("watermark", .string(TimeSyntax.rfc3339(micros: watermark.watermarkMicros))),
                            JSONValue.Member("watermark_micros", .integer(watermark.watermarkMicros)),
                        ])
                    })),
                ]).serialized())
            } else {
                print(TablePrinter(rows: [
                    ["node", "\(health.nodeID) at \(nodeOptions.node)"],
                    ["serving", health.isServing ? "yes" : "no (draining for shutdown)"],
                    ["uptime", Self.uptime(seconds: health.uptimeSeconds)],
                    ["feature views", String(health.featureViews)],
                    ["entity rows", String(health.entityRows)],
                    ["connections", String(health.openConnections)],
                ] + health.watermarks.map { watermark in
                    ["watermark \(watermark.featureView)", TimeSyntax.rfc3339(micros: watermark.watermarkMicros)]
                } + (health.materializing.map { progress in
                    [["materializing", "\(progress.featureView) (view \(progress.viewsDone + 1) of \(progress.viewsTotal)): \(progress.entitiesWritten) entity rows written"]]
                } ?? [])).render())
            }
        }
    }

    static func uptime(seconds: UInt64) -> String {
        let days = seconds / 86_400, hours = seconds / 3_600 % 24, minutes = seconds / 60 % 60
        if days > 0 { return "\(days)d \(hours)h \(minutes)m" }
        if hours > 0 { return "\(hours)h \(minutes)m \(seconds % 60)s" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }
}
