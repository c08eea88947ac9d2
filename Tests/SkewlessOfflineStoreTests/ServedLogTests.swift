import Foundation
import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

/// The served-feature log: the record format, readers, repair of torn tails, retention.
@Suite struct ServedLogTests {
    static let t0 = Fixtures.base

    /// A record of `rows` users (ids `first`...), one feature of every type, statuses
    /// cycling through every status; rows without a value hold placeholders.
    static func record(service: String = "svc", request: String, served: Int64, rows: Int = 3, first: Int64 = 1, node: String = "node-1") -> ServedLogRecord {
        let statuses: [ValueStatus] = [.present, .notFound, .nullValue, .outsideTTL, .defaulted]
        var features: [ServedLogRecord.Feature] = []
        for (index, field) in Fixtures.allTypesView.fields.enumerated() {
            var values = ColumnValues.placeholders(of: field.type, count: 0)
            var rowStatuses: [ValueStatus] = []
            var times: [Int64] = []
            for row in 0..<rows {
                let status = statuses[(row + index) % statuses.count]
                rowStatuses.append(status)
                times.append(status == .notFound ? 0 : t0 - Int64(row) * 1_000)
                values.append(status.hasValue ? Fixtures.value(field.type, seed: row + index) : nil)
            }
            features.append(ServedLogRecord.Feature(
                reference: "everything@1:\(field.name)", type: field.type, statuses: rowStatuses, eventTimes: times, values: values))
        }
        return ServedLogRecord(
            servedTime: served, mapEpoch: 7, requestID: request, service: service, node: node, rowCount: rows,
            keys: [
                ServedLogRecord.Key(name: "user_id", values: .int64((0..<Int64(rows)).map { first + $0 })),
                ServedLogRecord.Key(name: "merchant_id", values: .string((0..<rows).map { "m-\($0) é" })),
            ],
            features: features)
    }

    static func open(_ store: OfflineStore, node: String = "node-1", configure: (inout ServedLog.Options) -> Void = { _ in }) throws -> ServedLog {
        var options = ServedLog.Options()
        configure(&options)
        return try ServedLog(store: store, node: node, options: options, nowMicros: t0)
    }

    static func files(_ store: OfflineStore, node: String = "node-1") -> [String] {
        let directory = store.layout.nodeServedLogDirectory(node: node)
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".slog") }.sorted().map { directory + "/" + $0 }
    }

    /// `record` as the log returns it: with its sequence number.
    static func numbered(_ record: ServedLogRecord, _ sequence: UInt64) -> ServedLogRecord {
        var numbered = record
        numbered.sequence = sequence
        return numbered
    }

    @Test func recordsComeBackAsWrittenWithEveryTypeStatusAndKey() throws {
        try TemporaryDirectory.with { directory in
            let store = OfflineStore(directory: directory.path)
            let log = try Self.open(store)
            defer { log.close() }
            let written = [Self.record(request: "a", served: Self.t0 + 1, rows: 5), Self.record(request: "b", served: Self.t0 + 2, rows: 1)]
            let appended = try log.append(written, nowMicros: Self.t0)
            #expect(appended.records == 2 && appended.rows == 6 && appended.bytes > 0)
            let read = try ServedLogReader(store: store).read()
            #expect(read.warnings.isEmpty)
            #expect(read.records == [Self.numbered(written[0], 1), Self.numbered(written[1], 2)])
            #expect(read.records[0].entityKey(row: 2, joinKeys: Fixtures.pairKey) == EntityKey([.int64(3), .string("m-2 é")]))
            #expect(read.records[0].features[0].value(at: 1) == nil)  // not found: no value
        }
    }

    /// The example of docs/served-log.md, byte for byte.
    @Test func theDocumentedExampleIsWhatTheLogWrites() throws {
        let record = ServedLogRecord(
            servedTime: 2_000, mapEpoch: 3, requestID: "r1", service: "s", node: "n1", rowCount: 1,
            keys: [ServedLogRecord.Key(name: "user_id", values: .int64([7]))],
            features: [ServedLogRecord.Feature(reference: "v@1:f", type: .float, statuses: [.present], eventTimes: [1_000], values: .float([0.5]))])
        var bytes = try record.encoded()
        ServedLogRecord.stamp(&bytes, sequence: 1)
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let documented = [
            "9a09c741", "64000000",  // CRC32C, length 100
            "0100000000000000", "d007000000000000", "0300000000000000",  // sequence 1, served 2000, epoch 3
            "02007231", "010073", "02006e31",  // request "r1", service "s", node "n1"
            "01000000",  // 1 row
            "0100", "0700757365725f6964", "01", "09000000", "00", "0700000000000000",  // key user_id int64 7
            "0100", "0300764031",  // 1 view: "v@1"
            "09000000", "00", "e803000000000000",  // its event times: 1000
            "0100", "010066", "04", "01",  // 1 field: "f", float, PRESENT
            "05000000", "00", "0000003f",  // its value 0.5
        ].joined()
        #expect(hex == documented, "\(hex)")
        guard case .record(let read, let end) = ServedLogRecord.read(bytes, at: 0, file: "example") else {
            Issue.record("the example does not read back")
            return
        }
        #expect(end == bytes.count)
        #expect(read == Self.numbered(record, 1))
    }

    @Test func aTornTailIsSkippedWithAWarningAndEverythingBeforeItIsRead() throws {
        try TemporaryDirectory.with { directory in
            let store = OfflineStore(directory: directory.path)
            let first = [Self.record(request: "a", served: Self.t0 + 1), Self.record(request: "b", served: Self.t0 + 2)]
            do {
                let log = try Self.open(store)
                try log.append(first, nowMicros: Self.t0)
                try log.append([Self.record(request: "c", served: Self.t0 + 3)], nowMicros: Self.t0)
                log.close()
            }
            // A crash in the middle of writing "c": its last 10 bytes never reached the disk.
            let file = try #require(Self.files(store).last)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
            let handle = try #require(FileHandle(forUpdatingAtPath: file))
            try handle.truncate(atOffset: UInt64(size - 10))
            try handle.close()

            let torn = try ServedLogReader(store: store).read()
            #expect(torn.records.map(\.requestID) == ["a", "b"])
            #expect(torn.warnings.count == 1)
            #expect(torn.warnings.first?.contains(file) == true)
            #expect(torn.warnings.first?.contains("an incomplete record") == true, "\(torn.warnings)")

            // A flipped bit in "b" instead: "a" is kept, the rest of the file skipped.
            var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
            let recordBytes = try first[0].encoded().count
            bytes[ServedLogFile.headerSize + recordBytes + recordBytes / 2] ^= 0x10
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            let flipped = try ServedLogReader(store: store).read()
            #expect(flipped.records.map(\.requestID) == ["a"])
            #expect(flipped.warnings.first?.contains("CRC32C") == true, "\(flipped.warnings)")

            // The node opens its log again: it cuts the file where the damage starts, says
            // so, and appends to a new file; nothing after is lost and readers warn no more.
            let reopened = try Self.open(store)
            #expect(reopened.recovery.count == 1)
            #expect(reopened.recovery.first?.contains("cut") == true)
            try reopened.append([Self.record(request: "d", served: Self.t0 + 4)], nowMicros: Self.t0)
            reopened.close()
            let repaired = try ServedLogReader(store: store).read()
            #expect(repaired.warnings.isEmpty, "\(repaired.warnings)")
            #expect(repaired.records.map(\.requestID) == ["a", "d"])
            #expect(repaired.records.map(\.sequence) == [1, 2])  // after the last record kept
        }
    }

    @Test func aRestartKeepsWhatWasWrittenAndNumbersOn() throws {
        try TemporaryDirectory.with { directory in
            let store = OfflineStore(directory: directory.path)
            let log = try Self.open(store)
            try log.append([Self.record(request: "before", served: Self.t0 + 1)], nowMicros: Self.t0)
            // A second process cannot log as the same node.
            #expect(throws: SkewlessError.self) { try Self.open(store) }
            log.close()
            let restarted = try Self.open(store)
            try restarted.append([Self.record(request: "after", served: Self.t0 + 2)], nowMicros: Self.t0)
            restarted.close()
            #expect(Self.files(store).count == 2)
            let read = try ServedLogReader(store: store).read()
            #expect(read.records.map(\.requestID) == ["before", "after"])
            #expect(read.records.map(\.sequence) == [1, 2])
        }
    }

    @Test func readersSelectByServeTimeServiceAndNodeAndMergeNodesInTimeOrder() throws {
        try TemporaryDirectory.with { directory in
            let store = OfflineStore(directory: directory.path)
            let a = try Self.open(store, node: "node-a")
            let b = try Self.open(store, node: "node-b")
            try a.append([Self.record(service: "x", request: "1", served: Self.t0 + 10, node: "node-a"), Self.record(service: "y", request: "3", served: Self.t0 + 30, node: "node-a")])
            try b.append([Self.record(service: "x", request: "2", served: Self.t0 + 20, node: "node-b"), Self.record(service: "x", request: "4", served: Self.t0 + 40, node: "node-b")])
            a.close()
            b.close()
            let reader = ServedLogReader(store: store)
            #expect(try reader.read().records.map(\.requestID) == ["1", "2", "3", "4"])
            #expect(try reader.read(.init(from: Self.t0 + 20, to: Self.t0 + 40)).records.map(\.requestID) == ["2", "3"])
            #expect(try reader.read(.init(service: "x")).records.map(\.requestID) == ["1", "2", "4"])
            #expect(try reader.read(.init(node: "node-a")).records.map(\.requestID) == ["1", "3"])
            #expect(try reader.read().nodes == ["node-a", "node-b"])
        }
    }

    @Test func retentionDeletesTheOldestFilesFirstByBytesAndByAge() throws {
        try TemporaryDirectory.with { directory in
            let store = OfflineStore(directory: directory.path)
            let log = try Self.open(store) {
                $0.maximumFileBytes = 1  // a file per append
                $0.retainedBytes = 1 << 40
                $0.retainedSeconds = 100
            }
            defer { log.close() }
            let second: Int64 = 1_000_000
            for index in 0..<6 {
                try log.append([Self.record(request: "r\(index)", served: Self.t0 + Int64(index))], nowMicros: Self.t0 + Int64(index) * 10 * second)
            }
            let fileBytes = try #require(Self.files(store).first.flatMap { try FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int })
            #expect(Self.files(store).count == 6)
            // By age: at t0 + 125 s, files last written before t0 + 25 s (r0, r1, r2) go.
            var retention = log.enforceRetention(nowMicros: Self.t0 + 125 * second)
            #expect(retention.filesDeleted == 3)
            #expect(try ServedLogReader(store: store).read().records.map(\.requestID) == ["r3", "r4", "r5"])
            // By bytes: room for two files of a record and the new, empty one; the oldest go first.
            var options = ServedLog.Options()
            options.maximumFileBytes = 1
            options.retainedBytes = UInt64(2 * fileBytes + ServedLogFile.headerSize)
            options.retainedSeconds = 1_000_000
            log.close()
            let bounded = try ServedLog(store: store, node: "node-1", options: options, nowMicros: Self.t0 + 60 * second)
            defer { bounded.close() }
            retention = bounded.enforceRetention(nowMicros: Self.t0 + 60 * second)
            #expect(retention.filesDeleted == 1)
            #expect(retention.bytesOnDisk <= options.retainedBytes)
            #expect(try ServedLogReader(store: store).read().records.map(\.requestID) == ["r4", "r5"])
        }
    }
}
