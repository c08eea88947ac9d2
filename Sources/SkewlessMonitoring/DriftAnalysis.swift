import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessOfflineStore

/// Compares each feature of a view between two windows of event time in the offline store:
/// a reference (a period the model was trained on, say) and a current one (recent rows).
/// Every row written in a window counts, not only the latest per entity: drift is about the
/// values the world produced, and the offline store keeps them all. The reference can also
/// be a training set file (`TrainingSetColumns`): every row of it counts.
///
/// Numeric features (int32, int64, float, double, timestamp) get PSI over ten quantile bins
/// of the reference and KS; strings and bools get PSI over their categories. Bytes, lists
/// and embeddings are not compared (listed as skipped).
package struct DriftAnalysis: Sendable {
    /// Event times in [start, end), microseconds.
    package struct Window: Sendable, Hashable, Codable, CustomStringConvertible {
        package var start: Int64
        package var end: Int64

        package init(start: Int64, end: Int64) throws(SkewlessError) {
            guard start < end else {
                throw SkewlessError(.invalidArgument, "a window must end after it starts; got \(start)..\(end) (microseconds)")
            }
            self.start = start
            self.end = end
        }

        package func contains(_ time: Int64) -> Bool { time >= start && time < end }

        package var description: String {
            "\(TimeSyntax.rfc3339(micros: start))..\(TimeSyntax.rfc3339(micros: end))"
        }
    }

    /// Where the reference values come from.
    package enum Reference: Sendable {
        /// The rows of the offline store with event times in the window.
        case window(Window)
        /// Every row of a training set file (named as the user named it).
        case trainingSet(file: String, TrainingSetColumns)
    }

    package var view: FeatureView
    package var reference: Reference
    package var current: Window
    package var maxPSI: Double
    package var maxKS: Double

    /// Thresholds from the view's objectives, else the defaults.
    package init(view: FeatureView, reference: Reference, current: Window) {
        self.view = view
        self.reference = reference
        self.current = current
        self.maxPSI = view.objectives.maxPSI ?? ViewObjectives.defaultMaxPSI
        self.maxKS = view.objectives.maxKS ?? ViewObjectives.defaultMaxKS
    }

    /// A reference window of the offline store.
    package init(view: FeatureView, reference: Window, current: Window) {
        self.init(view: view, reference: .window(reference), current: current)
    }

    /// The window of the offline store the reference is read from; nil for a training set.
    private var referenceWindow: Window? {
        if case .window(let window) = reference { window } else { nil }
    }

    /// The reference as results name it: its window, or `training set FILE`.
    private var referenceDescription: String {
        switch reference {
        case .window(let window): window.description
        case .trainingSet(let file, _): "training set \(file)"
        }
    }

    /// What one run found.
    package struct Result: Sendable, Codable {
        package var view: String
        package var reference: String
        package var current: String
        package var maxPSI: Double
        package var maxKS: Double
        /// Compared features, the most drifted (highest PSI) first.
        package var features: [FeatureDrift]
        /// Fields not compared, with why.
        package var skipped: [String: String]

        package var drifted: [FeatureDrift] { features.filter(\.drifted) }
    }

    /// Reads the view's rows in both windows from `snapshot` (in the current one only, when
    /// the reference is a training set) and compares every field.
    package func run(on snapshot: ViewSnapshot) throws(SkewlessError) -> Result {
        var samples = [Sample](repeating: Sample(), count: view.fields.count)
        let skipped = addTrainingSet(to: &samples)
        try addRows(of: snapshot, to: &samples, current: true)
        return result(samples, current: current.description, skipped: skipped)
    }

    /// Compares the view's rows in the reference window of `snapshot` (or the reference
    /// training set) with the values the
    /// nodes served for `service` (the served-feature log, docs/served-log.md) at serve
    /// times in the current window: the drift between what the model was trained on and
    /// what it is being served. Every served value counts, defaults included (the model saw
    /// them); rows served without a value count as nulls. Fields of the view the service
    /// does not read (at this version) are listed as not compared.
    /// - Parameter served: records of the log; those of other services and serve times
    ///   outside the current window are left out.
    package func run(on snapshot: ViewSnapshot, currentServed served: [ServedLogRecord], service: String) throws(SkewlessError) -> Result {
        var samples = [Sample](repeating: Sample(), count: view.fields.count)
        var skipped = addTrainingSet(to: &samples)
        try addRows(of: snapshot, to: &samples, current: false)
        var fieldOfReference: [String: Int] = [:]
        for (index, field) in view.fields.enumerated() { fieldOfReference["\(view.qualifiedName):\(field.name)"] = index }
        var servedFields = Set<Int>()
        for record in served where record.service == service && current.contains(record.servedTime) {
            for feature in record.features {
                guard let index = fieldOfReference[feature.reference], feature.type == view.fields[index].type else { continue }
                servedFields.insert(index)
                let values = FieldValues(values: feature.values, nullRows: feature.statuses.map { !$0.hasValue })
                for row in 0..<record.rowCount {
                    samples[index].add(values, row: row, toReference: false)
                }
            }
        }
        for (index, field) in view.fields.enumerated() where !servedFields.contains(index) {
            let name = "\(view.qualifiedName):\(field.name)"
            if skipped[name] == nil { skipped[name] = "not served by \(service) in the current window" }
        }
        return result(samples, current: "served by \(service) \(current.description)", skipped: skipped)
    }

    /// Adds every row of the reference training set, if that is the reference, to `samples`;
    /// returns the fields the file has no column of, with why, keyed as results name them.
    private func addTrainingSet(to samples: inout [Sample]) -> [String: String] {
        guard case .trainingSet(let file, let columns) = reference else { return [:] }
        var skipped: [String: String] = [:]
        for (index, field) in view.fields.enumerated() {
            guard let values = columns.values[field.name] else {
                skipped["\(view.qualifiedName):\(field.name)"] = columns.missing[field.name] ?? "\(file) has no column of it"
                continue
            }
            for value in values {
                samples[index].add(value, toReference: true)
            }
        }
        return skipped
    }

    /// Adds the rows of `snapshot` whose event time is in the reference window (and, with
    /// `current`, in the current window) to `samples`.
    private func addRows(of snapshot: ViewSnapshot, to samples: inout [Sample], current withCurrent: Bool) throws(SkewlessError) {
        let referenceWindow = referenceWindow
        guard referenceWindow != nil || withCurrent else { return }
        for segment in snapshot.segments {
            let rows = try segment.allRows()
            for (row, time) in rows.eventTimes.enumerated() {
                let inReference = referenceWindow?.contains(time) ?? false
                guard inReference || (withCurrent && current.contains(time)) else { continue }
                for index in view.fields.indices {
                    samples[index].add(rows.fields[index], row: row, toReference: inReference)
                }
            }
        }
    }

    private func result(_ samples: [Sample], current: String, skipped: [String: String]) -> Result {
        var features: [FeatureDrift] = []
        var skipped = skipped
        for (index, field) in view.fields.enumerated() {
            let name = "\(view.qualifiedName):\(field.name)"
            guard skipped[name] == nil else { continue }
            if let why = samples[index].unsupported {
                skipped[name] = why
            } else {
                features.append(compare(samples[index], feature: name, type: field.type))
            }
        }
        features.sort { $0.psi != $1.psi ? $0.psi > $1.psi : $0.feature < $1.feature }
        return Result(
            view: view.qualifiedName, reference: referenceDescription, current: current, maxPSI: maxPSI, maxKS: maxKS,
            features: features, skipped: skipped)
    }

    private func compare(_ sample: Sample, feature: String, type: FeatureType) -> FeatureDrift {
        var drift = FeatureDrift(
            feature: feature, type: type.description, referenceCount: sample.referenceCount, currentCount: sample.currentCount,
            referenceNullShare: sample.referenceNullShare, currentNullShare: sample.currentNullShare, psi: 0, ks: nil, drifted: false,
            reason: nil, bins: [])
        guard sample.referenceCount > 0, sample.currentCount > 0 else {
            // Nothing to compare: no figures, rather than the floor's large, meaningless PSI.
            drift.drifted = true
            let place = referenceWindow == nil ? "the reference training set" : "the reference window"
            drift.reason = sample.referenceCount == 0 ? "no values in \(place)" : "no values in the current window"
            return drift
        }
        if !sample.referenceCategories.isEmpty || !sample.currentCategories.isEmpty {
            let shares = DriftStatistics.categoryShares(reference: sample.referenceCategories, current: sample.currentCategories)
            drift.psi = DriftStatistics.psi(referenceShares: shares.reference, currentShares: shares.current)
            drift.bins = zip(shares.categories, zip(shares.reference, shares.current)).map { FeatureDrift.Bin(label: $0, reference: $1.0, current: $1.1) }
        } else {
            let a = sample.referenceNumbers.sorted()
            let b = sample.currentNumbers.sorted()
            let edges = DriftStatistics.quantileEdges(a, bins: 10)
            let (r, c) = (DriftStatistics.shares(a, edges: edges), DriftStatistics.shares(b, edges: edges))
            drift.psi = DriftStatistics.psi(referenceShares: r, currentShares: c)
            drift.ks = DriftStatistics.ks(sortedReference: a, sortedCurrent: b)
            let labels = (0...edges.count).map { i in i < edges.count ? "<= \(Self.short(edges[i]))" : "> \(edges.last.map(Self.short) ?? "-")" }
            drift.bins = zip(labels, zip(r, c)).map { FeatureDrift.Bin(label: $0, reference: $1.0, current: $1.1) }
        }
        if drift.psi > maxPSI {
            drift.drifted = true
            drift.reason = String(format: "PSI %.3f > %.3f", drift.psi, maxPSI)
        } else if let ks = drift.ks, ks > maxKS {
            drift.drifted = true
            drift.reason = String(format: "KS %.3f > %.3f", ks, maxKS)
        }
        return drift
    }

    static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: "%.4g", value)
    }

    /// One field's values in both windows: numbers (int32, int64, float, double, timestamp)
    /// or categories (strings, bools), whichever its type gives; or why it is not compared.
    struct Sample {
        var referenceNumbers: [Double] = []
        var currentNumbers: [Double] = []
        var referenceCategories: [String] = []
        var currentCategories: [String] = []
        /// Set for a type with no distribution to compare.
        var unsupported: String?
        var referenceRows = 0
        var currentRows = 0

        var referenceCount: Int { referenceNumbers.count + referenceCategories.count }
        var currentCount: Int { currentNumbers.count + currentCategories.count }
        var referenceNullShare: Double { referenceRows == 0 ? 0 : 1 - Double(referenceCount) / Double(referenceRows) }
        var currentNullShare: Double { currentRows == 0 ? 0 : 1 - Double(currentCount) / Double(currentRows) }

        mutating func add(_ field: FieldValues, row: Int, toReference: Bool) {
            if toReference { referenceRows += 1 } else { currentRows += 1 }
            guard unsupported == nil, field.nullRows?[row] != true else { return }
            switch field.values {
            case .int32(let v): add(number: Double(v[row]), toReference: toReference)
            case .int64(let v): add(number: Double(v[row]), toReference: toReference)
            case .float(let v): add(number: Double(v[row]), toReference: toReference)
            case .double(let v): add(number: v[row], toReference: toReference)
            case .timestamp(let v): add(number: Double(v[row]), toReference: toReference)
            case .bool(let v): add(category: v[row] ? "true" : "false", toReference: toReference)
            case .string(let v): add(category: v[row], toReference: toReference)
            case .bytes: unsupported = Self.bytesWhy
            case .embedding: unsupported = Self.embeddingWhy
            case .int64List, .stringList: unsupported = Self.listWhy
            }
        }

        /// One row's value (nil: null), as a training set file gives it.
        mutating func add(_ value: FeatureValue?, toReference: Bool) {
            if toReference { referenceRows += 1 } else { currentRows += 1 }
            guard unsupported == nil, let value else { return }
            switch value.storage {
            case .int32(let v): add(number: Double(v), toReference: toReference)
            case .int64(let v): add(number: Double(v), toReference: toReference)
            case .float(let v): add(number: Double(v), toReference: toReference)
            case .double(let v): add(number: v, toReference: toReference)
            case .timestamp(let v): add(number: Double(v), toReference: toReference)
            case .bool(let v): add(category: v ? "true" : "false", toReference: toReference)
            case .string(let v): add(category: v, toReference: toReference)
            case .bytes: unsupported = Self.bytesWhy
            case .embedding: unsupported = Self.embeddingWhy
            case .int64List, .stringList: unsupported = Self.listWhy
            }
        }

        private static let bytesWhy = "bytes have no distribution to compare"
        private static let embeddingWhy = "embeddings are not compared (compare a derived feature, such as a norm)"
        private static let listWhy = "lists are not compared"

        private mutating func add(number: Double, toReference: Bool) {
            guard number.isFinite else { return }  // NaN or infinity: not a point of a distribution
            if toReference { referenceNumbers.append(number) } else { currentNumbers.append(number) }
        }

        private mutating func add(category: String, toReference: Bool) {
            if toReference { referenceCategories.append(category) } else { currentCategories.append(category) }
        }
    }
}
