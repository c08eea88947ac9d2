import Foundation
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
                    JSONValue.Member("freshness", .array(health.freshness.map(Self.json))),
                    JSONValue.Member("served_log", health.servedLog.map(Self.json) ?? .null),
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
                } ?? []) + (health.servedLog.map { log in
                    [["served log", Self.servedLog(log)]]
                } ?? [])).render())
                let active = health.freshness.filter { $0.newestEventTime != nil || $0.logUnsealedRecords > 0 || $0.rowsLogged > 0 }
                if !active.isEmpty {
                    print("")
                    let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
                    print(TablePrinter(
                        headers: ["VIEW", "NEWEST EVENT", "NEWEST ARRIVAL", "LOG UNSEALED", "OLDEST UNSEALED", "ROWS LOGGED"],
                        rows: active.map { view in
                            [
                                view.featureView, Self.age(view.newestEventTime, now: now), Self.age(view.newestArrival, now: now),
                                "\(view.logUnsealedRecords) records, \(Self.bytes(view.logUnsealedBytes))", Self.age(view.logOldestUnsealed, now: now),
                                String(view.rowsLogged),
                            ]
                        }).render())
                }
            }
        }
    }

    static func json(_ view: ViewFreshness) -> JSONValue {
        JSONValue.object([
            JSONValue.Member("feature_view", .string(view.featureView)),
            JSONValue.Member("newest_event_time_micros", view.newestEventTime.map { .integer($0) } ?? .null),
            JSONValue.Member("newest_arrival_micros", view.newestArrival.map { .integer($0) } ?? .null),
            JSONValue.Member("log_unsealed_records", .integer(view.logUnsealedRecords)),
            JSONValue.Member("log_unsealed_bytes", .integer(view.logUnsealedBytes)),
            JSONValue.Member("log_oldest_unsealed_micros", view.logOldestUnsealed.map { .integer($0) } ?? .null),
            JSONValue.Member("rows_logged", .integer(view.rowsLogged)),
        ])
    }

    static func json(_ log: ServedLogStatus) -> JSONValue {
        JSONValue.object([
            JSONValue.Member("enabled", .bool(log.enabled)),
            JSONValue.Member("records_logged", .integer(log.recordsLogged)),
            JSONValue.Member("rows_logged", .integer(log.rowsLogged)),
            JSONValue.Member("bytes_written", .integer(log.bytesWritten)),
            JSONValue.Member("dropped_queue_full", .integer(log.droppedQueueFull)),
            JSONValue.Member("dropped_write_failed", .integer(log.droppedWriteFailed)),
            JSONValue.Member("queued_records", .integer(log.queuedRecords)),
            JSONValue.Member("queued_bytes", .integer(log.queuedBytes)),
            JSONValue.Member("bytes_on_disk", .integer(log.bytesOnDisk)),
            JSONValue.Member("files_deleted", .integer(log.filesDeleted)),
        ])
    }

    /// "1200 reads (3400 rows) logged, 2 MiB on disk; dropped: 0 (queue full), 0 (write failed)".
    static func servedLog(_ log: ServedLogStatus) -> String {
        guard log.enabled else { return "off (no feature service has a log_sample_rate)" }
        return "\(log.recordsLogged) reads (\(log.rowsLogged) rows) logged, \(bytes(log.bytesOnDisk)) on disk, \(log.queuedRecords) queued; "
            + "dropped: \(log.droppedQueueFull) (queue full), \(log.droppedWriteFailed) (write failed)"
    }

    /// "3.2s ago (2026-12-07T07:20:01Z)", or "-".
    static func age(_ micros: Int64?, now: Int64) -> String {
        guard let micros else { return "-" }
        let seconds = Double(now - micros) / 1_000_000
        let ago = seconds < 120 ? String(format: "%.1fs", seconds) : uptime(seconds: UInt64(max(0, seconds)))
        return "\(ago) ago (\(TimeSyntax.rfc3339(micros: micros)))"
    }

    static func bytes(_ count: UInt64) -> String {
        count < 1 << 20 ? "\(count / 1024) KiB" : "\(count >> 20) MiB"
    }

    static func uptime(seconds: UInt64) -> String {
        let days = seconds / 86_400, hours = seconds / 3_600 % 24, minutes = seconds / 60 % 60
        if days > 0 { return "\(days)d \(hours)h \(minutes)m" }
        if hours > 0 { return "\(hours)h \(minutes)m \(seconds % 60)s" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }
}
