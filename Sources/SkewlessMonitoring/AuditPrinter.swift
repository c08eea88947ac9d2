import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore

/// Prints a `ServedAudit.Report` (`fsctl audit`): a table for people, JSON for machines.
package enum AuditPrinter {
    /// Per feature: checked, matched, the match rate and the mismatches by cause; then every
    /// mismatch, one line each, and the values not checked.
    package static func table(_ report: ServedAudit.Report) -> String {
        var lines: [String] = []
        let window = [report.selection.from.map { "from \(TimeSyntax.rfc3339(micros: $0))" }, report.selection.to.map { "to \(TimeSyntax.rfc3339(micros: $0))" }]
            .compactMap { $0 }.joined(separator: " ")
        lines.append(
            "audit of \(report.selection.service ?? "every service")\(window.isEmpty ? "" : ", served \(window)"): \(report.records) reads, "
                + "\(report.rows) rows, \(report.checked) values checked, \(percent(report.matchRate)) match")
        let causes = AuditCause.allCases
        let rows = report.features.map { feature in
            [feature.feature, String(feature.checked), String(feature.matched), percent(feature.matchRate)]
                + causes.map { String(feature.causes[$0] ?? 0) }
        }
        lines.append(TablePrinter(headers: ["FEATURE", "CHECKED", "MATCHED", "MATCH"] + causes.map { $0.rawValue.uppercased() }, rows: rows).render())
        if !report.mismatches.isEmpty {
            lines.append("")
            lines.append("mismatches:")
            lines.append(TablePrinter(
                headers: ["SERVED", "REQUEST", "NODE", "ENTITY", "FEATURE", "CAUSE", "SERVED VALUE", "KNOWN THEN", "POINT IN TIME NOW"],
                rows: report.mismatches.map { mismatch in
                    [
                        TimeSyntax.rfc3339(micros: mismatch.servedTime), mismatch.requestID, mismatch.node, mismatch.entity.description,
                        mismatch.servedFeature == mismatch.feature ? mismatch.feature : "\(mismatch.feature) (served \(mismatch.servedFeature))",
                        mismatch.cause.rawValue, cell(mismatch.served), cell(mismatch.known), cell(mismatch.pointInTime),
                    ]
                }).render())
            lines.append("")
            for cause in causes where report.mismatches.contains(where: { $0.cause == cause }) {
                lines.append("\(cause.rawValue): \(cause.explanation)")
            }
        }
        for (reason, count) in report.skipped.sorted(by: { $0.key < $1.key }) {
            lines.append("not checked: \(count) values: \(reason)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The report as JSON: the totals, every feature's counts and every mismatch with the
    /// three cells compared.
    package static func json(_ report: ServedAudit.Report, maxMismatchRate: Double, ignoring: Set<AuditCause>) -> String {
        let rate = report.mismatchRate(ignoring: ignoring)
        return JSONValue.object([
            JSONValue.Member("service", report.selection.service.map { .string($0) } ?? .null),
            JSONValue.Member("from_micros", report.selection.from.map { .integer($0) } ?? .null),
            JSONValue.Member("to_micros", report.selection.to.map { .integer($0) } ?? .null),
            JSONValue.Member("reads", .integer(report.records)),
            JSONValue.Member("rows", .integer(report.rows)),
            JSONValue.Member("checked", .integer(report.checked)),
            JSONValue.Member("matched", .integer(report.matched)),
            JSONValue.Member("match_rate", .number(String(report.matchRate))),
            JSONValue.Member("mismatch_rate", .number(String(rate))),
            JSONValue.Member("max_mismatch_rate", .number(String(maxMismatchRate))),
            JSONValue.Member("ignored_causes", .array(ignoring.sorted().map { .string($0.rawValue) })),
            JSONValue.Member("passed", .bool(rate <= maxMismatchRate)),
            JSONValue.Member("features", .array(report.features.map { feature in
                .object([
                    JSONValue.Member("feature", .string(feature.feature)),
                    JSONValue.Member("checked", .integer(feature.checked)),
                    JSONValue.Member("matched", .integer(feature.matched)),
                    JSONValue.Member("match_rate", .number(String(feature.matchRate))),
                    JSONValue.Member("mismatches", .object(AuditCause.allCases.map { JSONValue.Member($0.rawValue, .integer(feature.causes[$0] ?? 0)) })),
                ])
            })),
            JSONValue.Member("mismatches", .array(report.mismatches.map { mismatch in
                .object([
                    JSONValue.Member("served_micros", .integer(mismatch.servedTime)),
                    JSONValue.Member("request_id", .string(mismatch.requestID)),
                    JSONValue.Member("node", .string(mismatch.node)),
                    JSONValue.Member("service", .string(mismatch.service)),
                    JSONValue.Member("entity", .array(mismatch.entity.parts.map(ValueFormatter.json))),
                    JSONValue.Member("feature", .string(mismatch.feature)),
                    JSONValue.Member("served_feature", .string(mismatch.servedFeature)),
                    JSONValue.Member("cause", .string(mismatch.cause.rawValue)),
                    JSONValue.Member("served", json(mismatch.served)),
                    JSONValue.Member("known_then", json(mismatch.known)),
                    JSONValue.Member("point_in_time_now", json(mismatch.pointInTime)),
                ])
            })),
            JSONValue.Member("not_checked", .object(report.skipped.sorted(by: { $0.key < $1.key }).map { JSONValue.Member($0.key, .integer($0.value)) })),
            JSONValue.Member("warnings", .array(report.warnings.map { .string($0) })),
        ]).serialized()
    }

    static func json(_ cell: AuditCell) -> JSONValue {
        .object([
            JSONValue.Member("status", .string(ValueFormatter.statusName(cell.status))),
            JSONValue.Member("value", cell.value.map(ValueFormatter.json) ?? .null),
            JSONValue.Member("event_time_micros", cell.eventTime.map { .integer($0) } ?? .null),
        ])
    }

    /// "0.25 @2026-12-07T10:00:00Z", "0 (defaulted)", "- (not found)".
    static func cell(_ cell: AuditCell) -> String {
        let text = ValueFormatter.cell(cell.value, status: cell.status)
        return cell.eventTime.map { "\(text) @\(TimeSyntax.rfc3339(micros: $0))" } ?? text
    }

    static func percent(_ rate: Double) -> String {
        String(format: "%.2f%%", rate * 100)
    }
}
