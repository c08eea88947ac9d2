import SkewlessModel

/// Sealing: the write logs' records become an ordinary segment (docs/write-log.md, "Sealing").
extension OfflineStore {
    /// What one sealing did.
    package struct SealSummary: Sendable, Hashable {
        /// Records and rows moved from the logs into the new segment.
        package var records = 0
        package var rows = 0
        /// Records left out as retries of a batch already stored.
        package var duplicates = 0
        /// The segment written; nil when there was nothing to seal.
        package var segment: SegmentSummary?
        /// Log files deleted because everything in them is sealed.
        package var logFilesDeleted = 0
        /// Unsealed records are left for the next sealing (this one reached its size bound).
        package var more = false
    }

    /// Seals every node's unsealed log records of a view into one new segment, under the
    /// view's lock, crash-safe at every step:
    ///
    /// 1. read the records after each node's sealed position (LogTail: retries removed);
    /// 2. write and sync them, sorted, as a new segment;
    /// 3. swap in a manifest that lists the segment, moves each node's position past what
    ///    was read, and remembers the sealed batches' keys for `deduplicationWindowMicros`;
    /// 4. only then delete log files that hold nothing unsealed (never a node's newest file,
    ///    which it may still append to).
    ///
    /// A crash before step 3 leaves the old manifest: the records are still unsealed and the
    /// segment file unnamed (deleted by the next writer). After it, the rows are in the
    /// segment and readers skip them in the logs. Either way each row is there exactly once.
    /// - Throws: `aborted` when another writer holds the view (try again later).
    ///
    /// One sealing takes at most about `maximumBytes` of records: those accepted up to the
    /// time at which that much had arrived (every node's log read in acceptance order), so its
    /// memory and its segment stay bounded whatever the backlog; `SealSummary.more` says whether
    /// records are left for the next one.
    @discardableResult
    package func seal(view: FeatureView, joinKeys: [JoinKey], deduplicationWindowMicros: Int64 = 600_000_000, maximumBytes: UInt64 = 256 << 20) throws(SkewlessError) -> SealSummary {
        var summary = SealSummary()
        let logRoot = layout.logDirectory(view)
        guard DiskFile.exists(logRoot) else { return summary }
        var writer = try openForWriting(view: view, joinKeys: joinKeys)
        defer { writer.lock.release() }
        let headers = try logHeaders(of: view, manifest: writer.manifest)
        var cutoff: Int64?
        if headers.reduce(0, { $0 + $1.bytes }) > maximumBytes {
            var total: UInt64 = 0
            for header in headers.sorted(by: { $0.accepted < $1.accepted }) {
                total += header.bytes
                cutoff = header.accepted
                if total >= maximumBytes { break }
            }
            summary.more = true
        }
        let tail = try LogTail.read(layout: layout, view: view, schema: writer.schema, manifest: writer.manifest, acceptedThrough: cutoff)
        summary.records = tail.entries.count
        summary.rows = tail.rowCount
        summary.duplicates = tail.duplicates
        var manifest = writer.manifest
        if tail.ends != manifest.logs {
            if summary.rows > 0 {
                let number = writer.takeSegmentNumber()
                let segmentWriter = try SegmentWriter(path: layout.segment(number, in: writer.directory), number: number, schema: writer.schema, rowGroupRows: options.rowGroupRows)
                do throws(SkewlessError) {
                    try segmentWriter.append(tail.rows(schema: writer.schema))
                    summary.segment = try segmentWriter.finish()
                } catch {
                    segmentWriter.abandon()
                    throw error
                }
                try crashPoint(.sealSegmentWritten)
                manifest.segments.append(summary.segment!)
                manifest.nextSegmentNumber = writer.nextSegmentNumber
                try DiskFile.syncDirectory(writer.directory)
            }
            manifest.logs = tail.ends
            let sealed = tail.entries.compactMap { entry in entry.record.keyHash.map { SealedBatch(keyHash: $0, acceptedTime: entry.record.acceptedTime) } }
            manifest.sealedBatches += sealed
            if let newest = manifest.sealedBatches.map(\.acceptedTime).max() {
                manifest.sealedBatches.removeAll { $0.acceptedTime < newest &- deduplicationWindowMicros }
            }
            try manifest.write(to: writer.directory, layout: layout) { () throws(SkewlessError) in
                try crashPoint(.sealManifestWritten)
            }
            writer.manifest = manifest
            try crashPoint(.sealManifestSwapped)
        }
        summary.logFilesDeleted = try deleteSealedLogFiles(view: view, manifest: manifest)
        return summary
    }

    /// Deletes, in every node's log directory, the files before the one its sealed position
    /// is in: each of them is older than the node's newest file, and wholly sealed.
    private func deleteSealedLogFiles(view: FeatureView, manifest: Manifest) throws(SkewlessError) -> Int {
        var deleted = 0
        for (node, position) in manifest.logs.sorted(by: { $0.key < $1.key }) {
            let directory = layout.nodeLogDirectory(view, node: node)
            guard let names = try? DiskFile.list(directory) else { continue }
            for number in names.compactMap(StoreLayout.logFileNumber(fileName:)).sorted() where number < position.file {
                try DiskFile.remove(layout.logFile(number, in: directory))
                deleted += 1
                if deleted == 1 { try crashPoint(.sealFirstLogFileDeleted) }
            }
        }
        return deleted
    }
}

extension OfflineStore {
    /// How much of a view's write logs is not sealed yet, every node's log together.
    package struct LogBacklog: Sendable, Hashable {
        package var records = 0
        package var bytes: UInt64 = 0
        /// The acceptance time of the oldest unsealed record; nil when there is none.
        package var oldestAccepted: Int64?
    }

    /// The view's unsealed log records, counted from their headers alone (no checksums, no
    /// decoding: cheap enough for every HEALTH request).
    package func logBacklog(of view: FeatureView, joinKeys: [JoinKey]) throws(SkewlessError) -> LogBacklog {
        guard DiskFile.exists(layout.logDirectory(view)) else { return LogBacklog() }
        let manifest = try Manifest.load(from: layout.viewDirectory(view), layout: layout)
        var backlog = LogBacklog()
        for header in try logHeaders(of: view, manifest: manifest) {
            backlog.records += 1
            backlog.bytes += header.bytes
            backlog.oldestAccepted = min(backlog.oldestAccepted ?? header.accepted, header.accepted)
        }
        return backlog
    }

    /// The acceptance time and size of every unsealed record of every node's log, from the
    /// record headers (a record whose whole length is not there yet is left out).
    private func logHeaders(of view: FeatureView, manifest: Manifest) throws(SkewlessError) -> [(accepted: Int64, bytes: UInt64)] {
        var headers: [(accepted: Int64, bytes: UInt64)] = []
        for log in try LogTail.unsealedFiles(layout: layout, view: view, manifest: manifest) {
            guard let file = try? DiskFile.openForReading(log.path) else { continue }
            defer { file.closeFile() }
            let size = (try? file.size()) ?? 0
            var offset = UInt64(log.offset)
            while offset + 24 <= size, let header = try? file.read(count: 24, at: offset, what: "a record header") {
                let (length, sequence, accepted) = header.withUnsafeBytes { raw in
                    (UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self))),
                     UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
                     Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 16, as: Int64.self)))
                }
                guard length >= 16, offset + 8 + length <= size else { break }
                if sequence > log.start.sequence { headers.append((accepted, 8 + length)) }
                offset += 8 + length
            }
        }
        return headers
    }
}

extension OfflineStore {
    /// What `follow` read: the records after the positions given, and where each node's log
    /// ends now.
    package struct FollowedRecords: Sendable {
        package var entries: [LogTail.Entry]
        package var ends: [String: LogPosition]
    }

    /// The write log records of a view after `positions` (per node; a node not listed, or nil:
    /// from its sealed position), whole records only, retries kept once. What a node reads to
    /// apply writes it missed (`LogFollower`). Records sealed and deleted from the logs before
    /// they were followed are not returned: they are in segments, which a reload reads.
    package func follow(view: FeatureView, joinKeys: [JoinKey], from positions: [String: LogPosition]?) throws(SkewlessError) -> FollowedRecords {
        var manifest = try Manifest.load(from: layout.viewDirectory(view), layout: layout)
        if let positions {
            manifest.logs.merge(positions) { sealed, followed in followed.sequence >= sealed.sequence ? followed : sealed }
        }
        let tail = try LogTail.read(layout: layout, view: view, schema: SegmentSchema(view: view, joinKeys: joinKeys), manifest: manifest)
        return FollowedRecords(entries: tail.entries, ends: tail.ends)
    }
}
