import Foundation
import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

/// The write log: records, group commit, repair on open, readers, exactly-once, sealing.
@Suite struct WriteLogTests {
    static let view = FeatureView(name: "clicks", entities: ["user"], fields: [Field(name: "n", type: .int64), Field(name: "s", type: .string)], ttlSeconds: 3_600)
    static let schema = SegmentSchema(view: view, joinKeys: Fixtures.userKey)
    static let t0 = Fixtures.base

    static func store(_ directory: TemporaryDirectory, crashAt point: CrashPoint? = nil) -> OfflineStore {
        OfflineStore(directory: directory.path, options: .defaults {
            $0.rowGroupRows = 4
            if let point {
                $0.crashHook = { reached throws(SkewlessError) in
                    if reached == point { throw SkewlessError(.aborted, "simulated crash at \(point)") }
                }
            }
        })
    }

    static func open(_ store: OfflineStore, node: String = "node-1", maximumFileBytes: Int = 64 << 20) throws -> WriteLog {
        var options = WriteLog.Options()
        options.maximumFileBytes = maximumFileBytes
        return try WriteLog(store: store, view: view, joinKeys: Fixtures.userKey, node: node, options: options)
    }

    /// A record of `users`' rows: n = value, event time t0 + event.
    static func record(_ users: [Int64], value: Int64, event: Int64 = 0, accepted: Int64, key: String) throws -> WriteLogRecord {
        let batch = WriteBatch(
            keys: users.map { EntityKey(.int64($0)) }, eventTimes: users.map { _ in t0 + event },
            fields: [FieldValues(values: .int64(users.map { _ in value })), nil])
        return WriteLogRecord(acceptedTime: accepted, idempotencyKey: Array(key.utf8), rows: try SegmentRows(batch: batch, createdTime: accepted, schema: schema))
    }

    /// Every row the store holds (segments and logs): (user, n, created time).
    static func rows(_ store: OfflineStore) throws -> [String] {
        try store.snapshot(of: view, joinKeys: Fixtures.userKey).allRows().flatMap { try $0.plainRows() }
            .map { "\($0.key) n=\($0.values[0].map { "\($0)" } ?? "null") created=\($0.createdTime - t0)" }.sorted()
    }

    static func logFiles(_ store: OfflineStore, node: String = "node-1") -> [String] {
        let directory = store.layout.nodeLogDirectory(view, node: node)
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
    }

    @Test func loggedRowsArePartOfTheOfflineStoreAtOnceWithTheirAcceptanceTimeAsCreatedTime() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store)
            defer { log.close() }
            try log.appendAndWait(Self.record([1, 2], value: 10, accepted: Self.t0 + 5, key: "a"))
            try log.appendAndWait(Self.record([1], value: 11, event: 1, accepted: Self.t0 + 7, key: "b"))
            #expect(try Self.rows(store) == ["1 n=10 created=5", "1 n=11 created=7", "2 n=10 created=5"])
            // Point in time as of known time: at t0 + 6 only the first batch was known.
            let labels = HistoricalLabels(keys: ["user_id": .int64([1])], times: [Self.t0 + 6])
            let features = [ResolvedFeature(view: Self.view, fieldIndex: 0)]
            let known = try store.historical(labels: labels, features: features, joinKeys: { _ in Fixtures.userKey }, asOfKnownTime: true)
            #expect(try known[0].value(at: 0) == .int64(10))
            let latest = try store.historical(labels: HistoricalLabels(keys: ["user_id": .int64([1])], times: [Self.t0 + 8]), features: features, joinKeys: { _ in Fixtures.userKey })
            #expect(try latest[0].value(at: 0) == .int64(11))
        }
    }

    @Test func groupCommitMakesConcurrentAppendsDurableWithIncreasingSequences() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store)
            let sequences = LockedList()
            DispatchQueue.concurrentPerform(iterations: 200) { index in
                let record = try! Self.record([Int64(index)], value: Int64(index), accepted: Self.t0 + Int64(index), key: "k\(index)")
                sequences.add(try! log.appendAndWait(record))
            }
            let statistics = log.currentStatistics
            log.close()
            #expect(sequences.values.sorted() == Array(1...200))
            #expect(statistics.recordsLogged == 200)
            #expect(statistics.commits <= 200)
            #expect(try Self.rows(store).count == 200)
        }
    }

    @Test func aTornTailIsCutOnOpenNamedInTheRecoveryAndNeverRead() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            var log = try Self.open(store)
            for index in 0..<3 {
                try log.appendAndWait(Self.record([Int64(index)], value: Int64(index), accepted: Self.t0 + Int64(index), key: "k\(index)"))
            }
            log.close()
            let path = try #require(Self.logFiles(store).last)
            let good = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            // Half of a fourth record: what a crash in the middle of a write leaves.
            var torn = try Self.record([9], value: 9, accepted: Self.t0 + 9, key: "k9").encoded()
            WriteLogRecord.stamp(&torn, sequence: 4)
            let handle = try #require(FileHandle(forWritingAtPath: path))
            handle.seekToEndOfFile()
            handle.write(Data(torn.prefix(torn.count / 2)))
            handle.closeFile()
            // Readers stop before it; the store holds the three good rows.
            #expect(try Self.rows(store).count == 3)
            log = try Self.open(store)
            defer { log.close() }
            #expect(log.recovery.count == 1)
            #expect(log.recovery[0].contains("at offset \(good) of \(path)"))
            #expect(log.recovery[0].contains("incomplete record"))
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == good)
            // New records follow in a new file, with the next sequence number.
            #expect(try log.appendAndWait(Self.record([5], value: 5, accepted: Self.t0 + 20, key: "k5")) == 4)
            #expect(try Self.rows(store).count == 4)
        }
    }

    @Test func aFlippedBitInTheLastRecordIsDetectedCutAndNeverServed() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            var log = try Self.open(store)
            try log.appendAndWait(Self.record([1], value: 1, accepted: Self.t0 + 1, key: "a"))
            try log.appendAndWait(Self.record([2], value: 2, accepted: Self.t0 + 2, key: "b"))
            log.close()
            let path = try #require(Self.logFiles(store).last)
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            bytes[bytes.count - 3] ^= 0x10
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            #expect(try Self.rows(store) == ["1 n=1 created=1"])
            log = try Self.open(store)
            defer { log.close() }
            #expect(log.recovery.count == 1)
            #expect(log.recovery[0].contains("CRC32C"))
            #expect(log.recovery[0].contains(path))
            #expect(try Self.rows(store) == ["1 n=1 created=1"])
        }
    }

    @Test func aSecondProcessCannotLogAsTheSameNode() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store)
            defer { log.close() }
            #expect(throws: SkewlessError.self) { try Self.open(store) }
            let other = try Self.open(store, node: "node-2")
            other.close()
        }
    }

    @Test func aRetriedBatchIsStoredOnceWhicheverLogsHoldIt() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let first = try Self.open(store, node: "node-1")
            let second = try Self.open(store, node: "node-2")
            defer { first.close(); second.close() }
            // Logged by node-1, then retried on node-2 (say node-1 timed out), then on node-1.
            try first.appendAndWait(Self.record([1, 2], value: 7, accepted: Self.t0 + 1, key: "batch-1"))
            try second.appendAndWait(Self.record([1, 2], value: 7, accepted: Self.t0 + 3, key: "batch-1"))
            try first.appendAndWait(Self.record([1, 2], value: 7, accepted: Self.t0 + 4, key: "batch-1"))
            try first.appendAndWait(Self.record([3], value: 8, accepted: Self.t0 + 5, key: "batch-2"))
            let expected = ["1 n=7 created=1", "2 n=7 created=1", "3 n=8 created=5"]
            #expect(try Self.rows(store) == expected)
            let sealed = try store.seal(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(sealed.records == 2 && sealed.duplicates == 2 && sealed.rows == 3)
            #expect(try Self.rows(store) == expected)
            // A retry that arrives after the original was sealed is recognised too.
            try second.appendAndWait(Self.record([1, 2], value: 7, accepted: Self.t0 + 9, key: "batch-1"))
            #expect(try Self.rows(store) == expected)
            let again = try store.seal(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(again.records == 0 && again.duplicates == 1)
            #expect(try Self.rows(store) == expected)
            let manifest = try Manifest.load(from: store.layout.viewDirectory(Self.view), layout: store.layout)
            #expect(manifest.segments.count == 1)
        }
    }

    @Test func followingReturnsWhatCameAfterItsPositionsWhichAreOffsetsInTheFiles() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let own = try Self.open(store, node: "node-1")
            let other = try Self.open(store, node: "node-2")
            defer { own.close(); other.close() }
            try own.appendAndWait(Self.record([1], value: 1, accepted: Self.t0 + 1, key: "a"))
            try other.appendAndWait(Self.record([2], value: 2, accepted: Self.t0 + 2, key: "b"))
            try other.appendAndWait(Self.record([3], value: 3, accepted: Self.t0 + 3, key: "c"))
            let first = try store.follow(view: Self.view, joinKeys: Fixtures.userKey, from: nil)
            #expect(first.entries.map(\.node) == ["node-1", "node-2", "node-2"])
            // A position is where the next read starts in the file: just past the last record.
            let otherFile = try #require(Self.logFiles(store, node: "node-2").last)
            #expect(first.ends["node-2"]?.offset == DiskFile.sizeAndModification(otherFile)?.size)
            let again = try store.follow(view: Self.view, joinKeys: Fixtures.userKey, from: first.ends)
            #expect(again.entries.isEmpty)
            #expect(again.ends == first.ends)
            try other.appendAndWait(Self.record([4], value: 4, accepted: Self.t0 + 4, key: "d"))
            let next = try store.follow(view: Self.view, joinKeys: Fixtures.userKey, from: again.ends)
            #expect(next.entries.map(\.record.sequence) == [3])
            #expect(next.ends["node-2"]?.offset == DiskFile.sizeAndModification(otherFile)?.size)
            #expect(next.ends["node-1"] == first.ends["node-1"])
        }
    }

    @Test func sealingMovesTheLogIntoASegmentAndDeletesOnlySealedFiles() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store, maximumFileBytes: 200)
            defer { log.close() }
            for index in 0..<10 {
                try log.appendAndWait(Self.record([Int64(index)], value: Int64(index), accepted: Self.t0 + Int64(index), key: "k\(index)"))
            }
            let before = try Self.rows(store)
            #expect(Self.logFiles(store).count > 2)
            let summary = try store.seal(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(summary.rows == 10)
            #expect(summary.logFilesDeleted > 0)
            #expect(Self.logFiles(store).count <= 2)
            #expect(try Self.rows(store) == before)
            let snapshot = try store.snapshot(of: Self.view, joinKeys: Fixtures.userKey)
            #expect(snapshot.tail.records == 0)
            #expect(snapshot.manifest.segments.count == 1)
            // Appending goes on after the sealed position.
            try log.appendAndWait(Self.record([42], value: 42, accepted: Self.t0 + 50, key: "k42"))
            #expect(try Self.rows(store).count == 11)
            #expect(try store.logBacklog(of: Self.view, joinKeys: Fixtures.userKey).records == 1)
        }
    }

    @Test func aSealingTakesABoundedShareOfALargeBacklogAndTheNextOnesTheRest() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let first = try Self.open(store, node: "node-1")
            let second = try Self.open(store, node: "node-2")
            defer { first.close(); second.close() }
            for index in 0..<30 {
                let log = index % 2 == 0 ? first : second
                try log.appendAndWait(Self.record([Int64(index)], value: Int64(index), accepted: Self.t0 + Int64(index), key: "k\(index)"))
            }
            let before = try Self.rows(store)
            var passes = 0
            var sealed = 0
            while true {
                let summary = try store.seal(view: Self.view, joinKeys: Fixtures.userKey, maximumBytes: 400)
                passes += 1
                sealed += summary.rows
                // Oldest first: each pass takes the records accepted before the next pass's.
                #expect(try Self.rows(store) == before)
                if !summary.more { break }
            }
            #expect(passes > 3 && sealed == 30)
            #expect(try store.snapshot(of: Self.view, joinKeys: Fixtures.userKey).tail.records == 0)
        }
    }

    @Test(arguments: [CrashPoint.sealSegmentWritten, .sealManifestWritten, .sealManifestSwapped, .sealFirstLogFileDeleted])
    func aCrashAtEachStepOfSealingLeavesEveryRowExactlyOnce(at point: CrashPoint) throws {
        try TemporaryDirectory.with { directory in
            let clean = Self.store(directory)
            let log = try Self.open(clean, maximumFileBytes: 200)
            defer { log.close() }
            for index in 0..<8 {
                try log.appendAndWait(Self.record([Int64(index % 3)], value: Int64(index), event: Int64(index), accepted: Self.t0 + Int64(index), key: "k\(index)"))
            }
            let before = try Self.rows(clean)
            #expect(throws: SkewlessError.self) { try Self.store(directory, crashAt: point).seal(view: Self.view, joinKeys: Fixtures.userKey) }
            #expect(try Self.rows(clean) == before)
            // The next sealing (another node's, say) finishes the job.
            try clean.seal(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(try Self.rows(clean) == before)
            let snapshot = try clean.snapshot(of: Self.view, joinKeys: Fixtures.userKey)
            #expect(snapshot.tail.records == 0)
            #expect(snapshot.manifest.rowCount == 8)
            // No unnamed segment is left behind.
            let files = try FileManager.default.contentsOfDirectory(atPath: clean.layout.viewDirectory(Self.view)).filter { $0.hasSuffix(".seg") }
            #expect(files.count == snapshot.manifest.segments.count)
        }
    }

    @Test func readersSeeEveryRowOnceWhileSealersMoveTheLogIntoSegments() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store, maximumFileBytes: 300)
            defer { log.close() }
            var appended = 0
            let sealing = DispatchGroup()
            let stop = LockedList()
            DispatchQueue.global().async(group: sealing) {
                while stop.values.isEmpty {
                    _ = try? store.seal(view: Self.view, joinKeys: Fixtures.userKey)
                }
            }
            for round in 0..<40 {
                try log.appendAndWait(Self.record([Int64(round % 5)], value: Int64(round), event: Int64(round), accepted: Self.t0 + Int64(round), key: "r\(round)"))
                appended += 1
                #expect(try Self.rows(store).count == appended, "round \(round)")
            }
            stop.add(1)
            sealing.wait()
        }
    }

    @Test func incrementalMaterializationLoadsWhatArrivedInTheLogSinceItsMark() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let log = try Self.open(store)
            defer { log.close() }
            try log.appendAndWait(Self.record([1, 2], value: 1, accepted: Self.t0 + 1, key: "a"))
            let first = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey) { _ throws(SkewlessError) in }
            #expect(first.entities == 2)
            // An older event, arriving later: still an arrival.
            try log.appendAndWait(Self.record([2], value: 2, event: -5, accepted: Self.t0 + 2, key: "b"))
            var keys: [EntityKey] = []
            let second = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, since: first.arrival) { batch throws(SkewlessError) in keys += batch.keys }
            #expect(keys == [EntityKey(.int64(2))])
            // Sealed meanwhile: the rows come again (harmless), nothing is lost.
            try store.seal(view: Self.view, joinKeys: Fixtures.userKey)
            try log.appendAndWait(Self.record([3], value: 3, accepted: Self.t0 + 3, key: "c"))
            var later: [EntityKey] = []
            _ = try store.latestRows(of: Self.view, joinKeys: Fixtures.userKey, since: second.arrival) { batch throws(SkewlessError) in later += batch.keys }
            #expect(later.contains(EntityKey(.int64(3))))
        }
    }
}

/// Values appended from many threads.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [UInt64] = []

    func add(_ value: UInt64) {
        lock.lock()
        items.append(value)
        lock.unlock()
    }

    var values: [UInt64] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}
