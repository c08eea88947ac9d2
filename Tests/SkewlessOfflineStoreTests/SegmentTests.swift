import Foundation
import SkewlessModel
import Testing
@testable import SkewlessOfflineStore

@Suite struct SegmentTests {
    /// Rows of every type, some null, in shuffled order.
    static func rows(count: Int, view: FeatureView = Fixtures.allTypesView) throws -> SegmentRows {
        var rows = SegmentRows(schema: Fixtures.schema(view))
        for index in 0..<count {
            let values: [FeatureValue?] = view.fields.enumerated().map { field, definition in
                (index + field) % 4 == 0 ? nil : Fixtures.value(definition.type, seed: index * 13 + field)
            }
            try rows.append(
                key: EntityKey(.int64(Int64((index * 7919) % 23))), eventTime: Fixtures.base + Int64(index % 5) * Fixtures.hour,
                createdTime: Fixtures.base + Int64(index % 3), values: values, row: index)
        }
        return rows
    }

    static func write(_ rows: SegmentRows, to path: String, rowGroupRows: Int = 7) throws -> SegmentSummary {
        let writer = try SegmentWriter(path: path, number: 1, schema: Fixtures.schema(Fixtures.allTypesView), rowGroupRows: rowGroupRows)
        try writer.append(rows.sorted())
        return try writer.finish()
    }

    @Test func everyTypeRoundTripsWithNulls() throws {
        try TemporaryDirectory.with { directory in
            let rows = try Self.rows(count: 100)
            let path = directory.file("a.seg")
            let summary = try Self.write(rows, to: path)
            #expect(summary.rowCount == 100)
            let reader = try SegmentReader(path: path, expecting: Fixtures.schema(Fixtures.allTypesView))
            #expect(reader.rowCount == 100)
            #expect(reader.rowGroupCount == 15)
            #expect(reader.minEventTime == Fixtures.base)
            #expect(reader.maxEventTime == Fixtures.base + 4 * Fixtures.hour)
            let read = try reader.allRows()
            #expect(try read.plainRows() == rows.sorted().plainRows())
            // Sorted by (key, event time, created time).
            let plain = try read.plainRows()
            for (a, b) in zip(plain, plain.dropFirst()) {
                let ka = a.key.parts[0], kb = b.key.parts[0]
                guard case .int64(let x) = ka.storage, case .int64(let y) = kb.storage else { Issue.record("not int keys"); return }
                #expect((x, a.eventTime, a.createdTime) <= (y, b.eventTime, b.createdTime))
            }
        }
    }

    @Test func embeddingsAreStoredCompressedOnlyWhenItPays() throws {
        try TemporaryDirectory.with { directory in
            let rows = try Self.rows(count: 40)
            let path = directory.file("a.seg")
            _ = try Self.write(rows, to: path, rowGroupRows: 1_000)
            let reader = try SegmentReader(path: path)
            let embeddings = try reader.field(8, ofGroup: 0)
            guard case .embedding(let encoded) = embeddings.values else {
                Issue.record("not embeddings")
                return
            }
            let present = encoded.indices.filter { !(embeddings.nullRows?[$0] ?? false) }
            #expect(present.contains { encoded[$0].isCompressed })
            #expect(present.contains { !encoded[$0].isCompressed })
        }
    }

    @Test func compositeStringKeysOrderByBytes() throws {
        try TemporaryDirectory.with { directory in
            let view = FeatureView(name: "pairs", entities: ["user", "merchant"], fields: [Field(name: "n", type: .int64)], ttlSeconds: 60)
            let schema = Fixtures.schema(view, Fixtures.pairKey)
            var rows = SegmentRows(schema: schema)
            let merchants = ["b", "a", "é", "Z", "ab", ""]
            for (index, merchant) in merchants.enumerated() {
                try rows.append(key: EntityKey([.int64(1), .string(merchant)]), eventTime: Fixtures.base, createdTime: Fixtures.base, values: [.int64(Int64(index))], row: index)
            }
            let path = directory.file("p.seg")
            let writer = try SegmentWriter(path: path, number: 1, schema: schema)
            try writer.append(rows.sorted())
            _ = try writer.finish()
            let read = try SegmentReader(path: path, expecting: schema).allRows()
            #expect(read.keys.parts[1] == .string(["", "Z", "a", "ab", "b", "é"]))
        }
    }

    @Test func outOfOrderRowsAreRefused() throws {
        try TemporaryDirectory.with { directory in
            let rows = try Self.rows(count: 10)
            let writer = try SegmentWriter(path: directory.file("x.seg"), number: 1, schema: Fixtures.schema(Fixtures.allTypesView))
            #expect(throws: SkewlessError.self) { try writer.append(rows) }
            writer.abandon()
            #expect(!FileManager.default.fileExists(atPath: directory.file("x.seg")))
        }
    }

    @Test func anotherSchemaIsRefused() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("a.seg")
            _ = try Self.write(try Self.rows(count: 3), to: path)
            var other = Fixtures.allTypesView
            other.fields[0].type = .int32
            let error = #expect(throws: SkewlessError.self) { try SegmentReader(path: path, expecting: Fixtures.schema(other)) }
            #expect(error?.code == .failedPrecondition)
        }
    }

    // MARK: - Corruption

    /// Flips one byte at `offset` of the file.
    static func flipByte(_ path: String, at offset: UInt64) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data([byte ^ 0x40]))
    }

    /// Reads every block of a segment, as a reader serving it would.
    static func readEverything(_ path: String) throws {
        _ = try SegmentReader(path: path).allRows()
    }

    @Test(arguments: [
        (0, "join key 'user_id'"), (1, "event times"), (2, "created times"), (3, "field 'b'"), (11, "field 'e'"), (13, "field 'sl'"),
    ])
    func aFlippedByteInAnyColumnBlockIsNamed(column: Int, name: String) throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("seg-1.seg")
            _ = try Self.write(try Self.rows(count: 30), to: path)
            let handle = try SegmentReader(path: path).rowGroups[2].blocks[column]
            try Self.flipByte(path, at: handle.offset + UInt64(handle.size) / 2)
            let error = #expect(throws: SkewlessError.self) { try Self.readEverything(path) }
            #expect(error?.code == .dataLoss)
            #expect(error?.message.contains("seg-1.seg") == true)
            #expect(error?.message.contains("row group 2, \(name)") == true)
            #expect(error?.message.contains("CRC32C") == true)
        }
    }

    @Test func aFlippedChecksumIsDetectedToo() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("seg-1.seg")
            _ = try Self.write(try Self.rows(count: 30), to: path)
            let handle = try SegmentReader(path: path).rowGroups[0].blocks[1]
            try Self.flipByte(path, at: handle.offset + UInt64(handle.size))
            let error = #expect(throws: SkewlessError.self) { try Self.readEverything(path) }
            #expect(error?.message.contains("row group 0, event times") == true)
        }
    }

    @Test func aFlippedByteInTheIndexOrFooterIsNamed() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("seg-1.seg")
            _ = try Self.write(try Self.rows(count: 30), to: path)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
            let footerStart = size - UInt64(SegmentFooter.size)
            // The index block: the bytes just before the footer's CRC trailer.
            try Self.flipByte(path, at: footerStart - 10)
            let indexError = #expect(throws: SkewlessError.self) { try SegmentReader(path: path) }
            #expect(indexError?.message.contains("the index block") == true)
            try Self.flipByte(path, at: footerStart - 10)
            // The footer's fields, its checksum, its magic number.
            for (offset, expected) in [(UInt64(3), "footer of"), (UInt64(61), "footer of"), (UInt64(70), "not a Skewless segment")] {
                try Self.flipByte(path, at: footerStart + offset)
                let error = #expect(throws: SkewlessError.self) { try SegmentReader(path: path) }
                #expect(error?.code == .dataLoss)
                #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
                try Self.flipByte(path, at: footerStart + offset)
            }
            try Self.readEverything(path)
        }
    }

    @Test func aTruncatedFileIsDetected() throws {
        try TemporaryDirectory.with { directory in
            let path = directory.file("seg-1.seg")
            _ = try Self.write(try Self.rows(count: 30), to: path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            for length in [0, 10, 71, bytes.count / 2, bytes.count - 1] {
                let cut = directory.file("cut-\(length).seg")
                try bytes.prefix(length).write(to: URL(fileURLWithPath: cut))
                let error = #expect(throws: SkewlessError.self) { try Self.readEverything(cut) }
                #expect(error?.code == .dataLoss)
                #expect(error?.message.contains("cut-\(length).seg") == true)
            }
        }
    }
}
