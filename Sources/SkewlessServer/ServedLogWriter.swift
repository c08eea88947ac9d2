import Logging
import NIOCore
import SkewlessModel
import SkewlessOfflineStore
import SkewlessWire
import Synchronization

/// Records the rows a node served for sampled reads in its served-feature log
/// (docs/served-log.md), without ever slowing or failing a read.
///
/// On the event loop, a sampled read costs one `offer`: a reference to the response frame
/// already encoded for the client and to the request's key columns, appended to a queue
/// under a lock. Everything else happens on a `BackgroundLoop` of the writer's own: every
/// `flushSeconds` (or sooner when the queue is half full) it takes what is queued, decodes
/// each frame as a client would (`ReceivedFeatures`), writes the records with one write
/// and one `fdatasync` (`ServedLog.append`), and applies retention.
///
/// Bounded: the queue holds at most `queueBytes` (frames and keys); a read offered beyond
/// that is dropped and counted (`droppedQueueFull`), as is every record of a batch the log
/// could not write (`droppedWriteFailed`: a full or failing disk). On disk, retention keeps
/// the node's log under `ServedLog.Options.retainedBytes` and `retainedSeconds`. `stop`
/// ends the loop, writes what is still queued and closes the log, so a graceful shutdown
/// loses nothing the node served.
final class ServedLogWriter: Sendable {
    struct Options: Sendable {
        /// The queue's budget: frames and key columns waiting for the writer.
        var queueBytes = 64 << 20
        /// How often the writer writes what is queued (and syncs it): often enough that
        /// each batch is a short burst of CPU (a 1 x 50 read takes about 30 us to log).
        var flushSeconds = 0.2
        var log = ServedLog.Options.defaults
    }

    /// One sampled read, as captured on the event loop: references, no copies.
    struct Capture: Sendable {
        /// The response frame sent to the client: 4-byte length, then a `ResponseFrame`.
        var frame: ByteBuffer
        /// The request's key columns, as received.
        var keys: [Skewless_V1_EntityKeyColumn]
        /// The join keys of the features served, in order: the key columns kept.
        var joinKeys: [JoinKey]
        /// The names of the response's columns (the plan's), so that decoding it takes the
        /// decoder's fast path and allocates no name.
        var columnNames: ColumnNames
        var rowCount: Int
        var servedTime: Int64
        var mapEpoch: UInt64
        var requestID: String
        var service: String

        /// About the memory the capture keeps alive.
        var bytes: Int {
            var total = frame.readableBytes + 128 + requestID.utf8.count
            for column in keys {
                total += column.int64Values.count * 8
                for value in column.stringValues { total += value.utf8.count + 16 }
            }
            return total
        }
    }

    private struct Queue {
        var items: [Capture] = []
        var bytes = 0
        /// The writer was woken since the queue passed half its budget.
        var woken = false
    }

    let counters: ServedLogCounters
    private let store: OfflineStore
    private let node: String
    private let options: Options
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let queue = Mutex(Queue())
    private let log = Mutex<ServedLog?>(nil)
    private let loop = Mutex<BackgroundLoop?>(nil)
    /// When a failure was last logged (microseconds), to log one a minute at most.
    private let lastWarning = Mutex<Int64>(0)

    init(store: OfflineStore, node: String, options: Options, logger: Logger, clock: @escaping @Sendable () -> Int64 = WallClock.nowMicros) {
        self.store = store
        self.node = node
        self.options = options
        self.logger = logger
        self.clock = clock
        self.counters = ServedLogCounters(enabled: true)
    }

    /// Opens the log (repairing a torn tail) and starts the writer's thread.
    func start() {
        openLogIfNeeded()
        // Nice 10: when the event loops and the writer both want a core, serving gets it.
        let loop = BackgroundLoop(name: "sk-served-log", niceness: 10) { [self] in
            flush()
            return .upTo(seconds: options.flushSeconds)
        }
        self.loop.withLock { $0 = loop }
        loop.start()
    }

    /// Ends the writer's thread, writes what is queued, and closes the log.
    func stop() {
        loop.withLock { $0 }?.stop()
        flush()
        log.withLock { log in
            log?.close()
            log = nil
        }
    }

    /// Queues a sampled read; drops it (counted) when the queue is at its budget. Called on
    /// an event loop: a lock and an append, nothing more.
    func offer(_ capture: Capture) {
        let size = capture.bytes
        let (accepted, wake) = queue.withLock { queue -> (Bool, Bool) in
            guard queue.bytes + size <= options.queueBytes else { return (false, false) }
            queue.items.append(capture)
            queue.bytes += size
            guard !queue.woken, queue.bytes * 2 > options.queueBytes else { return (true, false) }
            queue.woken = true
            return (true, true)
        }
        if !accepted {
            counters.update { $0.droppedQueueFull += 1 }
        } else if wake {
            loop.withLock { $0 }?.wake()
        }
    }

    /// The counters and what is queued now, for the node's metrics.
    var snapshot: ServedLogCounters.Snapshot {
        var snapshot = counters.snapshot
        let (records, bytes) = queue.withLock { ($0.items.count, $0.bytes) }
        snapshot.queuedRecords = UInt64(records)
        snapshot.queuedBytes = UInt64(bytes)
        return snapshot
    }

    /// HEALTH's view: the counters and what is queued now.
    var status: Skewless_V1_ServedLogStatus {
        var status = counters.wire
        let (records, bytes) = queue.withLock { ($0.items.count, $0.bytes) }
        status.queuedRecords = UInt64(records)
        status.queuedBytes = UInt64(bytes)
        return status
    }

    // MARK: - The writer's thread

    /// Writes everything queued now, then applies retention.
    private func flush() {
        let items = queue.withLock { queue -> [Capture] in
            let items = queue.items
            queue.items = []
            queue.bytes = 0
            queue.woken = false
            return items
        }
        guard let served = openLogIfNeeded() else {
            if !items.isEmpty { counters.update { $0.droppedWriteFailed += UInt64(items.count) } }
            return
        }
        if !items.isEmpty {
            // Decoded one at a time as the log encodes them: a batch never holds thousands of
            // decoded records (their arrays cost the heap's growth and trimming each flush).
            let node = self.node
            let records = items.lazy.compactMap { item -> ServedLogRecord? in
                do throws(SkewlessError) {
                    return try Self.record(of: item, node: node)
                } catch {
                    self.warn("could not read back a served response for the served log (a bug in the node): \(error.message)")
                    return nil
                }
            }
            do throws(SkewlessError) {
                let appended = try served.append(records, nowMicros: clock())
                counters.update {
                    $0.recordsLogged += UInt64(appended.records)
                    $0.rowsLogged += UInt64(appended.rows)
                    $0.bytesWritten += appended.bytes
                    // Unreadable or unencodable ones: a bug, counted with the failures.
                    $0.droppedWriteFailed += UInt64(items.count - appended.records)
                }
            } catch {
                counters.update { $0.droppedWriteFailed += UInt64(items.count) }
                warn("could not write \(items.count) records to the served log (they are dropped; reads go on): \(error.message)")
            }
        }
        let retention = served.enforceRetention(nowMicros: clock())
        counters.update {
            $0.filesDeleted += UInt64(retention.filesDeleted)
            $0.bytesOnDisk = retention.bytesOnDisk
        }
        for problem in retention.problems {
            warn("served log retention: \(problem)")
        }
    }

    /// The open log, opening it first if it is not (at start, or after opening failed).
    @discardableResult
    private func openLogIfNeeded() -> ServedLog? {
        if let open = log.withLock({ $0 }) { return open }
        do throws(SkewlessError) {
            let opened = try ServedLog(store: store, node: node, options: options.log, nowMicros: clock())
            for message in opened.recovery {
                logger.warning("served log repaired: \(message)")
            }
            log.withLock { $0 = opened }
            return opened
        } catch {
            warn("could not open the served log (sampled reads are dropped until it opens): \(error.message)")
            return nil
        }
    }

    private func warn(_ message: String) {
        let now = clock()
        let due = lastWarning.withLock { last -> Bool in
            guard now - last >= 60_000_000 else { return false }
            last = now
            return true
        }
        if due { logger.warning("\(message)") }
    }

    /// The log record of a captured read: its frame decoded as a client decodes it.
    static func record(of capture: Capture, node: String) throws(SkewlessError) -> ServedLogRecord {
        let frame = capture.frame
        guard frame.readableBytes >= ProtocolVersion.lengthPrefixBytes,
            let body = frame.getSlice(at: frame.readerIndex + ProtocolVersion.lengthPrefixBytes, length: frame.readableBytes - ProtocolVersion.lengthPrefixBytes)
        else {
            throw SkewlessError(.internal, "a served frame of \(frame.readableBytes) bytes has no body")
        }
        let envelope = try ResponseEnvelope(decoding: body)
        if let error = envelope.error { throw error }
        let answer = try envelope.payload.withUnsafeReadableBytes { bytes throws(SkewlessError) in
            try ReceivedFeatures(decoding: bytes, rowCount: capture.rowCount, expectedNames: capture.columnNames)
        }
        var features: [ServedLogRecord.Feature] = []
        features.reserveCapacity(answer.columnCount)
        for column in 0..<answer.columnCount {
            let rows = 0..<capture.rowCount
            features.append(ServedLogRecord.Feature(
                reference: answer.names[column], type: answer.type(ofColumn: column),
                statuses: rows.map { answer.status(column: column, row: $0) },
                eventTimes: rows.map { answer.eventTime(column: column, row: $0) },
                values: answer.values(column: column)))
        }
        var keys: [ServedLogRecord.Key] = []
        for joinKey in capture.joinKeys {
            guard let column = capture.keys.first(where: { $0.joinKey == joinKey.name }) else { continue }
            switch joinKey.type.storage {
            case .int64: keys.append(ServedLogRecord.Key(name: joinKey.name, values: .int64(column.int64Values)))
            case .string: keys.append(ServedLogRecord.Key(name: joinKey.name, values: .string(column.stringValues)))
            }
        }
        return ServedLogRecord(
            servedTime: capture.servedTime, mapEpoch: capture.mapEpoch, requestID: capture.requestID, service: capture.service, node: node,
            rowCount: capture.rowCount, keys: keys, features: features)
    }
}
