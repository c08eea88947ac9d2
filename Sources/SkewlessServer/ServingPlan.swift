import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire

/// How to answer a request for a list of features: which views to read, with which join
/// keys and field indexes, and where each read column goes in the response.
///
/// Plans for feature services are built once when the node starts, so the hot path does
/// no name resolution: each view's table is found, and each column's name and type encoded,
/// once.
///
/// Classes, not structs: every event loop reads the same plans, and copying a plan (or one
/// of its view reads) per request retained each of its arrays, atomic operations on objects
/// the loops share. A request now retains the plan and each view read once.
final class ServingPlan: Sendable {
    final class ViewRead: Sendable {
        let view: FeatureView
        /// `view.qualifiedName`, for error messages.
        let viewName: String
        let table: OnlineStore.ViewTable
        let joinKeys: [JoinKey]
        let fieldIndexes: [Int]
        /// Position in the response of each entry of `fieldIndexes`.
        let outputPositions: [Int]
        /// The bool, float and double fields among `fieldIndexes`, their positions and
        /// bytes per value: a one-entity read copies their encoded columns from a template.
        let fixedWidthFields: [Int]
        let fixedWidthPositions: [Int]
        let fixedWidths: [Int]
        /// Their columns, for the two lengths of a one-row packed event time: 8 bytes (any
        /// time from 1987 to 4253 in microseconds) and 1 (the 0 of a missing row).
        let oneRowTemplates: [FixedWidthTemplate]
        /// The other fields and their positions.
        let otherFields: [Int]
        let otherPositions: [Int]
        /// The view's served-value counts, which each read of it adds its statuses to.
        let reads: ViewReadCounters.Counts

        init(
            view: FeatureView, viewName: String, table: OnlineStore.ViewTable, joinKeys: [JoinKey], fieldIndexes: [Int], outputPositions: [Int],
            headers: OnlineFeaturesFrameBuilder.ColumnHeaders, reads: ViewReadCounters.Counts
        ) {
            self.reads = reads
            self.view = view
            self.viewName = viewName
            self.table = table
            self.joinKeys = joinKeys
            self.fieldIndexes = fieldIndexes
            self.outputPositions = outputPositions
            var fixed: (fields: [Int], positions: [Int], widths: [Int]) = ([], [], [])
            var other: (fields: [Int], positions: [Int]) = ([], [])
            for (field, position) in zip(fieldIndexes, outputPositions) {
                if let width = OnlineFeaturesFrameBuilder.fixedWidth(of: view.fields[field].type) {
                    fixed.fields.append(field)
                    fixed.positions.append(position)
                    fixed.widths.append(width)
                } else {
                    other.fields.append(field)
                    other.positions.append(position)
                }
            }
            (fixedWidthFields, fixedWidthPositions, fixedWidths) = fixed
            (otherFields, otherPositions) = other
            oneRowTemplates = fixed.fields.isEmpty ? [] : [8, 1].map {
                FixedWidthTemplate(headers: headers, positions: fixed.positions, widths: fixed.widths, timesBytes: $0)
            }
        }

        /// The template for a one-row answer whose packed event time has `timesBytes` bytes.
        func oneRowTemplate(timesBytes: Int) -> FixedWidthTemplate? {
            for template in oneRowTemplates where template.timesBytes == timesBytes { return template }
            return nil
        }
    }

    let features: [ResolvedFeature]
    /// "view@version:field" of each feature, computed once.
    let names: [String]
    /// The type of each feature. Kept apart from `features` so the hot path does not copy
    /// (and retain every reference in) a whole view definition per column.
    let types: [FeatureType]
    /// Each feature's name and type as encoded in a response column.
    let headers: OnlineFeaturesFrameBuilder.ColumnHeaders
    let reads: [ViewRead]
    /// The feature service the plan reads, and its index in the repo; nil: a list of features.
    let service: (name: String, index: Int)?
    /// The features read, for access checks (`AccessRights.checkRead`).
    let fields: FieldSet
    /// The service whose reads this plan answers, when it logs some of them
    /// (docs/served-log.md); nil: nothing is logged.
    let logging: ServedLogPolicy?
    /// Every join key the plan's views read, in order of first use: the key columns a
    /// logged read keeps.
    let joinKeys: [JoinKey]
    /// `names` as the response decoder compares them: the served log's writer decodes a
    /// logged read's frame against them, on the decoder's fast path.
    let columnNames: ColumnNames

    /// - Parameters:
    ///   - counters: the node's served-value counts, which reads of each view add to.
    ///   - numbering: the repo's numbering of fields, for `fields`.
    ///   - service: the service the plan is for (or a list of its features is read for), if any.
    ///   - logging: the served-feature log's sampling of that service, if it logs reads.
    /// - Throws: `notFound` when `store` has no table for one of the features' views.
    init(
        features: [ResolvedFeature], repo: FeatureRepo, store: OnlineStore, counters: ViewReadCounters, numbering: FieldNumbering,
        service: (name: String, index: Int)? = nil, logging: ServedLogPolicy? = nil
    ) throws(SkewlessError) {
        self.service = service
        self.fields = numbering.set(of: features)
        self.logging = logging
        self.features = features
        self.names = features.map(\.qualifiedName)
        self.columnNames = ColumnNames(names)
        self.types = features.map(\.field.type)
        self.headers = OnlineFeaturesFrameBuilder.ColumnHeaders(names: names, types: types)
        var views: [(view: FeatureView, fieldIndexes: [Int], outputPositions: [Int])] = []
        var readIndex: [String: Int] = [:]
        for (position, feature) in features.enumerated() {
            let name = feature.view.qualifiedName
            if let index = readIndex[name] {
                views[index].fieldIndexes.append(feature.fieldIndex)
                views[index].outputPositions.append(position)
            } else {
                readIndex[name] = views.count
                views.append((feature.view, [feature.fieldIndex], [position]))
            }
        }
        var reads: [ViewRead] = []
        for (view, fieldIndexes, outputPositions) in views {
            reads.append(ViewRead(
                view: view, viewName: view.qualifiedName, table: try store.viewTable(view), joinKeys: repo.joinKeys(of: view),
                fieldIndexes: fieldIndexes, outputPositions: outputPositions, headers: headers, reads: counters.counts(of: view)))
        }
        self.reads = reads
        var joinKeys: [JoinKey] = []
        for read in reads {
            for key in read.joinKeys where !joinKeys.contains(key) { joinKeys.append(key) }
        }
        self.joinKeys = joinKeys
    }
}
