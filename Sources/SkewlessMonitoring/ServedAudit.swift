import SkewlessCompression
import SkewlessModel
import SkewlessOfflineStore

/// Checks what the nodes served against the offline store (docs/operations.md, "Auditing
/// what was served"): for every feature of every row in the served-feature log, the value
/// the offline store gives point in time at its serve time T, as of known time (rows created
/// at or before T: what the store knew then) and without that rule (what training sets
/// built now hold); a served value that differs from either is a mismatch, with its cause
/// (`AuditCause`, decided by `classify`).
///
/// Each served feature is checked against the view version its service reads in `repo`
/// now (so a read served from another version is found), under `repo`'s TTLs; a feature the
/// service no longer reads is checked against the version it was served from.
package struct ServedAudit: Sendable {
    /// One served value that differs, and why.
    package struct Mismatch: Sendable, Hashable {
        package var requestID: String
        package var servedTime: Int64
        package var node: String
        package var service: String
        package var entity: EntityKey
        /// The feature checked, "view@version:field" as the service reads it now.
        package var feature: String
        /// As served, when it differs from `feature` (another version).
        package var servedFeature: String
        package var cause: AuditCause
        package var served: AuditCell
        /// Point in time at the serve time, as of known time.
        package var known: AuditCell
        /// Point in time at the serve time, with every row the store holds now.
        package var pointInTime: AuditCell
    }

    /// What was checked of one feature.
    package struct FeatureSummary: Sendable, Hashable {
        package var feature: String
        package var checked = 0
        package var matched = 0
        package var causes: [AuditCause: Int] = [:]

        package var matchRate: Double { checked == 0 ? 1 : Double(matched) / Double(checked) }
    }

    /// What one audit found.
    package struct Report: Sendable {
        package var selection: ServedLogReader.Selection
        /// Records read (one per read and node) and their entity rows.
        package var records = 0
        package var rows = 0
        /// By view, then feature.
        package var features: [FeatureSummary] = []
        /// In serve-time order.
        package var mismatches: [Mismatch] = []
        /// Values not checked, by reason.
        package var skipped: [String: Int] = [:]
        /// The log's warnings (skipped torn tails).
        package var warnings: [String] = []

        package var checked: Int { features.reduce(0) { $0 + $1.checked } }
        package var matched: Int { features.reduce(0) { $0 + $1.matched } }
        package var matchRate: Double { checked == 0 ? 1 : Double(matched) / Double(checked) }

        /// The share of checked values that mismatch for a cause not in `ignoring`.
        package func mismatchRate(ignoring: Set<AuditCause> = []) -> Double {
            guard checked > 0 else { return 0 }
            let counted = mismatches.filter { !ignoring.contains($0.cause) }.count
            return Double(counted) / Double(checked)
        }
    }

    package let repo: FeatureRepo
    package let store: OfflineStore

    package init(repo: FeatureRepo, store: OfflineStore) {
        self.repo = repo
        self.store = store
    }

    /// One served value to check: where it is in the log, and what to check it against.
    private struct Target {
        var record: Int
        var feature: Int
        var view: FeatureView
        var fieldIndex: Int
        var otherVersion: Bool
    }

    /// Audits the log records `selection` picks.
    /// - Throws: what reading the log or the store throws (`dataLoss` for a corrupt segment).
    package func run(_ selection: ServedLogReader.Selection) throws(SkewlessError) -> Report {
        let read = try ServedLogReader(store: store).read(selection)
        var report = Report(selection: selection)
        report.warnings = read.warnings
        report.records = read.records.count
        report.rows = read.records.reduce(0) { $0 + $1.rowCount }
        // What each served feature is checked against, grouped by view version.
        var targets: [String: [Target]] = [:]
        var views: [String: FeatureView] = [:]
        for (recordIndex, record) in read.records.enumerated() {
            let current = try? repo.resolve(service: record.service)
            for (featureIndex, feature) in record.features.enumerated() {
                guard let reference = try? FeatureReference(parsing: feature.reference) else {
                    report.skipped["unreadable feature reference", default: 0] += record.rowCount
                    continue
                }
                var resolved = current?.first { $0.view.name == reference.view && $0.field.name == reference.field }
                if resolved == nil { resolved = try? repo.resolve(reference) }
                guard let resolved else {
                    report.skipped["\(feature.reference) is not in the repo", default: 0] += record.rowCount
                    continue
                }
                guard resolved.field.type == feature.type else {
                    report.skipped["\(feature.reference) was served as \(feature.type), the repo has \(resolved.field.type)", default: 0] += record.rowCount
                    continue
                }
                let name = resolved.view.qualifiedName
                views[name] = resolved.view
                targets[name, default: []].append(Target(
                    record: recordIndex, feature: featureIndex, view: resolved.view, fieldIndex: resolved.fieldIndex,
                    otherVersion: resolved.view.version != reference.version))
            }
        }
        var summaries: [String: FeatureSummary] = [:]
        for name in targets.keys.sorted() {
            guard let view = views[name], let viewTargets = targets[name] else { continue }
            try audit(view: view, targets: viewTargets, records: read.records, into: &report, summaries: &summaries)
        }
        report.features = summaries.values.sorted { $0.feature < $1.feature }
        report.mismatches.sort { ($0.servedTime, $0.requestID, $0.node, $0.feature) < ($1.servedTime, $1.requestID, $1.node, $1.feature) }
        return report
    }

    /// Checks every served value of one view version.
    private func audit(
        view: FeatureView, targets: [Target], records: [ServedLogRecord], into report: inout Report, summaries: inout [String: FeatureSummary]
    ) throws(SkewlessError) {
        let joinKeys = repo.joinKeys(of: view)
        // One label per (record, row) with a feature of this view: its key and serve time.
        var labelOfRow: [Int: [Int]] = [:]  // record -> label per row
        var keyParts: [[KeyPart]] = joinKeys.map { _ in [] }
        var times: [Int64] = []
        for target in targets where labelOfRow[target.record] == nil {
            let record = records[target.record]
            var labels: [Int] = []
            for row in 0..<record.rowCount {
                guard let key = record.entityKey(row: row, joinKeys: joinKeys) else {
                    labels.append(-1)
                    continue
                }
                labels.append(times.count)
                for (index, part) in key.parts.enumerated() { keyParts[index].append(part) }
                times.append(record.servedTime)
            }
            labelOfRow[target.record] = labels
        }
        var keyColumns: [String: KeyColumn] = [:]
        for (index, joinKey) in joinKeys.enumerated() {
            switch joinKey.type.storage {
            case .int64: keyColumns[joinKey.name] = .int64(keyParts[index].map { if case .int64(let value) = $0.storage { value } else { 0 } })
            case .string: keyColumns[joinKey.name] = .string(keyParts[index].map { if case .string(let value) = $0.storage { value } else { "" } })
            }
        }
        var fieldIndexes: [Int] = []
        for target in targets where !fieldIndexes.contains(target.fieldIndex) { fieldIndexes.append(target.fieldIndex) }
        let features = fieldIndexes.map { ResolvedFeature(view: view, fieldIndex: $0) }
        let labels = HistoricalLabels(keys: keyColumns, times: times)
        let known = try store.historical(labels: labels, features: features, joinKeys: { _ in joinKeys }, asOfKnownTime: true)
        let all = try store.historical(labels: labels, features: features, joinKeys: { _ in joinKeys }, asOfKnownTime: false)
        for target in targets {
            let record = records[target.record]
            let feature = record.features[target.feature]
            guard let column = fieldIndexes.firstIndex(of: target.fieldIndex), let rows = labelOfRow[target.record] else { continue }
            let checkedName = "\(view.qualifiedName):\(view.fields[target.fieldIndex].name)"
            var summary = summaries[checkedName] ?? FeatureSummary(feature: checkedName)
            for row in 0..<record.rowCount {
                let label = rows[row]
                guard label >= 0, let entity = record.entityKey(row: row, joinKeys: joinKeys) else {
                    report.skipped["the log lacks a join key of \(view.qualifiedName)", default: 0] += 1
                    continue
                }
                let time = feature.eventTimes[row]
                let served = AuditCell(status: feature.statuses[row], value: feature.value(at: row), eventTime: time == 0 ? nil : time)
                let knownCell = try Self.cell(known[column], label)
                let pointInTime = try Self.cell(all[column], label)
                summary.checked += 1
                guard let cause = Self.classify(served: served, known: knownCell, pointInTime: pointInTime, otherVersion: target.otherVersion) else {
                    summary.matched += 1
                    continue
                }
                summary.causes[cause, default: 0] += 1
                report.mismatches.append(Mismatch(
                    requestID: record.requestID, servedTime: record.servedTime, node: record.node, service: record.service,
                    entity: entity, feature: checkedName, servedFeature: feature.reference,
                    cause: cause, served: served, known: knownCell, pointInTime: pointInTime))
            }
            summaries[checkedName] = summary
        }
    }

    private static func cell(_ column: HistoricalColumn, _ row: Int) throws(SkewlessError) -> AuditCell {
        AuditCell(status: column.statuses[row], value: try column.value(at: row), eventTime: column.eventTimes[row])
    }
}
