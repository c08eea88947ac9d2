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

    /// The view's live segments, opened. A view never written has none.
    /// - Throws: `dataLoss` for a corrupt manifest, segment footer or index, naming the file;
    ///   `failedPrecondition` for a segment of another schema.
    package func snapshot(of view: FeatureView, joinKeys: [JoinKey]) throws(SkewlessError) -> ViewSnapshot {
        let directory = layout.viewDirectory(view)
        let schema = SegmentSchema(view: view, joinKeys: joinKeys)
        // A compaction may delete a segment between our reading the manifest and opening it:
        // read the manifest again then.
        var attempts = 0
        while true {
            let manifest = try Manifest.load(from: directory, layout: layout)
            var readers: [SegmentReader] = []
            do throws(SkewlessError) {
                for segment in manifest.segments {
                    readers.append(try SegmentReader(path: layout.segment(segment.number, in: directory), expecting: schema))
                }
                return ViewSnapshot(view: view, schema: schema, manifest: manifest, segments: readers)
            } catch where error.code == .notFound && attempts < 3 {
                attempts += 1
            }
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
