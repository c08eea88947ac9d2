import SkewlessModel

/// One ingestion into one view version: rows are appended in any order, held in memory up
/// to `Options.ingestRunRows`, then sorted and written as a segment (a "run"), so memory
/// stays bounded whatever the input's size. Nothing is visible until `commit`, which lists
/// every run in the manifest with one atomic swap. `abort` (or dropping the session
/// uncommitted) deletes the runs: an ingestion commits all its rows or none.
package final class IngestSession {
    private let store: OfflineStore
    private var writer: ViewWriter
    private let nowMicros: Int64
    private var buffer: SegmentRows
    private var written: [SegmentSummary] = []
    private var isFinished = false
    /// Rows appended so far.
    package private(set) var rowCount = 0

    init(store: OfflineStore, writer: ViewWriter, nowMicros: Int64) {
        self.store = store
        self.writer = writer
        self.nowMicros = nowMicros
        self.buffer = SegmentRows(schema: writer.schema)
    }

    deinit {
        if !isFinished { abort() }
    }

    package var view: FeatureView { writer.view }

    /// Appends one row. `values` has one entry per field of the view, in view order (nil:
    /// null); `createdTime` nil means the session's `nowMicros`.
    /// - Throws: `invalidArgument` for a key of the wrong shape or a value of the wrong type
    ///   (nothing of the row is kept).
    package func append(key: EntityKey, eventTime: Int64, createdTime: Int64?, values: [FeatureValue?]) throws(SkewlessError) {
        let fields = writer.schema.fields
        guard values.count == fields.count else {
            throw SkewlessError(.invalidArgument, "row \(rowCount + 1): \(values.count) values for the \(fields.count) fields of \(view.qualifiedName): give one per field, in view order (nil for null)")
        }
        for (index, value) in values.enumerated() {
            if let value, !value.conforms(to: fields[index].type) {
                throw SkewlessError(.invalidArgument, "row \(rowCount + 1): field '\(fields[index].name)' of \(view.qualifiedName) is \(fields[index].type), not \(value.type)")
            }
        }
        try buffer.append(key: key, eventTime: eventTime, createdTime: createdTime ?? nowMicros, values: values, row: rowCount + 1)
        rowCount += 1
        if buffer.count >= store.options.ingestRunRows { try spill() }
    }

    /// Appends a batch of rows, as the online store takes them (`WriteBatch`: fields in view
    /// order, nil for a field null in every row).
    package func append(_ batch: WriteBatch) throws(SkewlessError) {
        let fields = writer.schema.fields
        guard batch.eventTimes.count == batch.rowCount, batch.createdTimes.map({ $0.count == batch.rowCount }) ?? true, batch.fields.count == fields.count else {
            throw SkewlessError(.invalidArgument, "batch for \(view.qualifiedName): give one event time (and created time, if any) per row and one field entry per field")
        }
        for (index, column) in batch.fields.enumerated() {
            guard let column else { continue }
            guard column.values.count == batch.rowCount, column.nullRows.map({ $0.count == batch.rowCount }) ?? true,
                ColumnValues.empty(of: fields[index].type).isSameKind(as: column.values)
            else {
                throw SkewlessError(.invalidArgument, "batch for \(view.qualifiedName): field '\(fields[index].name)' needs one \(fields[index].type) value per row")
            }
            if case .embedding(let dimension) = fields[index].type.storage, case .embedding(let embeddings) = column.values {
                for (row, embedding) in embeddings.enumerated() where !(column.nullRows?[row] ?? false) && embedding.dimension != dimension {
                    throw SkewlessError(.invalidArgument, "batch for \(view.qualifiedName): row \(row) of field '\(fields[index].name)' has dimension \(embedding.dimension), not \(dimension)")
                }
            }
        }
        var start = 0
        while start < batch.rowCount {
            let end = min(batch.rowCount, start + store.options.ingestRunRows - buffer.count)
            for row in start..<end {
                try buffer.keys.append(batch.keys[row], row: rowCount + row - start + 1)
            }
            buffer.eventTimes.append(contentsOf: batch.eventTimes[start..<end])
            buffer.createdTimes.append(contentsOf: batch.createdTimes.map { Array($0[start..<end]) } ?? Array(repeating: nowMicros, count: end - start))
            for index in fields.indices {
                let before = buffer.fields[index].values.count
                if let column = batch.fields[index] {
                    buffer.fields[index].values.append(from: column.values, rows: start..<end)
                    if let nulls = column.nullRows, nulls[start..<end].contains(true) {
                        if buffer.fields[index].nullRows == nil { buffer.fields[index].nullRows = Array(repeating: false, count: before) }
                        buffer.fields[index].nullRows?.append(contentsOf: nulls[start..<end])
                    } else {
                        buffer.fields[index].nullRows?.append(contentsOf: repeatElement(false, count: end - start))
                    }
                } else {
                    buffer.fields[index].values.appendPlaceholders(end - start)
                    if buffer.fields[index].nullRows == nil { buffer.fields[index].nullRows = Array(repeating: false, count: before) }
                    buffer.fields[index].nullRows?.append(contentsOf: repeatElement(true, count: end - start))
                }
            }
            rowCount += end - start
            start = end
            if buffer.count >= store.options.ingestRunRows { try spill() }
        }
    }

    /// Makes every appended row part of the view with one manifest swap, and ends the session.
    /// - Returns: the segments added.
    @discardableResult
    package func commit() throws(SkewlessError) -> [SegmentSummary] {
        guard !isFinished else {
            throw SkewlessError(.failedPrecondition, "the ingestion into \(view.qualifiedName) already ended: begin a new one")
        }
        if buffer.count > 0 { try spill() }
        guard !written.isEmpty else {
            finish()
            return []
        }
        do throws(SkewlessError) {
            try store.crashPoint(.ingestSegmentsWritten)
            var manifest = writer.manifest
            manifest.segments += written
            manifest.nextSegmentNumber = writer.nextSegmentNumber
            try DiskFile.syncDirectory(writer.directory)
            try manifest.write(to: writer.directory, layout: store.layout) { () throws(SkewlessError) in
                try store.crashPoint(.ingestManifestWritten)
            }
        } catch {
            // A failed commit (or a simulated crash) leaves its segments for the next
            // writer's open to delete, as a crash would.
            finish()
            throw error
        }
        finish()
        return written
    }

    /// Deletes the runs written so far and ends the session; the view is unchanged.
    package func abort() {
        guard !isFinished else { return }
        for segment in written {
            try? DiskFile.remove(store.layout.segment(segment.number, in: writer.directory))
        }
        finish()
    }

    private func finish() {
        isFinished = true
        buffer = SegmentRows(schema: writer.schema)
        writer.lock.release()
    }

    /// Sorts the buffered rows and writes them as one segment.
    private func spill() throws(SkewlessError) {
        let number = writer.takeSegmentNumber()
        let segmentWriter = try SegmentWriter(path: store.layout.segment(number, in: writer.directory), number: number, schema: writer.schema, rowGroupRows: store.options.rowGroupRows)
        do throws(SkewlessError) {
            try segmentWriter.append(buffer.sorted())
            written.append(try segmentWriter.finish())
        } catch {
            segmentWriter.abandon()
            throw error
        }
        buffer = SegmentRows(schema: writer.schema)
    }
}
