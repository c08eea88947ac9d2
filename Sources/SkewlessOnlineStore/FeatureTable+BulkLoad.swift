import SkewlessModel

extension FeatureTable {
    /// Reserves room in the key index for `rows` rows in all, so loading that many does not
    /// rehash the index as it grows (a rebuild of 10M entities rehashed it a dozen times).
    /// Never shrinks it; capped at `maxRows`.
    func reserveRows(_ rows: Int) {
        let wanted = min(rows, Self.maxRows)
        guard wanted > index.capacity else { return }
        index.reserveCapacity(wanted)
    }

    /// Applies rows `rows` of a batch that `schema.validate` accepted, with the same result
    /// as `applyValidated` (the row-by-row path), column at a time: what materialization
    /// uses to load segments.
    ///
    /// The same rule decides which rows apply, in batch order: a row older by (event time,
    /// created time) than the stored row of its key (or than an earlier row of the batch for
    /// that key) is ignored and counted; an equal pair replaces it. A row is written whole,
    /// so a slot ends with the values of the last row applied to it. Hence the two kinds of
    /// slot are written apart:
    /// - slots the table already had: `FieldColumn.write`, row by row in batch order;
    /// - slots the batch adds (its new keys, in order of first appearance): their times and
    ///   the values of their last applied row are appended to the columns in bulk, straight
    ///   from the batch's arrays when those rows are consecutive, as in a rebuild.
    ///
    /// Throws only when the table would pass `maxRows`, before changing anything.
    func load(_ batch: WriteBatch, rows: Range<Int>, nowMicros: Int64) throws(SkewlessError) -> WriteResult {
        guard rows.count <= Self.maxRows - index.count else {
            throw SkewlessError(.resourceExhausted, "feature view '\(view.qualifiedName)' holds \(index.count) rows and \(rows.count) more could exceed its limit of \(Self.maxRows): split the view")
        }
        let base = index.count
        // Slots the table had: every applied row, in batch order.
        var updates: [RowWrite] = []
        // Slots added, by `slot - base`: times and the batch row of the last applied write.
        var appended: [Int] = []
        var addedEventTimes: [Int64] = []
        var addedCreatedTimes: [Int64] = []
        appended.reserveCapacity(rows.count)
        addedEventTimes.reserveCapacity(rows.count)
        addedCreatedTimes.reserveCapacity(rows.count)
        var written = 0
        var ignored = 0
        let measureKeys = schema.keysOwnHeap
        let createdTimes = batch.createdTimes
        // The event times are read unchecked below: `rows` must lie in the batch.
        precondition(rows.lowerBound >= 0 && rows.upperBound <= batch.eventTimes.count, "rows \(rows) of a batch of \(batch.eventTimes.count)")
        batch.eventTimes.withUnsafeBufferPointer { events in
            for row in rows {
                let eventTime = events[row]
                let createdTime = createdTimes?[row] ?? nowMicros
                let candidate = base + appended.count
                let slot = Self.claim(&index[batch.keys[row]], candidate: candidate)
                if slot == candidate {
                    appended.append(row)
                    addedEventTimes.append(eventTime)
                    addedCreatedTimes.append(createdTime)
                    if measureKeys {
                        keyHeapBytes += Self.heapBytes(of: batch.keys[row])
                    }
                } else if slot >= base {
                    let added = slot - base
                    if (eventTime, createdTime) < (addedEventTimes[added], addedCreatedTimes[added]) {
                        ignored += 1
                        continue
                    }
                    addedEventTimes[added] = eventTime
                    addedCreatedTimes[added] = createdTime
                    appended[added] = row
                } else {
                    if (eventTime, createdTime) < (eventTimes[slot], self.createdTimes[slot]) {
                        ignored += 1
                        continue
                    }
                    eventTimes[slot] = eventTime
                    self.createdTimes[slot] = createdTime
                    updates.append(RowWrite(source: row, slot: slot))
                }
                written += 1
            }
        }
        eventTimes.append(contentsOf: addedEventTimes)
        self.createdTimes.append(contentsOf: addedCreatedTimes)
        for (field, column) in columns.enumerated() {
            column.load(batch.fields[field], updates: updates, appended: appended)
        }
        return WriteResult(rowsWritten: written, rowsIgnoredOlder: ignored)
    }

    /// The slot in a key's index entry, or for a new key (no entry) `candidate`, which
    /// becomes its entry: through `Dictionary`'s optional subscript, one hash for both
    /// lookup and insert. Not `index[key, default: candidate]`, whose autoclosure was boxed
    /// on the heap twice per row, a fifth of a load's time.
    @inline(__always)
    private static func claim(_ entry: inout UInt32?, candidate: Int) -> Int {
        if let known = entry {
            return Int(known)
        }
        entry = UInt32(truncatingIfNeeded: candidate)
        return candidate
    }
}
