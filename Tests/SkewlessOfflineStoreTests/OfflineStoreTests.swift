import Foundation
import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

@Suite struct OfflineStoreTests {
    static let view = FeatureView(name: "stats", entities: ["user"], fields: [Field(name: "n", type: .int64), Field(name: "s", type: .string)], ttlSeconds: 3_600)

    static func store(_ directory: TemporaryDirectory, runRows: Int = 1_000, crashAt point: CrashPoint? = nil) -> OfflineStore {
        OfflineStore(directory: directory.path, options: .defaults {
            $0.rowGroupRows = 4
            $0.ingestRunRows = runRows
            $0.compactedSegmentRows = 25
            if let point {
                $0.crashHook = { reached throws(SkewlessError) in
                    if reached == point { throw SkewlessError(.aborted, "simulated crash at \(point)") }
                }
            }
        })
    }

    /// Ingests `count` rows numbered from `first`, in one session.
    static func ingest(_ store: OfflineStore, first: Int, count: Int) throws {
        let session = try store.beginIngest(view: view, joinKeys: Fixtures.userKey, nowMicros: Fixtures.base)
        for index in first..<first + count {
            try session.append(key: EntityKey(.int64(Int64(index % 7))), eventTime: Fixtures.base + Int64(index), createdTime: nil, values: [.int64(Int64(index)), index % 3 == 0 ? nil : .string("r\(index)")])
        }
        try session.commit()
    }

    /// Every row of the view, as (key, n) sorted, to compare stores before and after.
    static func contents(_ store: OfflineStore) throws -> [PlainRow] {
        try store.snapshot(of: view, joinKeys: Fixtures.userKey).allRows().flatMap { try $0.plainRows() }.sorted { $0.description < $1.description }
    }

    static func segmentFiles(_ directory: TemporaryDirectory) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path + "/views/stats@1")) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
    }

    @Test func ingestedRowsAreReadBackAfterCommitOnly() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory, runRows: 10)
            #expect(try Self.contents(store).isEmpty)
            let session = try store.beginIngest(view: Self.view, joinKeys: Fixtures.userKey, nowMicros: Fixtures.base)
            for index in 0..<35 {
                try session.append(key: EntityKey(.int64(Int64(index % 7))), eventTime: Fixtures.base + Int64(index), createdTime: index == 3 ? 42 : nil, values: [.int64(Int64(index)), nil])
            }
            // Runs are written (bounded memory) but not visible.
            #expect(Self.segmentFiles(directory).count == 3)
            #expect(try Self.contents(store).isEmpty)
            let added = try session.commit()
            #expect(added.count == 4)
            let rows = try Self.contents(store)
            #expect(rows.count == 35)
            #expect(rows.filter { $0.createdTime == Fixtures.base }.count == 34)
            #expect(rows.contains { $0.createdTime == 42 })
        }
    }

    @Test func anAbortedIngestCommitsNothing() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory, runRows: 10)
            try Self.ingest(store, first: 0, count: 5)
            let session = try store.beginIngest(view: Self.view, joinKeys: Fixtures.userKey, nowMicros: Fixtures.base)
            for _ in 0..<25 {
                try session.append(key: EntityKey(.int64(1)), eventTime: Fixtures.base, createdTime: nil, values: [nil, nil])
            }
            #expect(throws: SkewlessError.self) {
                try session.append(key: EntityKey(.string("x")), eventTime: 0, createdTime: nil, values: [nil, nil])
            }
            session.abort()
            #expect(try Self.contents(store).count == 5)
            #expect(Self.segmentFiles(directory).count == 1)
        }
    }

    @Test func batchesAreIngestedColumnByColumn() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory, runRows: 3)
            let session = try store.beginIngest(view: Self.view, joinKeys: Fixtures.userKey, nowMicros: Fixtures.base)
            try session.append(WriteBatch(
                keys: [EntityKey(.int64(2)), EntityKey(.int64(1)), EntityKey(.int64(2)), EntityKey(.int64(3))], eventTimes: [4, 3, 2, 1], createdTimes: nil,
                fields: [FieldValues(values: .int64([1, 2, 3, 4]), nullRows: [false, true, false, false]), nil]))
            try session.commit()
            let rows = try Self.contents(store)
            #expect(rows.map(\.values) == [[nil, nil], [.int64(3), nil], [.int64(1), nil], [.int64(4), nil]])
        }
    }

    @Test func oneWriterAtATime() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            let session = try store.beginIngest(view: Self.view, joinKeys: Fixtures.userKey, nowMicros: 0)
            let error = #expect(throws: SkewlessError.self) { try store.compact(view: Self.view, joinKeys: Fixtures.userKey) }
            #expect(error?.code == .aborted)
            session.abort()
            try store.compact(view: Self.view, joinKeys: Fixtures.userKey)
        }
    }

    @Test func compactionKeepsEveryRowAndTheTieOrder() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            for batch in 0..<6 { try Self.ingest(store, first: batch * 10, count: 10) }
            // Exact ties (same key, event and created time) in two segments: the later write stays later.
            for value in [1_000, 2_000] {
                let session = try store.beginIngest(view: Self.view, joinKeys: Fixtures.userKey, nowMicros: 7)
                try session.append(key: EntityKey(.int64(3)), eventTime: 5, createdTime: 7, values: [.int64(Int64(value)), nil])
                try session.commit()
            }
            let before = try Self.contents(store)
            let result = try store.compact(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(result.segmentsBefore == 8)
            #expect(result.segmentsAfter == 3)
            #expect(result.rows == 62)
            #expect(try Self.contents(store) == before)
            #expect(Self.segmentFiles(directory).count == 3)
            let merged = try store.snapshot(of: Self.view, joinKeys: Fixtures.userKey).allRows().flatMap { try $0.plainRows() }
            let ties = merged.filter { $0.eventTime == 5 && $0.createdTime == 7 }
            #expect(ties.map { $0.values[0] } == [.int64(1_000), .int64(2_000)])
        }
    }

    @Test(arguments: [CrashPoint.ingestSegmentsWritten, .ingestManifestWritten])
    func aCrashDuringIngestLeavesTheStoreAsItWas(point: CrashPoint) throws {
        try TemporaryDirectory.with { directory in
            try Self.ingest(Self.store(directory), first: 0, count: 10)
            let before = try Self.contents(Self.store(directory))
            let crashing = Self.store(directory, runRows: 4, crashAt: point)
            #expect(throws: SkewlessError.self) { try Self.ingest(crashing, first: 100, count: 10) }
            // Reopened: the old rows only; the orphans go at the next writer's open.
            let reopened = Self.store(directory)
            #expect(try Self.contents(reopened) == before)
            try Self.ingest(reopened, first: 200, count: 1)
            #expect(try Self.contents(reopened).count == 11)
            #expect(Self.segmentFiles(directory).count == 2)
            #expect(!FileManager.default.fileExists(atPath: directory.path + "/views/stats@1/MANIFEST.tmp"))
        }
    }

    @Test(arguments: [CrashPoint.compactionSegmentsWritten, .compactionManifestWritten, .compactionManifestSwapped, .compactionFirstOldSegmentDeleted])
    func aCrashDuringCompactionLosesAndDoublesNothing(point: CrashPoint) throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            for batch in 0..<4 { try Self.ingest(store, first: batch * 10, count: 10) }
            let before = try Self.contents(store)
            #expect(throws: SkewlessError.self) { try Self.store(directory, crashAt: point).compact(view: Self.view, joinKeys: Fixtures.userKey) }
            let reopened = Self.store(directory)
            #expect(try Self.contents(reopened) == before)
            let swapped = point == .compactionManifestSwapped || point == .compactionFirstOldSegmentDeleted
            #expect(try reopened.snapshot(of: Self.view, joinKeys: Fixtures.userKey).segments.count == (swapped ? 2 : 4))
            // The next writer cleans up, and compaction completes.
            try reopened.compact(view: Self.view, joinKeys: Fixtures.userKey)
            #expect(try Self.contents(reopened) == before)
            #expect(Self.segmentFiles(directory).count == 2)
        }
    }

    @Test func aCorruptManifestIsNamed() throws {
        try TemporaryDirectory.with { directory in
            let store = Self.store(directory)
            try Self.ingest(store, first: 0, count: 3)
            let path = directory.path + "/views/stats@1/MANIFEST"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            bytes[20] ^= 1
            try bytes.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SkewlessError.self) { try store.snapshot(of: Self.view, joinKeys: Fixtures.userKey) }
            #expect(error?.code == .dataLoss)
            #expect(error?.message.contains("MANIFEST") == true)
        }
    }
}
