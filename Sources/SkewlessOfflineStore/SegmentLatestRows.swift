import SkewlessModel

/// The row as of T (`LatestAsOf`) of every entity of one segment, in key order, one row
/// group at a time: what materialization reads from each segment.
///
/// An entity's rows may continue from one row group into the next; its row is held back
/// ("carried") until its last row is seen, so each entity comes out once.
struct SegmentLatestRows {
    /// Rows, and whether each entity has a row that arrived after the mark.
    struct Batch {
        var rows: SegmentRows
        var touched: [Bool]
    }

    private let reader: SegmentReader
    private let asOf: LatestAsOf
    /// Whether this segment's rows arrived after the materialization's mark.
    private let arrivedSince: Bool
    private var group = 0
    /// The last entity of the previous group: its key, its row as of T (if any), touched.
    private var carry: (key: KeyColumns, row: SegmentRows?, touched: Bool)?
    /// This group's winners, returned by the next call after the carried entity's batch.
    private var pending: Batch?

    init(reader: SegmentReader, asOf: LatestAsOf, arrivedSince: Bool) {
        self.reader = reader
        self.asOf = asOf
        self.arrivedSince = arrivedSince
    }

    /// The next batch of entities, or nil after the last. A batch may be empty.
    mutating func next() throws(SkewlessError) -> Batch? {
        if let held = pending {
            pending = nil
            return held
        }
        guard group < reader.rowGroupCount else {
            defer { carry = nil }
            return carry.flatMap { carried in carried.row.map { Batch(rows: $0, touched: [carried.touched]) } }
        }
        let rows = try reader.rows(ofGroup: group)
        let isLastGroup = group + 1 == reader.rowGroupCount
        group += 1
        var chosen: [Int] = []
        var touched: [Bool] = []
        var emitted = Batch(rows: SegmentRows(schema: reader.schema), touched: [])
        let bounds = rows.keys.runBounds()
        chosen.reserveCapacity(bounds.count)
        touched.reserveCapacity(bounds.count)
        // The runs index the times through unchecked buffers: one check per group.
        precondition(rows.keys.count == rows.count && rows.createdTimes.count == rows.count, "a row group's time columns disagree with its keys")
        rows.eventTimes.withUnsafeBufferPointer { events in
            rows.createdTimes.withUnsafeBufferPointer { created in
                for (start, end) in zip(bounds, bounds.dropFirst()) {
                    var winner = asOf.latest(in: start..<end, eventTimes: events, createdTimes: created)
                    var isTouched = arrivedSince
                    var carried: SegmentRows?
                    if start == 0, let previous = carry {
                        if previous.key.compare(0, with: rows.keys, 0) == 0 {
                            // The same entity: a row here is later than any carried row.
                            isTouched = isTouched || previous.touched
                            if winner == nil { carried = previous.row }
                        } else if let row = previous.row {
                            emitted.rows = row
                            emitted.touched = [previous.touched]
                        }
                        carry = nil
                    }
                    if end == rows.count, !isLastGroup {
                        let row = winner.map { rows.gathered([$0]) } ?? carried
                        carry = (rows.keys.slice(start..<start + 1), row, isTouched)
                    } else if let carried {
                        for row in 0..<carried.count { emitted.rows.append(from: carried, row: row) }
                        emitted.touched.append(isTouched)
                        winner = nil
                    } else if let winner {
                        chosen.append(winner)
                        touched.append(isTouched)
                    }
                }
            }
        }
        // `chosen` ascends, so when its last entry is its count - 1 it is the first rows in
        // order (a segment with one row per entity, the last one carried): copied a column at
        // a time, or not at all.
        let isPrefix = chosen.last.map { $0 == chosen.count - 1 } ?? true
        let winners = Batch(rows: !isPrefix ? rows.gathered(chosen) : chosen.count == rows.count ? rows : rows.prefix(chosen.count), touched: touched)
        guard emitted.rows.count > 0 else { return winners }
        // The entity carried over from the previous group comes first, as a batch of its own:
        // appending the group's winners to it row by row cost more than the rest of the read.
        pending = winners
        return emitted
    }
}
