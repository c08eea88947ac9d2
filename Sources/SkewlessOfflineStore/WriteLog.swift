import Foundation
import SkewlessModel

/// One node's write log of one feature view version, in the offline store
/// (docs/write-log.md): append-only files of checksummed records, each one write batch.
/// A batch is durable once `append`'s completion reports its sequence number: the record
/// is written and the file fdatasynced.
///
/// **Group commit.** Appends are queued; one thread of the log's own writes every queued
/// record with one `write` and makes them durable with one `fdatasync`, then completes them
/// all, so many batches share the cost of a sync. The thread is started by `init` and ended
/// by `close`, which finishes the queued appends first.
///
/// **Opening repairs.** `init` takes the node's `LOCK` in `log/NODE/` (one process logs as a
/// node), reads every file, and cuts each at its first incomplete or corrupt record (a write
/// torn by a crash, or a flipped bit): those bytes were never acknowledged, or are no longer
/// trustworthy, and no reader ever returns them. What it cut is in `recovery`, for the
/// node's log. New records go to a new file.
///
/// A write or sync failure poisons the log: the batches in flight and every later append
/// fail with `unavailable`, since the file's end is then unknown; a restart repairs it.
package final class WriteLog: @unchecked Sendable {
    // @unchecked: the queue and counters are guarded by `condition`; the file and the
    // sequence numbers are touched only by the writer thread (and by init before it starts).

    package struct Options: Sendable {
        /// A file is closed and a new one started once it reaches this size.
        package var maximumFileBytes = 64 << 20

        package static var defaults: Options { Options() }
    }

    package typealias Completion = @Sendable (Result<UInt64, SkewlessError>) -> Void

    /// What the log holds and has done since it was opened.
    package struct Statistics: Sendable, Hashable {
        package var recordsLogged: UInt64 = 0
        package var rowsLogged: UInt64 = 0
        package var bytesLogged: UInt64 = 0
        package var commits: UInt64 = 0
    }

    package let view: FeatureView
    package let node: String
    package let directory: String
    /// What opening found and cut, one sentence each, naming the file and offset.
    package let recovery: [String]

    package let schema: SegmentSchema
    private let options: Options
    private let lock: ViewLock
    private let condition = NSCondition()
    private var queue: [(record: [UInt8], rows: Int, completion: Completion)] = []
    private var closing = false
    private var finished = false
    private var failure: SkewlessError?
    private var statistics = Statistics()
    // Writer thread only.
    private var file: DiskFile
    private var fileSize: UInt64
    private var nextSequence: UInt64

    /// Opens (and repairs) the node's log of `view`, creating it if needed.
    /// - Throws: `aborted` when another process logs as `node`; I/O errors.
    package init(store: OfflineStore, view: FeatureView, joinKeys: [JoinKey], node: String, options: Options = .defaults) throws(SkewlessError) {
        let layout = store.layout
        let directory = layout.nodeLogDirectory(view, node: node)
        try DiskFile.makeDirectories(directory)
        let lock = try ViewLock(
            path: layout.lock(in: directory), view: view.qualifiedName,
            busy: "another process is logging writes of \(view.qualifiedName) as node '\(node)' in this store: give every node its own --node-id, and stop the other process first")
        let schema = SegmentSchema(view: view, joinKeys: joinKeys)
        let manifest = try Manifest.load(from: layout.viewDirectory(view), layout: layout)
        var lastSequence = manifest.logs[node]?.sequence ?? 0
        var messages: [String] = []
        let numbers = try Self.fileNumbers(in: directory)
        for (index, number) in numbers.enumerated() {
            let path = layout.logFile(number, in: directory)
            lastSequence = max(lastSequence, number &- 1)
            guard let bytes = try DiskFile.contents(path) else { continue }
            let isNewest = index == numbers.count - 1
            if let reason = WriteLogFile.checkHeader(bytes, schema: schema) {
                // Only the newest file can have been cut short by a crash while it was being
                // created; anything else is not ours to delete.
                guard isNewest, bytes.count <= WriteLogFile.headerSize else {
                    throw SkewlessError(.failedPrecondition, "\(path) is not a write log of \(view.qualifiedName) as this repo defines it: \(reason). A view version's schema never changes: define a new version, or move the file away if it does not belong here")
                }
                try DiskFile.remove(path)
                messages.append("removed \(path): \(reason) (a crash while the file was being created)")
                continue
            }
            var offset = WriteLogFile.headerSize
            var records = 0
            scan: while true {
                switch WriteLogRecord.read(bytes, at: offset, schema: schema, file: path) {
                case .record(let record, let end):
                    lastSequence = max(lastSequence, record.sequence)
                    offset = end
                    records += 1
                case .incomplete:
                    if offset < bytes.count {
                        messages.append("cut \(bytes.count - offset) bytes at offset \(offset) of \(path): an incomplete record, torn by a crash before it was synced (never acknowledged, never served)")
                    }
                    break scan
                case .corrupt(let reason):
                    messages.append("cut \(bytes.count - offset) bytes at offset \(offset) of \(path): \(reason); a torn write or corruption: the records from there on are dropped and never served")
                    break scan
                }
            }
            if offset < bytes.count {
                let handle = try DiskFile.openForAppending(path)
                defer { handle.closeFile() }
                try handle.truncate(to: UInt64(offset))
            }
            if isNewest, records == 0 {
                // Nothing in it: the new file below takes its place (and maybe its name).
                try DiskFile.remove(path)
            }
        }
        self.view = view
        self.node = node
        self.directory = directory
        self.recovery = messages
        self.schema = schema
        self.options = options
        self.lock = lock
        self.nextSequence = lastSequence + 1
        (self.file, self.fileSize) = try WriteLogFile.create(layout.logFile(lastSequence + 1, in: directory), schema: schema, directory: directory)
        let thread = Thread { [self] in self.writeLoop() }
        thread.name = "skewless-log-\(view.qualifiedName)"
        thread.start()
    }

    deinit {
        file.closeFile()
    }

    /// Queues a record; `completion` runs on the log's thread once it is durable (with its
    /// sequence number), or failed.
    package func append(_ record: WriteLogRecord, completion: @escaping Completion) {
        let bytes = record.encoded()
        condition.lock()
        if let failure {
            condition.unlock()
            completion(.failure(failure))
            return
        }
        if closing {
            condition.unlock()
            completion(.failure(SkewlessError(.unavailable, "the write log of \(view.qualifiedName) is closed: the node is shutting down; send the write to another node")))
            return
        }
        queue.append((bytes, record.rows.count, completion))
        condition.signal()
        condition.unlock()
    }

    /// Appends and waits until the record is durable.
    /// - Returns: its sequence number.
    @discardableResult
    package func appendAndWait(_ record: WriteLogRecord) throws(SkewlessError) -> UInt64 {
        let done = NSCondition()
        nonisolated(unsafe) var result: Result<UInt64, SkewlessError>?
        append(record) { outcome in
            done.lock()
            result = outcome
            done.signal()
            done.unlock()
        }
        done.lock()
        while result == nil { done.wait() }
        let outcome = result!
        done.unlock()
        return try outcome.get()
    }

    package var currentStatistics: Statistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    /// Makes every queued append durable, stops the thread and releases the node's lock.
    /// Appends after this fail.
    package func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        lock.release()
    }

    // MARK: - The writer thread

    private func writeLoop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [(record: [UInt8], rows: Int, completion: Completion)]) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(batch.reduce(0) { $0 + $1.record.count })
        var sequences: [UInt64] = []
        sequences.reserveCapacity(batch.count)
        for entry in batch {
            var record = entry.record
            WriteLogRecord.stamp(&record, sequence: nextSequence)
            sequences.append(nextSequence)
            nextSequence += 1
            buffer.append(contentsOf: record)
        }
        do throws(SkewlessError) {
            try file.writeAll(buffer)
            try file.dataSync()
            fileSize += UInt64(buffer.count)
        } catch {
            let failed = SkewlessError(.unavailable, "the write log of \(view.qualifiedName) could not be written (\(error.message)); this node refuses writes until it is restarted: send them to another node")
            condition.lock()
            failure = failed
            let rest = queue
            queue.removeAll()
            condition.unlock()
            for entry in batch { entry.completion(.failure(failed)) }
            for entry in rest { entry.completion(.failure(failed)) }
            return
        }
        condition.lock()
        statistics.recordsLogged += UInt64(batch.count)
        statistics.rowsLogged += UInt64(batch.reduce(0) { $0 + $1.rows })
        statistics.bytesLogged += UInt64(buffer.count)
        statistics.commits += 1
        condition.unlock()
        for (entry, sequence) in zip(batch, sequences) {
            entry.completion(.success(sequence))
        }
        if fileSize >= UInt64(options.maximumFileBytes) {
            do throws(SkewlessError) {
                let (next, size) = try WriteLogFile.create("\(directory)/\(StoreLayout.logFileName(nextSequence))", schema: schema, directory: directory)
                file.closeFile()
                file = next
                fileSize = size
            } catch {
                // Keep appending to the current file; a later commit tries again.
            }
        }
    }

    private static func fileNumbers(in directory: String) throws(SkewlessError) -> [UInt64] {
        try DiskFile.list(directory).compactMap(StoreLayout.logFileNumber(fileName:)).sorted()
    }
}
