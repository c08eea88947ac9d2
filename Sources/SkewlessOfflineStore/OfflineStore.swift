import SkewlessModel

/// The offline segment store: for every feature view version, the full history of its rows
/// in immutable segment files, listed by a manifest (docs/segment-format.md).
///
/// Writers (`beginIngest`, `compact`) take the view's lock, so one process changes a view
/// at a time; they delete files only under it. Readers (`snapshot`) take no lock: they read
/// the manifest once and open the segments it names, and see a view before or after any
/// change, never in between.
package final class OfflineStore: Sendable {
    package struct Options: Sendable {
        /// Rows per row group of the segments written.
        package var rowGroupRows = SegmentWriter.defaultRowGroupRows
        /// Rows an ingestion holds in memory before it sorts them and writes them as one
        /// segment: what bounds its memory, whatever the size of the input.
        package var ingestRunRows = 1_000_000
        /// Rows per segment written by compaction.
        package var compactedSegmentRows = 16_000_000
        /// Called at each `CrashPoint`; a hook that throws stops the change there without
        /// any cleanup, as a kill would (tests only).
        package var crashHook: (@Sendable (CrashPoint) throws(SkewlessError) -> Void)?

        package static var defaults: Options { Options() }

        package static func defaults(configure: (inout Options) -> Void) -> Options {
            var options = Options()
            configure(&options)
            return options
        }
    }

    package let layout: StoreLayout
    package let options: Options

    /// A store rooted at `directory` (created on first write).
    package init(directory: String, options: Options = .defaults) {
        self.layout = StoreLayout(root: directory)
        self.options = options
    }

    func crashPoint(_ point: CrashPoint) throws(SkewlessError) {
        try options.crashHook?(point)
    }

    // MARK: - Reading

    /// The view's rows now: its live segments, opened, and its write logs' unsealed records.
    /// A view never written has none.
    /// - Parameter since: a mark from an earlier snapshot: `arrivedSince` then tells which
    ///   segments hold rows that arrived after it (the log's records are split in two
    ///   temporary segments: before and after the mark).
    /// - Throws: `dataLoss` for a corrupt manifest, segment footer or index, naming the file;
    ///   `failedPrecondition` for a segment of another schema.
    package func snapshot(of view: FeatureView, joinKeys: [JoinKey], since mark: ArrivalMark? = nil) throws(SkewlessError) -> ViewSnapshot {
        let directory = layout.viewDirectory(view)
        let schema = SegmentSchema(view: view, joinKeys: joinKeys)
        // A compaction or a sealer may delete a segment (or a log file) between our reading
        // the manifest and opening it: read the manifest again then.
        var attempts = 0
        while true {
            let manifest = try Manifest.load(from: directory, layout: layout)
            var readers: [SegmentReader] = []
            var arrived: [Bool] = []
            do throws(SkewlessError) {
                for segment in manifest.segments {
                    readers.append(try SegmentReader(path: layout.segment(segment.number, in: directory), expecting: schema))
                    arrived.append(mark.map { segment.number >= $0.nextSegmentNumber } ?? true)
                }
                let tail = try LogTail.read(layout: layout, view: view, schema: schema, manifest: manifest)
                // A sealer may have moved records into a new segment, and deleted their log
                // files, while we read: then the manifest changed, and we read again.
                if try Manifest.load(from: directory, layout: layout) != manifest {
                    attempts += 1
                    guard attempts < 20 else {
                        throw SkewlessError(.unavailable, "the offline store of \(view.qualifiedName) changed 20 times while it was being read: retry")
                    }
                    continue
                }
                if let mark {
                    let isNew = { (entry: LogTail.Entry) in entry.record.sequence > mark.logSequences[entry.node] ?? 0 }
                    for part in [false, true] {
                        let rows = tail.rows(schema: schema) { isNew($0) == part }
                        guard rows.count > 0 else { continue }
                        readers.append(try temporarySegment(rows, schema: schema))
                        arrived.append(part)
                    }
                } else if !tail.entries.isEmpty {
                    readers.append(try temporarySegment(tail.rows(schema: schema), schema: schema))
                    arrived.append(true)
                }
                let arrival = ArrivalMark(nextSegmentNumber: manifest.nextSegmentNumber, logSequences: tail.ends.mapValues(\.sequence))
                return ViewSnapshot(view: view, schema: schema, manifest: manifest, segments: readers, arrivedSince: arrived, arrival: arrival, tail: LogTailSummary(tail))
            } catch where error.code == .notFound && attempts < 3 {
                attempts += 1
            }
        }
    }

    /// Rows written as a segment outside the store, opened, and unlinked at once: the reader
    /// keeps the file until it is dropped.
    private func temporarySegment(_ rows: SegmentRows, schema: SegmentSchema) throws(SkewlessError) -> SegmentReader {
        let path = DiskFile.temporaryPath(prefix: "skewless-log-tail")
        let writer = try SegmentWriter(path: path, number: 0, schema: schema, rowGroupRows: options.rowGroupRows)
        do throws(SkewlessError) {
            try writer.append(rows)
            _ = try writer.finish(sync: false)
            let reader = try SegmentReader(path: path, expecting: schema)
            try DiskFile.remove(path)
            return reader
        } catch {
            writer.abandon()
            throw error
        }
    }

    // MARK: - Writing

    /// Starts an ingestion into one view version; see `IngestSession`.
    /// - Parameter nowMicros: the created time of rows that give none.
    /// - Throws: `aborted` when another writer holds the view.
    package func beginIngest(view: FeatureView, joinKeys: [JoinKey], nowMicros: Int64) throws(SkewlessError) -> IngestSession {
        let writer = try openForWriting(view: view, joinKeys: joinKeys)
        return IngestSession(store: self, writer: writer, nowMicros: nowMicros)
    }

    /// Takes the view's lock, reads its manifest and deletes files it does not name.
    func openForWriting(view: FeatureView, joinKeys: [JoinKey]) throws(SkewlessError) -> ViewWriter {
        let directory = layout.viewDirectory(view)
        try DiskFile.makeDirectories(directory)
        let lock = try ViewLock(path: layout.lock(in: directory), view: view.qualifiedName)
        let manifest = try Manifest.load(from: directory, layout: layout)
        let live = Set(manifest.segments.map(\.number))
        var nextNumber = manifest.nextSegmentNumber
        for name in try DiskFile.list(directory) {
            if let number = StoreLayout.segmentNumber(fileName: name) {
                nextNumber = max(nextNumber, number + 1)
                if !live.contains(number) { try DiskFile.remove("\(directory)/\(name)") }
            } else if name == StoreLayout.manifestTemporaryName {
                try DiskFile.remove("\(directory)/\(name)")
            }
        }
        return ViewWriter(view: view, schema: SegmentSchema(view: view, joinKeys: joinKeys), directory: directory, lock: lock, manifest: manifest, nextSegmentNumber: nextNumber)
    }
}

/// What a writer of one view holds: its lock, the manifest it read, the numbers it may use.
struct ViewWriter {
    let view: FeatureView
    let schema: SegmentSchema
    let directory: String
    let lock: ViewLock
    var manifest: Manifest
    var nextSegmentNumber: UInt64

    mutating func takeSegmentNumber() -> UInt64 {
        defer { nextSegmentNumber += 1 }
        return nextSegmentNumber
    }
}
