import SkewlessModel
import Synchronization

/// One node's served-feature log in the offline store (docs/served-log.md): files of
/// checksummed records, each what the node served for one sampled read, framed as the write
/// log's records are, under `served-log/NODE/`.
///
/// Written by one thread (the node's `ServedLogWriter`), which hands it records in batches:
/// `append` writes a batch with one `write` and makes it durable with one `fdatasync`. A new
/// file starts when the node opens its log, when the current one reaches
/// `maximumFileBytes` or `maximumFileSeconds`, and after a failed write (the old file may end
/// in a torn record, which readers skip). `enforceRetention` deletes the oldest files while
/// the log holds more than `retainedBytes`, and any file last written more than
/// `retainedSeconds` ago; the file being written is never deleted.
///
/// **Opening repairs.** `init` takes the node's `LOCK` in `served-log/NODE/` (one process
/// logs as a node) and cuts the newest file at its first incomplete or corrupt record: a
/// write torn by a crash. What it cut is in `recovery`, for the node's log.
package final class ServedLog: Sendable {
    package struct Options: Sendable {
        package var maximumFileBytes: UInt64 = 16 << 20
        package var maximumFileSeconds: Double = 3_600
        package var retainedBytes: UInt64 = 1 << 30
        package var retainedSeconds: Double = 7 * 86_400

        package static var defaults: Options { Options() }

        package init() {}
    }

    /// What one `append` wrote.
    package struct Appended: Sendable, Hashable {
        package var records = 0
        package var rows = 0
        package var bytes: UInt64 = 0
    }

    /// What one `enforceRetention` did, and what is left.
    package struct Retention: Sendable, Hashable {
        package var filesDeleted = 0
        package var bytesDeleted: UInt64 = 0
        package var bytesOnDisk: UInt64 = 0
        /// Files that could not be deleted, and why.
        package var problems: [String] = []
    }

    private struct FileEntry {
        var number: UInt64
        var size: UInt64
        /// Microseconds since the epoch.
        var lastWrite: Int64
    }

    private struct Current {
        var file: DiskFile
        var entry: FileEntry
        var createdMicros: Int64
    }

    private struct State {
        /// Closed files, oldest first.
        var files: [FileEntry]
        var current: Current?
        var nextSequence: UInt64
        var lock: ViewLock?
        /// The bytes of a batch, kept between appends: a new buffer of megabytes per batch
        /// cost page faults and zeroing.
        var buffer: [UInt8] = []
    }

    package let node: String
    package let directory: String
    /// What opening found and cut, one sentence each, naming the file and offset.
    package let recovery: [String]
    private let layout: StoreLayout
    private let options: Options
    private let state: Mutex<State>

    /// Opens (and repairs) the node's served log, creating it if needed.
    /// - Throws: `aborted` when another process logs as `node`; I/O errors.
    package init(store: OfflineStore, node: String, options: Options = .defaults, nowMicros: Int64 = WallClock.nowMicros()) throws(SkewlessError) {
        let layout = store.layout
        let directory = layout.nodeServedLogDirectory(node: node)
        try DiskFile.makeDirectories(directory)
        let lock = try ViewLock(
            path: layout.lock(in: directory), view: "the served log of node '\(node)'",
            busy: "another process is logging served features as node '\(node)' in this store: give every node its own --node-id, and stop the other process first")
        var messages: [String] = []
        var numbers = try Self.fileNumbers(in: directory)
        var lastSequence: UInt64 = 0
        if let newest = numbers.last {
            let path = layout.servedLogFile(newest, in: directory)
            lastSequence = newest &- 1
            if let bytes = try DiskFile.contents(path) {
                if let reason = ServedLogFile.checkHeader(bytes) {
                    guard bytes.count <= ServedLogFile.headerSize else {
                        throw SkewlessError(.failedPrecondition, "\(path) is not a served log file this build reads: \(reason). Move it away if it does not belong here")
                    }
                    try DiskFile.remove(path)
                    numbers.removeLast()
                    messages.append("removed \(path): \(reason) (a crash while the file was being created)")
                } else {
                    var offset = ServedLogFile.headerSize
                    var records = 0
                    var cut: String?
                    scan: while true {
                        switch ServedLogRecord.read(bytes, at: offset, file: path) {
                        case .record(let record, let end):
                            lastSequence = max(lastSequence, record.sequence)
                            offset = end
                            records += 1
                        case .incomplete:
                            if offset < bytes.count { cut = "an incomplete record, torn by a crash" }
                            break scan
                        case .corrupt(let reason):
                            cut = "\(reason) (a torn write or corruption)"
                            break scan
                        }
                    }
                    if let cut {
                        let handle = try DiskFile.openForAppending(path)
                        defer { handle.closeFile() }
                        try handle.truncate(to: UInt64(offset))
                        messages.append("cut \(bytes.count - offset) bytes at offset \(offset) of \(path): \(cut); the \(records) records before it are kept")
                    }
                    if records == 0 {
                        // Nothing in it: the new file takes its place (and maybe its name).
                        try DiskFile.remove(path)
                        numbers.removeLast()
                    }
                }
            }
        }
        var files: [FileEntry] = []
        for number in numbers {
            guard let (size, modified) = DiskFile.sizeAndModification(layout.servedLogFile(number, in: directory)) else { continue }
            files.append(FileEntry(number: number, size: size, lastWrite: modified))
        }
        self.node = node
        self.directory = directory
        self.recovery = messages
        self.layout = layout
        self.options = options
        self.state = Mutex(State(files: files, current: nil, nextSequence: lastSequence + 1, lock: lock))
        try state.withLock { state throws(SkewlessError) in
            try self.startFile(&state, nowMicros: nowMicros)
        }
    }

    /// Writes `records` (assigning their sequence numbers) and makes them durable. Records
    /// that cannot be encoded (columns of the wrong length: a bug in the caller) are skipped
    /// and not counted. Each record is encoded as the sequence yields it, so a lazy sequence
    /// never holds more than one decoded record.
    /// - Throws: when the write or the sync fails: none of the batch may be durable, and
    ///   the next append starts a new file.
    @discardableResult
    package func append(_ records: some Sequence<ServedLogRecord>, nowMicros: Int64 = WallClock.nowMicros()) throws(SkewlessError) -> Appended {
        try state.withLock { state throws(SkewlessError) -> Appended in
            guard state.lock != nil else {
                throw SkewlessError(.unavailable, "the served log of node '\(node)' is closed")
            }
            // A file with no record yet is kept: the next one would take its name.
            if let current = state.current, current.entry.size > UInt64(ServedLogFile.headerSize),
                current.entry.size >= options.maximumFileBytes
                    || Double(nowMicros - current.createdMicros) >= options.maximumFileSeconds * 1_000_000
            {
                closeCurrent(&state)
            }
            if state.current == nil {
                try startFile(&state, nowMicros: nowMicros)
            }
            var buffer = state.buffer
            state.buffer = []
            buffer.removeAll(keepingCapacity: true)
            defer { state.buffer = buffer }
            var appended = Appended()
            for record in records {
                guard var bytes = try? record.encoded() else { continue }
                ServedLogRecord.stamp(&bytes, sequence: state.nextSequence)
                state.nextSequence += 1
                buffer += bytes
                appended.records += 1
                appended.rows += record.rowCount
            }
            guard !buffer.isEmpty, var current = state.current else { return appended }
            do throws(SkewlessError) {
                try current.file.writeAll(buffer)
                try current.file.dataSync()
            } catch {
                // The file's end is unknown now (maybe a torn record): readers stop there,
                // and the next append starts a new file.
                current.entry.size = DiskFile.sizeAndModification(current.file.path)?.size ?? current.entry.size
                state.current = current
                closeCurrent(&state)
                throw error
            }
            current.entry.size += UInt64(buffer.count)
            current.entry.lastWrite = nowMicros
            state.current = current
            appended.bytes = UInt64(buffer.count)
            return appended
        }
    }

    /// Deletes the oldest files (never the one being written) while the log holds more
    /// than `retainedBytes`, and every file last written more than `retainedSeconds`
    /// before `nowMicros`.
    @discardableResult
    package func enforceRetention(nowMicros: Int64 = WallClock.nowMicros()) -> Retention {
        state.withLock { state in
            var result = Retention()
            var total = state.files.reduce(0) { $0 + $1.size } + (state.current?.entry.size ?? 0)
            let oldestKept = nowMicros - Int64(options.retainedSeconds * 1_000_000)
            while let oldest = state.files.first, total > options.retainedBytes || oldest.lastWrite < oldestKept {
                let path = layout.servedLogFile(oldest.number, in: directory)
                do throws(SkewlessError) {
                    try DiskFile.remove(path)
                } catch {
                    result.problems.append(error.message)
                    break
                }
                state.files.removeFirst()
                total -= oldest.size
                result.filesDeleted += 1
                result.bytesDeleted += oldest.size
            }
            result.bytesOnDisk = total
            return result
        }
    }

    /// Bytes of this node's log files.
    package var bytesOnDisk: UInt64 {
        state.withLock { state in state.files.reduce(0) { $0 + $1.size } + (state.current?.entry.size ?? 0) }
    }

    /// Closes the current file and releases the node's lock; appends after this fail.
    package func close() {
        state.withLock { state in
            closeCurrent(&state)
            state.lock?.release()
            state.lock = nil
        }
    }

    // MARK: - Files

    private func startFile(_ state: inout State, nowMicros: Int64) throws(SkewlessError) {
        let number = state.nextSequence
        let file = try ServedLogFile.create(layout.servedLogFile(number, in: directory), directory: directory)
        state.current = Current(
            file: file, entry: FileEntry(number: number, size: UInt64(ServedLogFile.headerSize), lastWrite: nowMicros), createdMicros: nowMicros)
    }

    private func closeCurrent(_ state: inout State) {
        guard let current = state.current else { return }
        current.file.closeFile()
        state.files.append(current.entry)
        state.current = nil
    }

    private static func fileNumbers(in directory: String) throws(SkewlessError) -> [UInt64] {
        try DiskFile.list(directory).compactMap(StoreLayout.servedLogFileNumber(fileName:)).sorted()
    }
}
