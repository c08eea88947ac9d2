import Foundation
import Testing
@testable import SkewlessModel
@testable import SkewlessWire

/// A response read in place: the accessors give what the columns held, whatever legal
/// encoding the bytes use, and malformed answers are refused at decoding.
@Suite struct ReceivedFeaturesTests {
    /// The bytes swift-protobuf writes for a response holding `columns` (packed arrays).
    static func encoded(_ columns: [ServedColumn]) throws -> [UInt8] {
        try OnlineFeaturesCodecTests.response(columns).serializedBytes()
    }

    /// - Parameter keptBy: the names object to decode against (it keeps one-row shapes);
    ///   a new one made from `expectedNames` when nil.
    static func decode(_ bytes: [UInt8], rows: Int, expectedNames: [String] = [], keptBy names: ColumnNames? = nil) throws -> ReceivedFeatures {
        let names = names ?? ColumnNames(expectedNames)
        return try bytes.withUnsafeBytes { try ReceivedFeatures(decoding: $0, rowCount: rows, expectedNames: names) }
    }

    /// Every cell read through the in-place accessors, as columns.
    static func readBack(_ answer: ReceivedFeatures) -> [ServedColumn] {
        (0..<answer.columnCount).map { column in
            let rows = 0..<answer.rowCount
            let values: ColumnValues
            switch answer.type(ofColumn: column).storage {
            case .bool: values = .bool(rows.map { answer.bool(column: column, row: $0)! })
            case .float: values = .float(rows.map { answer.float(column: column, row: $0)! })
            case .double: values = .double(rows.map { answer.double(column: column, row: $0)! })
            default: values = answer.decodedValues(column: column)!
            }
            return ServedColumn(
                name: answer.names[column], type: answer.type(ofColumn: column),
                statuses: rows.map { answer.status(column: column, row: $0) },
                eventTimes: rows.map { answer.eventTime(column: column, row: $0) }, values: values)
        }
    }

    @Test func readsEveryTypeInPlace() throws {
        let columns = OnlineFeaturesCodecTests.columns
        let answer = try Self.decode(try Self.encoded(columns), rows: 2)
        #expect(Self.readBack(answer) == columns)
        #expect(answer.servedColumns() == columns)
        #expect(answer.float(column: 0, row: 0) == nil, "a typed read of another type gives nil")
        #expect(answer.decodedValues(column: 3) == nil, "floats are read in place, not decoded")
    }

    @Test func randomResponsesReadBackExactly() throws {
        var random = TestSeed.generator(0x5245_4144)
        let statuses: [ValueStatus] = [.present, .notFound, .nullValue, .outsideTTL, .defaulted]
        for _ in 0..<200 {
            let rows = Int.random(in: 0...6, using: &random)
            let sharedTimes = (0..<rows).map { _ in Int64.random(in: -5...Int64.max, using: &random) }
            let columns = (0..<Int.random(in: 0...8, using: &random)).map { index in
                let (type, values): (FeatureType, ColumnValues)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: (type, values) = (.bool, .bool((0..<rows).map { _ in Bool.random(using: &random) }))
                case 1: (type, values) = (.float, .float((0..<rows).map { _ in Float.random(in: -1e30...1e30, using: &random) }))
                case 2: (type, values) = (.double, .double((0..<rows).map { _ in Double.random(in: -1e300...1e300, using: &random) }))
                case 3: (type, values) = (.int64, .int64((0..<rows).map { _ in Int64.random(in: .min ... .max, using: &random) }))
                default: (type, values) = (.string, .string((0..<rows).map { _ in String(repeating: "x", count: Int.random(in: 0...20, using: &random)) }))
                }
                let times = Bool.random(using: &random) ? sharedTimes : (0..<rows).map { _ in Int64.random(in: 0...1 << 60, using: &random) }
                return ServedColumn(
                    name: "v@1:c\(index)", type: type, statuses: (0..<rows).map { _ in statuses.randomElement(using: &random)! },
                    eventTimes: times, values: values)
            }
            // Without names every column takes the general path; with them, bool, float and
            // double columns take the node-layout path.
            for expectedNames in [[], columns.map(\.name)] {
                let answer = try Self.decode(try Self.encoded(columns), rows: rows, expectedNames: expectedNames)
                #expect(Self.readBack(answer) == columns, "\(TestSeed.note)")
                #expect(answer.names == columns.map(\.name), "\(TestSeed.note)")
            }
        }
    }

    @Test func unpackedAndSplitArraysAreNormalized() throws {
        // FeatureColumn{feature "v@1:f", type FLOAT, statuses 1 (unpacked) then [5] (packed),
        // times [7] packed then 8 unpacked, values{float 1.5 unpacked, then packed [-2]}}.
        func fixed32(_ value: Float) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let floats: [UInt8] = [0x25] + fixed32(1.5) + [0x22, 4] + fixed32(-2)
        var column: [UInt8] = [0x0A, 5] + Array("v@1:f".utf8) + [0x10, 4, 0x18, 1, 0x1A, 1, 5, 0x22, 1, 7, 0x20, 8]
        column += [0x2A, UInt8(floats.count)] + floats
        // FeatureColumn{"v@1:b", BOOL, statuses [1,1], times [7,8], values{bool 2 as a two-byte varint (0x82 0x00), then false unpacked}}.
        let bools: [UInt8] = [0x0A, 2, 0x82, 0x00, 0x08, 0]
        var boolColumn: [UInt8] = [0x0A, 5] + Array("v@1:b".utf8) + [0x10, 1, 0x1A, 2, 1, 1, 0x22, 2, 7, 8]
        boolColumn += [0x2A, UInt8(bools.count)] + bools
        let response = [0x0A, UInt8(column.count)] + column + [0x0A, UInt8(boolColumn.count)] + boolColumn
        let answer = try Self.decode(response, rows: 2)
        #expect(Self.readBack(answer) == [
            ServedColumn(name: "v@1:f", type: .float, statuses: [.present, .defaulted], eventTimes: [7, 8], values: .float([1.5, -2])),
            ServedColumn(name: "v@1:b", type: .bool, statuses: [.present, .present], eventTimes: [7, 8], values: .bool([true, false])),
        ])
    }

    @Test func aViewsColumnsShareTheirEventTimesUnlessOneAddsMore() throws {
        let times: [Int64] = [1_700_000_000_000_000, 0, 42]
        let columns = (0..<3).map { ServedColumn(name: "v@1:f\($0)", type: .float, statuses: [.present, .notFound, .present], eventTimes: times, values: .float([1, 0, 3])) }
        let answer = try Self.decode(try Self.encoded(columns), rows: 3)
        #expect(answer.eventTimes.count == 3, "one run for the three columns")
        #expect(Self.readBack(answer) == columns)

        // A column that repeats the shared run and then adds a time has too many.
        let first: [UInt8] = [0x0A, 1, 0x61, 0x10, 4, 0x1A, 2, 1, 1, 0x22, 2, 7, 8, 0x2A, 10, 0x22, 8] + [UInt8](repeating: 0, count: 8)
        let second: [UInt8] = [0x0A, 1, 0x62, 0x10, 4, 0x1A, 2, 1, 1, 0x22, 2, 7, 8, 0x20, 9, 0x2A, 10, 0x22, 8] + [UInt8](repeating: 0, count: 8)
        #expect(try Self.decode([0x0A, UInt8(first.count)] + first + [0x0A, UInt8(first.count)] + first, rows: 2).eventTimes == [7, 8])
        #expect(throws: SkewlessError.self, "3 times for 2 rows") {
            try Self.decode([0x0A, UInt8(first.count)] + first + [0x0A, UInt8(second.count)] + second, rows: 2)
        }
    }

    @Test func namesAreTheExpectedArrayWhenTheyMatch() throws {
        let columns = OnlineFeaturesCodecTests.columns
        let bytes = try Self.encoded(columns)
        let expected = columns.map(\.name)
        #expect(try Self.decode(bytes, rows: 2, expectedNames: expected).names == expected)
        var other = expected
        other[3] = "v@1:renamed"
        #expect(try Self.decode(bytes, rows: 2, expectedNames: other).names == expected, "a name that differs is read")
        #expect(try Self.decode(bytes, rows: 2, expectedNames: Array(expected.prefix(2))).names == expected, "names past the expected ones are read")
        #expect(try Self.decode(bytes, rows: 2, expectedNames: expected + ["extra"]).names == expected)
    }

    /// Names are compared in words of 8 bytes, with a byte loop for the tail and `memcmp`
    /// past 32 bytes: a difference in any byte, at any length, must be seen.
    @Test func aNameDifferingInAnyOneByteIsRead() throws {
        for length in [1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40] {
            let name = String(repeating: "a", count: length)
            let bytes = try Self.encoded([ServedColumn(name: name, type: .float, statuses: [.present], eventTimes: [5], values: .float([1]))])
            #expect(try Self.decode(bytes, rows: 1, expectedNames: [name]).names == [name])
            for position in 0..<length {
                var expected = Array(name.utf8)
                expected[position] = UInt8(ascii: "b")
                let other = String(decoding: expected, as: UTF8.self)
                #expect(try Self.decode(bytes, rows: 1, expectedNames: [other]).names == [name], "length \(length), byte \(position)")
            }
        }
    }

    @Test func malformedAnswersAreRefused() throws {
        func column(statuses: [UInt8], times: [UInt8], floats: Int) -> [UInt8] {
            var values: [UInt8] = [0x22, UInt8(4 * floats)] + [UInt8](repeating: 0, count: 4 * floats)
            if floats == 0 { values = [] }
            let body: [UInt8] = [0x0A, 1, 0x66, 0x10, 4, 0x1A, UInt8(statuses.count)] + statuses + [0x22, UInt8(times.count)] + times
                + [0x2A, UInt8(values.count)] + values
            return [0x0A, UInt8(body.count)] + body
        }
        #expect((try? Self.decode(column(statuses: [1, 1], times: [1, 2], floats: 2), rows: 2)) != nil)
        #expect(throws: SkewlessError.self, "too few values") { try Self.decode(column(statuses: [1, 1], times: [1, 2], floats: 1), rows: 2) }
        #expect(throws: SkewlessError.self, "an unknown status") { try Self.decode(column(statuses: [1, 9], times: [1, 2], floats: 2), rows: 2) }
        #expect(throws: SkewlessError.self, "too few statuses") { try Self.decode(column(statuses: [1], times: [1, 2], floats: 2), rows: 2) }
        #expect(throws: SkewlessError.self, "too few times") { try Self.decode(column(statuses: [1, 1], times: [1], floats: 2), rows: 2) }
        // Event times whose varint overflows 64 bits, in an otherwise canonical column.
        let overflow: [UInt8] = [0x0A, 1, 0x66, 0x10, 4, 0x1A, 1, 1, 0x22, 10] + [UInt8](repeating: 0xFF, count: 9) + [0x02, 0x2A, 6, 0x22, 4, 0, 0, 0, 0]
        #expect(throws: SkewlessError.self, "an event time past 64 bits") { try Self.decode([0x0A, UInt8(overflow.count)] + overflow, rows: 1) }
        let odd: [UInt8] = [0x0A, 1, 0x66, 0x10, 4, 0x1A, 1, 1, 0x22, 1, 1, 0x2A, 5, 0x22, 3, 0, 0, 0]
        #expect(throws: SkewlessError.self, "a packed run that is not whole floats") { try Self.decode([0x0A, UInt8(odd.count)] + odd, rows: 1) }
    }

    /// One-entity answers of one request, read through the kept shape of an earlier one,
    /// read back exactly as a full decoding reads them, whatever their varying bytes hold.
    @Test func oneRowAnswersReadThroughATemplateAsInFull() throws {
        var random = TestSeed.generator(0x4F4E_4552)
        let names = (0..<12).map { "v@1:c\($0)" }
        let types: [FeatureType] = names.indices.map { [.bool, .float, .double][$0 % 3] }
        let expected = ColumnNames(names)
        func answer(found: Bool) -> [ServedColumn] {
            let time: Int64 = found ? Int64.random(in: 1 << 49 ..< 1 << 56, using: &random) : 0
            return zip(names, types).map { name, type in
                let values: ColumnValues
                switch type.storage {
                case .bool: values = .bool([Bool.random(using: &random)])
                case .float: values = .float([Float(bitPattern: UInt32.random(in: 0 ... .max, using: &random))].map { $0.isNaN ? 1 : $0 })
                default: values = .double([Double.random(in: -1e300...1e300, using: &random)])
                }
                let status: ValueStatus = found ? [.present, .outsideTTL, .defaulted].randomElement(using: &random)! : [.notFound, .defaulted].randomElement(using: &random)!
                return ServedColumn(name: name, type: type, statuses: [status], eventTimes: [time], values: values)
            }
        }
        for _ in 0..<100 {
            let columns = answer(found: Bool.random(using: &random))
            let read = try Self.decode(try Self.encoded(columns), rows: 1, expectedNames: names, keptBy: expected)
            #expect(Self.readBack(read) == columns, "\(TestSeed.note)")
            #expect(read.names == names, "\(TestSeed.note)")
        }
        // A found row (8-byte time) and a missing one (1 byte): two shapes, both kept.
        #expect(expected.oneRowTemplates.count == 2, "\(TestSeed.note)")
    }

    @Test func aTemplateIsKeptOnlyForShapesItCovers() throws {
        let floats = [ServedColumn(name: "v@1:f", type: .float, statuses: [.present], eventTimes: [1 << 50], values: .float([1]))]
        let names = ColumnNames(["v@1:f"])
        _ = try Self.decode(try Self.encoded(floats), rows: 1, expectedNames: ["v@1:f"], keptBy: names)
        #expect(names.oneRowTemplates.count == 1)
        _ = try Self.decode(try Self.encoded(floats), rows: 1, expectedNames: ["v@1:f"], keptBy: names)
        #expect(names.oneRowTemplates.count == 1, "a matching answer adds no shape")
        for other in [
            [ServedColumn(name: "v@1:s", type: .string, statuses: [.present], eventTimes: [1 << 50], values: .string(["x"]))],
            [ServedColumn(name: "v@1:other", type: .float, statuses: [.present], eventTimes: [1 << 50], values: .float([1]))],
        ] {
            let names = ColumnNames(["v@1:s"])
            _ = try Self.decode(try Self.encoded(other), rows: 1, expectedNames: ["v@1:s"], keptBy: names)
            #expect(names.oneRowTemplates.isEmpty, "\(other[0].name): not every column is read in place")
        }
        let batch = ColumnNames(["v@1:f"])
        let two = [ServedColumn(name: "v@1:f", type: .float, statuses: [.present, .present], eventTimes: [1, 2], values: .float([1, 2]))]
        _ = try Self.decode(try Self.encoded(two), rows: 2, expectedNames: ["v@1:f"], keptBy: batch)
        #expect(batch.oneRowTemplates.isEmpty, "only one-entity answers")
    }

    /// Bytes that match a kept shape but would not pass a full decoding are decoded in full,
    /// which refuses them or reads them right.
    @Test func aMatchingShapeWithBadVaryingBytesIsDecodedInFull() throws {
        let time: Int64 = 1_700_000_000_000_000  // an 8-byte varint
        var timeBytes: [UInt8] = []
        var rest = UInt64(time)
        while rest >= 0x80 {
            timeBytes.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
        }
        timeBytes.append(UInt8(rest))
        #expect(timeBytes.count == 8)
        let columns = ["a", "b"].map { ServedColumn(name: "v@1:\($0)", type: .float, statuses: [.present], eventTimes: [time], values: .float([2])) }
            + [ServedColumn(name: "v@1:c", type: .bool, statuses: [.present], eventTimes: [time], values: .bool([true]))]
        let good = try Self.encoded(columns)
        let timeOffsets = good.indices.filter { Array(good[$0..<min($0 + 8, good.count)]) == timeBytes }
        try #require(timeOffsets.count == 3, "one time per column")
        let statusOffsets = timeOffsets.map { $0 - 3 }  // status, times tag, times length
        #expect(statusOffsets.allSatisfy { good[$0] == 1 })
        let names = ColumnNames(columns.map(\.name))
        func decode(_ bytes: [UInt8]) throws -> ReceivedFeatures {
            try Self.decode(bytes, rows: 1, expectedNames: columns.map(\.name), keptBy: names)
        }
        #expect(Self.readBack(try decode(good)) == columns)
        #expect(names.oneRowTemplates.count == 1)

        for status: UInt8 in [0, 6, 0x80] {
            var bad = good
            bad[statusOffsets[1]] = status
            #expect(throws: SkewlessError.self, "status \(status)") { try decode(bad) }
        }
        var bool = good
        bool[bool.count - 1] = 0x80  // the bool's value: a varint cut short
        #expect(throws: SkewlessError.self, "a bool value of 0x80") { try decode(bool) }
        var twoTimes = good
        for offset in timeOffsets { twoTimes[offset] = 0x01 }  // 1, then 7 bytes that are one more varint
        #expect(throws: SkewlessError.self, "two event times for one row") { try decode(twoTimes) }

        // The first two columns share a time in the kept shape; when they differ, each is read.
        var split = good
        split[timeOffsets[1]] = 0x81
        let read = try decode(split)
        #expect(read.eventTime(column: 0, row: 0) == time)
        #expect(read.eventTime(column: 1, row: 0) == time + 1)
        #expect(read.eventTime(column: 2, row: 0) == time)
        #expect(Self.readBack(try decode(good)) == columns, "and the kept shape still reads the good answer")
    }

    /// Float and double values are loaded from the bytes unchecked: a row past the answer's
    /// traps (as a bool's array read does) rather than reading past them in release builds.
    @Test func aValueReadPastTheRowsTraps() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let column = ServedColumn(name: "v@1:d", type: .double, statuses: [.present], eventTimes: [1], values: .double([2.5]))
            let answer = try Self.decode(try Self.encoded([column]), rows: 1)
            _ = answer.double(column: 0, row: 1)
        }
        ProtobufCursorTests.expectMessage("a value read past the response's bytes", in: result)
    }
}
