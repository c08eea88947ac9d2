import SkewlessModel

/// The records of a view's write logs that are not sealed into segments yet, from every
/// node's log in the store, with retried batches removed: what readers add to the segments
/// so that an acknowledged write is part of the offline store at once (docs/write-log.md,
/// "Reading").
///
/// A retried batch (the same idempotency key, logged twice, by one node or two) is kept once:
/// its earliest acceptance. A batch whose key the manifest lists as sealed is not kept at all.
package struct LogTail: Sendable {
    /// One kept record and the node whose log holds it.
    package struct Entry: Sendable {
        package var node: String
        package var record: WriteLogRecord
    }

    /// Kept records, by (acceptance time, node, sequence).
    package var entries: [Entry] = []
    /// Per node: just past the last whole record read (where the next read starts).
    package var ends: [String: LogPosition] = [:]
    /// Records not kept: retries of a batch already logged or sealed.
    package var duplicates = 0
    /// Bytes of the records read (kept or not).
    package var bytes: UInt64 = 0
    /// Records read (kept or not).
    package var records = 0

    package var rowCount: Int { entries.reduce(0) { $0 + $1.record.rows.count } }

    /// One node's log file that may hold records after the node's position in a manifest.
    struct UnsealedFile {
        var node: String
        var number: UInt64
        var path: String
        /// Where its first record to read starts: the position's offset in the position's file,
        /// else just after the header.
        var offset: Int
        /// The node's position: records at or before its sequence number are sealed.
        var start: LogPosition
    }

    /// Every node's log files from its position in `manifest` on, node after node, each
    /// node's in order. Files before a node's position are sealed and left out.
    static func unsealedFiles(layout: StoreLayout, view: FeatureView, manifest: Manifest) throws(SkewlessError) -> [UnsealedFile] {
        let root = layout.logDirectory(view)
        guard DiskFile.exists(root) else { return [] }
        var files: [UnsealedFile] = []
        for node in try DiskFile.list(root).sorted() {
            let directory = "\(root)/\(node)"
            guard let names = try? DiskFile.list(directory) else { continue }
            let start = manifest.logs[node] ?? LogPosition(file: 0, offset: 0, sequence: 0)
            for number in names.compactMap(StoreLayout.logFileNumber(fileName:)).sorted() where number >= start.file {
                let offset = number == start.file && start.offset > 0 ? Int(start.offset) : WriteLogFile.headerSize
                files.append(UnsealedFile(node: node, number: number, path: layout.logFile(number, in: directory), offset: offset, start: start))
            }
        }
        return files
    }

    /// Reads every node's log of a view from the positions `manifest` gives.
    /// - Parameter acceptedThrough: read each node's log only up to its first record accepted
    ///   after this time (a sealer's bound on one pass); nil: to the end.
    static func read(layout: StoreLayout, view: FeatureView, schema: SegmentSchema, manifest: Manifest, acceptedThrough cutoff: Int64? = nil) throws(SkewlessError) -> LogTail {
        var tail = LogTail()
        tail.ends = manifest.logs
        var collected: [Entry] = []
        var stopped = Set<String>()
        for file in try unsealedFiles(layout: layout, view: view, manifest: manifest) where !stopped.contains(file.node) {
            // Only the header and the bytes from the file's offset on are read: a node's
            // newest file stays in place after it is sealed (up to 64 MiB), and a follower
            // reads every log each second. A sealer may delete a sealed file meanwhile: then
            // it holds nothing for us.
            guard let (header, bytes) = try DiskFile.contents(file.path, header: WriteLogFile.headerSize, from: UInt64(file.offset)),
                WriteLogFile.checkHeader(header, schema: schema) == nil
            else { continue }
            // `offset` and `recordEnd` count from `file.offset`.
            var offset = 0
            // Stop at an incomplete or corrupt record: one being written now, or a torn
            // tail its node cuts when it opens the log again.
            while case .record(let record, let recordEnd) = WriteLogRecord.read(bytes, at: offset, schema: schema, file: file.path) {
                if let cutoff, record.acceptedTime > cutoff, record.sequence > file.start.sequence {
                    stopped.insert(file.node)
                    break
                }
                tail.bytes += UInt64(recordEnd - offset)
                offset = recordEnd
                guard record.sequence > file.start.sequence else { continue }
                tail.records += 1
                tail.ends[file.node] = LogPosition(file: file.number, offset: UInt64(file.offset + recordEnd), sequence: record.sequence)
                collected.append(Entry(node: file.node, record: record))
            }
        }
        collected.sort { ($0.record.acceptedTime, $0.node, $0.record.sequence) < ($1.record.acceptedTime, $1.node, $1.record.sequence) }
        var seen = Set(manifest.sealedBatches.map(\.keyHash))
        for entry in collected {
            if let hash = entry.record.keyHash {
                guard seen.insert(hash).inserted else {
                    tail.duplicates += 1
                    continue
                }
            }
            tail.entries.append(entry)
        }
        return tail
    }

    /// The rows of the kept records (all of them, or those `include` accepts), sorted as a
    /// segment's; later records' rows come later among equal rows.
    func rows(schema: SegmentSchema, include: (Entry) -> Bool = { _ in true }) -> SegmentRows {
        var all = SegmentRows(schema: schema)
        for entry in entries where include(entry) {
            all.append(contentsOf: entry.record.rows)
        }
        return all.sorted()
    }
}

extension SegmentRows {
    /// Appends every row of `other`, which has the same schema.
    mutating func append(contentsOf other: SegmentRows) {
        let before = count
        for row in 0..<other.count { keys.append(from: other.keys, row: row) }
        eventTimes.append(contentsOf: other.eventTimes)
        createdTimes.append(contentsOf: other.createdTimes)
        for index in fields.indices {
            let source = other.fields[index]
            fields[index].values.append(from: source.values, rows: 0..<other.count)
            if let nulls = source.nullRows {
                if fields[index].nullRows == nil { fields[index].nullRows = [Bool](repeating: false, count: before) }
                fields[index].nullRows?.append(contentsOf: nulls)
            } else {
                fields[index].nullRows?.append(contentsOf: repeatElement(false, count: other.count))
            }
        }
    }
}
