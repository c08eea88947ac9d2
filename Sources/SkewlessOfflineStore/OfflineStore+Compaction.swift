import SkewlessModel

/// Compaction: many segments of a view merged into few, keeping every row.
extension OfflineStore {
    /// What a compaction did.
    package struct CompactionResult: Sendable, Hashable {
        package var segmentsBefore: Int
        package var segmentsAfter: Int
        package var rows: UInt64
    }

    /// Merges every live segment of a view into segments of up to
    /// `Options.compactedSegmentRows` rows, keeping the full history (no row is dropped or
    /// merged with another) and the order that breaks exact ties.
    ///
    /// Crash-safe: the merged segments are written and synced, then one manifest swap makes
    /// them live in place of their inputs, then the inputs are deleted. A crash before the
    /// swap leaves the old segments live (the new files are orphans, deleted at the next
    /// writer's open); after it, the new ones (the old files are the orphans).
    /// Memory: one row group per input segment, plus one output row group.
    @discardableResult
    package func compact(view: FeatureView, joinKeys: [JoinKey]) throws(SkewlessError) -> CompactionResult {
        var writer = try openForWriting(view: view, joinKeys: joinKeys)
        defer { writer.lock.release() }
        let inputs = writer.manifest.segments
        guard inputs.count > 1 else {
            return CompactionResult(segmentsBefore: inputs.count, segmentsAfter: inputs.count, rows: writer.manifest.rowCount)
        }
        var cursors: [SegmentCursor] = []
        for segment in inputs {
            let reader = try SegmentReader(path: layout.segment(segment.number, in: writer.directory), expecting: writer.schema)
            cursors.append(try SegmentCursor(reader: reader))
        }
        var outputs: [SegmentSummary] = []
        var current: SegmentWriter?
        var currentRows = 0
        var pending = SegmentRows(schema: writer.schema)
        do throws(SkewlessError) {
            while true {
                // The smallest row by (key, event time, created time); the earliest segment on ties.
                var best: Int?
                for index in cursors.indices where !cursors[index].isAtEnd {
                    if let chosen = best {
                        if cursors[index].rows.orders(cursors[index].row, before: cursors[chosen].rows, cursors[chosen].row) { best = index }
                    } else {
                        best = index
                    }
                }
                guard let best else { break }
                if current == nil {
                    let number = writer.takeSegmentNumber()
                    current = try SegmentWriter(path: layout.segment(number, in: writer.directory), number: number, schema: writer.schema, rowGroupRows: options.rowGroupRows)
                }
                pending.append(from: cursors[best].rows, row: cursors[best].row)
                currentRows += 1
                try cursors[best].advance()
                if pending.count >= options.rowGroupRows || currentRows >= options.compactedSegmentRows {
                    try current?.append(pending)
                    pending = SegmentRows(schema: writer.schema)
                }
                if currentRows >= options.compactedSegmentRows, let finished = current {
                    outputs.append(try finished.finish())
                    current = nil
                    currentRows = 0
                }
            }
            if let finished = current {
                try finished.append(pending)
                outputs.append(try finished.finish())
                current = nil
            }
            try DiskFile.syncDirectory(writer.directory)
            try crashPoint(.compactionSegmentsWritten)
        } catch {
            // Leave the partial outputs to the next writer's open, as a crash would; but a
            // real error (not a simulated crash) cleans up now.
            current?.abandon()
            throw error
        }
        var manifest = writer.manifest
        manifest.segments = outputs
        manifest.nextSegmentNumber = writer.nextSegmentNumber
        try manifest.write(to: writer.directory, layout: layout) { () throws(SkewlessError) in
            try crashPoint(.compactionManifestWritten)
        }
        try crashPoint(.compactionManifestSwapped)
        for (index, segment) in inputs.enumerated() {
            try DiskFile.remove(layout.segment(segment.number, in: writer.directory))
            if index == 0 { try crashPoint(.compactionFirstOldSegmentDeleted) }
        }
        return CompactionResult(segmentsBefore: inputs.count, segmentsAfter: outputs.count, rows: manifest.rowCount)
    }
}

/// Walks the rows of one segment in order, one decoded row group at a time.
struct SegmentCursor {
    let reader: SegmentReader
    private(set) var group = 0
    private(set) var row = 0
    private(set) var rows: SegmentRows

    init(reader: SegmentReader) throws(SkewlessError) {
        self.reader = reader
        rows = reader.rowGroupCount > 0 ? try reader.rows(ofGroup: 0) : SegmentRows(schema: reader.schema)
    }

    var isAtEnd: Bool { row >= rows.count }

    mutating func advance() throws(SkewlessError) {
        row += 1
        if row >= rows.count, group + 1 < reader.rowGroupCount {
            group += 1
            row = 0
            rows = try reader.rows(ofGroup: group)
        }
    }
}
