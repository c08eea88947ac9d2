import SkewlessModel

/// Historical retrieval for one view: for every label row, the view's row as of the label's
/// time (`LatestAsOf`), then the requested fields of those rows.
///
/// A sorted merge join: labels are sorted once by (key, time); each row group of each
/// segment (already sorted by key, event time, created time) is walked once against the
/// labels whose keys fall in the group's key range. No value is boxed: times and keys are
/// plain arrays, and field values are copied column by column, one row group at a time, from
/// the groups that hold chosen rows.
struct PointInTimeJoin {
    let snapshot: ViewSnapshot
    let asOfKnownTime: Bool

    /// The label rows in (key, time, input position) order.
    private let order: [Int]
    private let sortedKeys: KeyColumns
    private let sortedTimes: [Int64]

    init(snapshot: ViewSnapshot, labelKeys: KeyColumns, labelTimes: [Int64], asOfKnownTime: Bool) {
        self.snapshot = snapshot
        self.asOfKnownTime = asOfKnownTime
        var order = Array(0..<labelTimes.count)
        if labelKeys.parts.count == 1, case .int64(let ids) = labelKeys.parts[0] {
            // Sort (key, time, position) triples: contiguous, cheap to compare.
            var triples = (0..<labelTimes.count).map { (ids[$0], labelTimes[$0], Int32($0)) }
            triples.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            order = triples.map { Int($0.2) }
        } else {
            order.sort { a, b in
                let keyOrder = labelKeys.compare(a, with: labelKeys, b)
                if keyOrder != 0 { return keyOrder < 0 }
                return (labelTimes[a], a) < (labelTimes[b], b)
            }
        }
        self.order = order
        self.sortedKeys = labelKeys.gathered(order)
        self.sortedTimes = order.map { labelTimes[$0] }
    }

    /// The chosen rows, per label in sorted order (segment -1: none).
    private struct Choices {
        var eventTimes: [Int64]
        var createdTimes: [Int64]
        var segments: [Int32]
        var groups: [Int32]
        var rows: [Int32]
        /// Whether the view has rows of the label's key (at any time).
        var keyMatched: [Bool]

        init(count: Int) {
            keyMatched = Array(repeating: false, count: count)
            eventTimes = Array(repeating: 0, count: count)
            createdTimes = Array(repeating: 0, count: count)
            segments = Array(repeating: -1, count: count)
            groups = Array(repeating: 0, count: count)
            rows = Array(repeating: 0, count: count)
        }

        @inline(__always)
        mutating func offer(_ candidate: LatestAsOf.Candidate, for label: Int) {
            if segments[label] >= 0 {
                let current = LatestAsOf.Candidate(eventTime: eventTimes[label], createdTime: createdTimes[label], segment: segments[label], group: groups[label], row: rows[label])
                guard candidate.isLater(than: current) else { return }
            }
            eventTimes[label] = candidate.eventTime
            createdTimes[label] = candidate.createdTime
            segments[label] = candidate.segment
            groups[label] = candidate.group
            rows[label] = candidate.row
        }
    }

    /// What a join found, beside its columns: for the warnings of a training set.
    struct Result {
        var columns: [HistoricalColumn]
        /// Per label row (input order): the chosen row's event time (nil: none).
        var eventTimes: [Int64?]
        /// Label rows whose key has rows in the view, at any time.
        var labelsWithKey: Int
        /// Label rows for which a row as of their time was chosen (fresh or not).
        var labelsWithRow: Int
    }

    /// The requested fields (indexes into the view's fields) for every label, in input order.
    func run(fields: [Int], features: [ResolvedFeature]) throws(SkewlessError) -> [HistoricalColumn] {
        try join(fields: fields, features: features).columns
    }

    /// The requested fields for every label in input order, with what the join found.
    func join(fields: [Int], features: [ResolvedFeature]) throws(SkewlessError) -> Result {
        let count = order.count
        var choices = Choices(count: count)
        for (segmentIndex, segment) in snapshot.segments.enumerated() {
            for group in 0..<segment.rowGroupCount {
                let labels = labelRange(of: segment.rowGroups[group])
                guard !labels.isEmpty else { continue }
                try join(segment: segmentIndex, group: group, labels: labels, choices: &choices)
            }
        }
        let (columns, eventTimes) = try gather(choices, fields: fields, features: features)
        return Result(
            columns: columns, eventTimes: eventTimes,
            labelsWithKey: choices.keyMatched.reduce(0) { $0 + ($1 ? 1 : 0) },
            labelsWithRow: choices.segments.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) })
    }

    /// The sorted labels whose keys are within the group's first and last key.
    private func labelRange(of group: SegmentIndex.RowGroup) -> Range<Int> {
        func firstLabel(where isAfterBound: (Int) -> Bool) -> Int {
            var low = 0, high = order.count
            while low < high {
                let middle = (low + high) >> 1
                if isAfterBound(middle) { high = middle } else { low = middle + 1 }
            }
            return low
        }
        let start = firstLabel { sortedKeys.compare($0, with: group.firstKey, 0) >= 0 }
        let end = firstLabel { sortedKeys.compare($0, with: group.lastKey, 0) > 0 }
        return start..<max(start, end)
    }

    private func join(segment: Int, group: Int, labels: Range<Int>, choices: inout Choices) throws(SkewlessError) {
        let reader = snapshot.segments[segment]
        let keys = try reader.keys(ofGroup: group)
        let eventTimes = try reader.eventTimes(ofGroup: group)
        let createdTimes = try reader.createdTimes(ofGroup: group)
        let ttl = snapshot.view.ttlSeconds &* 1_000_000
        // `merge` reads these through unchecked buffers: one check per group, in release
        // builds too, that every row and label it visits is inside them (a group's columns
        // were each decoded for its row count).
        precondition(
            createdTimes.count == eventTimes.count && keys.count == eventTimes.count && labels.upperBound <= sortedTimes.count
                && labels.upperBound <= sortedKeys.count,
            "a row group's columns or the labels disagree in length")
        eventTimes.withUnsafeBufferPointer { events in
            createdTimes.withUnsafeBufferPointer { created in
                sortedTimes.withUnsafeBufferPointer { times in
                    if keys.parts.count == 1, case .int64(let rowIDs) = keys.parts[0], case .int64(let labelIDs) = sortedKeys.parts[0] {
                        rowIDs.withUnsafeBufferPointer { rowKeys in
                            labelIDs.withUnsafeBufferPointer { labelKeys in
                                Self.merge(
                                    Int64KeyComparison(rows: rowKeys, labels: labelKeys), rowCount: eventTimes.count, labels: labels,
                                    events: events, created: created, times: times, ttl: ttl, asOfKnownTime: asOfKnownTime,
                                    segment: Int32(segment), group: Int32(group), choices: &choices)
                            }
                        }
                    } else {
                        Self.merge(
                            ColumnsKeyComparison(rows: keys, labels: sortedKeys), rowCount: eventTimes.count, labels: labels,
                            events: events, created: created, times: times, ttl: ttl, asOfKnownTime: asOfKnownTime,
                            segment: Int32(segment), group: Int32(group), choices: &choices)
                    }
                }
            }
        }
    }

    /// Walks a group's rows and the labels in its key range together.
    private static func merge<Keys: KeyComparison>(
        _ keys: Keys, rowCount: Int, labels: Range<Int>, events: UnsafeBufferPointer<Int64>, created: UnsafeBufferPointer<Int64>,
        times: UnsafeBufferPointer<Int64>, ttl: Int64, asOfKnownTime: Bool, segment: Int32, group: Int32, choices: inout Choices
    ) {
        var row = 0
        var label = labels.lowerBound
        while label < labels.upperBound, row < rowCount {
            let order = keys.compare(row: row, label: label)
            if order < 0 {
                row += 1
                continue
            }
            if order > 0 {
                label += 1
                continue
            }
            var runEnd = row + 1
            while runEnd < rowCount, keys.sameKey(row: runEnd, as: row) { runEnd += 1 }
            while label < labels.upperBound, keys.compare(row: row, label: label) == 0 {
                choices.keyMatched[label] = true
                let asOf = LatestAsOf(time: times[label], ttlMicros: ttl, asOfKnownTime: asOfKnownTime)
                if let chosen = asOf.latest(in: row..<runEnd, eventTimes: events, createdTimes: created) {
                    choices.offer(LatestAsOf.Candidate(eventTime: events[chosen], createdTime: created[chosen], segment: segment, group: group, row: Int32(chosen)), for: label)
                }
                label += 1
            }
            row = runEnd
        }
    }

    /// Copies the chosen rows' fields into columns in input order, with statuses.
    private func gather(_ choices: Choices, fields: [Int], features: [ResolvedFeature]) throws(SkewlessError) -> (columns: [HistoricalColumn], eventTimes: [Int64?]) {
        let count = order.count
        let ttl = snapshot.view.ttlSeconds &* 1_000_000
        var eventTimes = [Int64?](repeating: nil, count: count)
        var fresh: [[[(label: Int, row: Int)]]] = snapshot.segments.map { Array(repeating: [], count: $0.rowGroupCount) }
        var statuses = [ValueStatus](repeating: .notFound, count: count)
        for sorted in 0..<count where choices.segments[sorted] >= 0 {
            let label = order[sorted]
            eventTimes[label] = choices.eventTimes[sorted]
            if LatestAsOf(time: sortedTimes[sorted], ttlMicros: ttl).isFresh(eventTime: choices.eventTimes[sorted]) {
                statuses[label] = .present
                fresh[Int(choices.segments[sorted])][Int(choices.groups[sorted])].append((label, Int(choices.rows[sorted])))
            } else {
                statuses[label] = .outsideTTL
            }
        }
        var columns = zip(fields, features).map { field, feature in
            HistoricalColumn(feature: feature, values: .placeholders(of: snapshot.schema.fields[field].type, count: count), statuses: statuses, eventTimes: eventTimes)
        }
        for (segmentIndex, groups) in fresh.enumerated() {
            for (group, picks) in groups.enumerated() where !picks.isEmpty {
                for (columnIndex, field) in fields.enumerated() {
                    let values = try snapshot.segments[segmentIndex].field(field, ofGroup: group)
                    var pairs: [(destination: Int, source: Int)] = []
                    pairs.reserveCapacity(picks.count)
                    for pick in picks {
                        if let nulls = values.nullRows, nulls[pick.row] {
                            columns[columnIndex].statuses[pick.label] = .nullValue
                        } else {
                            pairs.append((pick.label, pick.row))
                        }
                    }
                    columns[columnIndex].values.scatter(from: values.values, pairs: pairs)
                }
            }
        }
        return (columns, eventTimes)
    }
}
