import Foundation
import SkewlessModel

extension ReceivedFeatures {
    /// Checks and indexes a `GetOnlineFeaturesResponse` for `rowCount` entity rows. It
    /// accepts anything a conforming encoder may write (packed or unpacked arrays, any field
    /// order, unknown fields).
    ///
    /// A one-entity answer is first checked against the shapes of the latest ones decoded
    /// against `expectedNames` (see `OneRowAnswerTemplate`), which `expectedNames` keeps;
    /// when none matches, it is decoded in full and its shape is kept.
    ///
    /// - Parameter expectedNames: the column names of an earlier response of the same
    ///   request; when every name matches, `names` is `expectedNames.strings`, not a new array.
    /// - Throws: `INTERNAL` when the bytes are not a response for `rowCount` rows.
    package convenience init(decoding payload: UnsafeRawBufferPointer, rowCount: Int, expectedNames: ColumnNames = .none) throws(SkewlessError) {
        let usesTemplates = rowCount == 1 && expectedNames.count > 0
        if usesTemplates {
            for template in expectedNames.oneRowTemplates {
                guard let eventTimes = template.eventTimes(of: payload) else { continue }
                self.init(bytes: [UInt8](payload), columns: template.columns, eventTimes: eventTimes, decodedValues: [], rowCount: 1, names: template.names)
                return
            }
        }
        let decoder = try Self.index(payload, rowCount: rowCount, expectedNames: expectedNames)
        self.init(
            bytes: decoder.bytes, columns: decoder.columns, eventTimes: decoder.eventTimes, decodedValues: decoder.decodedValues,
            rowCount: rowCount, names: decoder.names)
        if usesTemplates, let template = decoder.oneRowTemplate(names: names) {
            expectedNames.keep(template)
        }
    }

    private static func index(_ payload: UnsafeRawBufferPointer, rowCount: Int, expectedNames: ColumnNames) throws(SkewlessError) -> ResponseIndexer {
        var decoder = ResponseIndexer(payload: payload, rowCount: rowCount, expectedNames: expectedNames)
        let result: Result<Void, SkewlessError> = expectedNames.utf8.withUnsafeBytes { expectedUTF8 in
            expectedNames.ends.withUnsafeBufferPointer { expectedEnds in
                do throws(SkewlessError) {
                    var reader = ProtobufReader(payload)
                    while !reader.isAtEnd {
                        let (field, wireType) = try reader.readTag()
                        guard field == ProtobufField.GetOnlineFeaturesResponse.features.rawValue, wireType == 2 else {
                            try reader.skip(field: field, wireType: wireType)
                            continue
                        }
                        var column = try reader.readLengthDelimited()
                        if !decoder.addCanonicalColumn(column.remainingBytes, expectedUTF8: expectedUTF8, expectedEnds: expectedEnds) {
                            decoder.timeRuns = nil
                            try decoder.addColumn(&column, expectedUTF8: expectedUTF8, expectedEnds: expectedEnds)
                        }
                    }
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        try result.get()
        return decoder
    }
}

/// The state of one `ReceivedFeatures` decoding: the index built so far.
private struct ResponseIndexer {
    let payload: UnsafeRawBufferPointer
    let rowCount: Int
    let expectedNames: ColumnNames
    /// The payload, then normalized runs.
    var bytes: [UInt8]
    var columns: [ReceivedFeatures.Column] = []
    var eventTimes: [Int64] = []
    var decodedValues: [ColumnValues] = []
    /// Set from the first column whose name is not the expected one.
    var ownNames: [String]?
    /// The last column's packed event times and where they went: the columns of one view
    /// carry the same event times, and a column whose bytes match shares the run.
    var previousTimes: (bytes: UnsafeRawBufferPointer, start: Int, count: Int)?
    /// One-row decodings only, while every column is read by `addCanonicalColumn`: where
    /// each column's packed event times lie in the payload (what a `OneRowAnswerTemplate`
    /// needs); nil otherwise.
    var timeRuns: [OneRowAnswerTemplate.TimeRun]?

    init(payload: UnsafeRawBufferPointer, rowCount: Int, expectedNames: ColumnNames) {
        self.payload = payload
        self.rowCount = rowCount
        self.expectedNames = expectedNames
        self.bytes = [UInt8](payload)
        columns.reserveCapacity(expectedNames.count)
        if rowCount == 1 {
            timeRuns = []
            timeRuns?.reserveCapacity(expectedNames.count)
        }
    }

    /// The template of this one-row answer; nil when a column took the general path (a
    /// type other than bool, float or double, another name, another encoding).
    func oneRowTemplate(names: [String]) -> OneRowAnswerTemplate? {
        guard ownNames == nil, decodedValues.isEmpty, bytes.count == payload.count, let timeRuns, timeRuns.count == columns.count else { return nil }
        return OneRowAnswerTemplate(payload: payload, columns: columns, timeRuns: timeRuns, names: names)
    }

    var names: [String] {
        if let ownNames { return ownNames }
        return columns.count == expectedNames.count ? expectedNames.strings : Array(expectedNames.strings[..<columns.count])
    }

    /// A column's name for an error message (made only on error paths).
    func label(_ readName: String?, _ position: Int) -> String {
        readName ?? (position < expectedNames.count ? expectedNames.strings[position] : "column \(position)")
    }

    /// The expected name of the column at `position`, as UTF-8; nil past the expected names.
    static func expectedName(_ position: Int, utf8: UnsafeRawBufferPointer, ends: UnsafeBufferPointer<Int>) -> UnsafeRawBufferPointer? {
        guard position < ends.count else { return nil }
        return UnsafeRawBufferPointer(rebasing: utf8[(position == 0 ? 0 : ends[position - 1])..<ends[position]])
    }

    /// Reads a column written the way the node writes a bool, float or double column, in one
    /// straight pass: fields 1 to 5 once each and in order, the expected name, one status
    /// byte per row, packed event times and one packed run of values. Returns false, having
    /// changed nothing, for any other column, which `addColumn` then reads (it accepts every
    /// encoding). This path is most of a client's decoding work, on every response.
    mutating func addCanonicalColumn(
        _ column: UnsafeRawBufferPointer, expectedUTF8: UnsafeRawBufferPointer, expectedEnds: UnsafeBufferPointer<Int>
    ) -> Bool {
        let position = columns.count
        guard rowCount > 0, ownNames == nil, let expected = Self.expectedName(position, utf8: expectedUTF8, ends: expectedEnds),
            let payloadBase = payload.baseAddress
        else { return false }
        typealias Field = ProtobufField.FeatureColumn
        typealias Values = ProtobufField.ValueColumn
        var cursor = ByteCursor(column)
        guard cursor.field(Field.feature.tag(.lengthDelimited)), let name = cursor.lengthDelimited(), ByteRun.same(name, expected),
            cursor.field(Field.type.tag(.varint)), let typeNumber = cursor.varint(),
            cursor.field(Field.statuses.tag(.lengthDelimited)), let statuses = cursor.lengthDelimited(), statuses.count == rowCount,
            cursor.field(Field.eventTimeMicros.tag(.lengthDelimited)), let times = cursor.lengthDelimited(),
            cursor.field(Field.values.tag(.lengthDelimited)), let values = cursor.lengthDelimited(), cursor.isAtEnd
        else { return false }
        let (type, width, valuesTag): (FeatureType, Int, UInt8)
        switch typeNumber {
        case UInt64(Skewless_V1_ValueType.bool.rawValue): (type, width, valuesTag) = (.bool, 1, Values.boolValues.tag(.lengthDelimited))
        case UInt64(Skewless_V1_ValueType.float.rawValue): (type, width, valuesTag) = (.float, 4, Values.floatValues.tag(.lengthDelimited))
        case UInt64(Skewless_V1_ValueType.double.rawValue): (type, width, valuesTag) = (.double, 8, Values.doubleValues.tag(.lengthDelimited))
        default: return false
        }
        var valuesCursor = ByteCursor(values)
        guard valuesCursor.field(valuesTag), let run = valuesCursor.lengthDelimited(), valuesCursor.isAtEnd, run.count == rowCount * width,
            width > 1 || !run.contains(where: { $0 >= 0x80 }),
            !statuses.contains(where: { $0 == 0 || $0 > 5 }),
            let statusStart = statuses.baseAddress, let valuesStart = run.baseAddress
        else { return false }
        let timesStart: Int
        if let previous = previousTimes, previous.count == rowCount, ByteRun.same(previous.bytes, times) {
            timesStart = previous.start
        } else {
            timesStart = eventTimes.count
            guard ByteCursor.appendVarints(times, to: &eventTimes), eventTimes.count - timesStart == rowCount else {
                eventTimes.removeSubrange(timesStart...)
                return false
            }
            previousTimes = (times, timesStart, rowCount)
        }
        if timeRuns != nil, let timesBase = times.baseAddress {
            timeRuns?.append(.init(offset: timesBase - payloadBase, count: times.count))
        } else {
            timeRuns = nil
        }
        columns.append(.init(type: type, statusOffset: statusStart - payloadBase, eventTimeStart: timesStart, values: valuesStart - payloadBase))
        return true
    }

    /// - Parameters:
    ///   - expectedUTF8: `expectedNames.utf8`; `expectedEnds`: `expectedNames.ends`.
    mutating func addColumn(
        _ reader: inout ProtobufReader, expectedUTF8: UnsafeRawBufferPointer, expectedEnds: UnsafeBufferPointer<Int>
    ) throws(SkewlessError) {
        let position = columns.count
        let expected = Self.expectedName(position, utf8: expectedUTF8, ends: expectedEnds)
        var readName: String?
        var matched = false
        var typeNumber = 0
        var statuses = ByteRun(width: 1)
        var timesStart = eventTimes.count
        var timesCount = 0
        var timesShared = false
        var timesRuns = 0
        var valuesReader: ProtobufReader?
        // Names for messages are made only on the error paths: a local function capturing
        // these variables would box them on every column.
        func unknownStatus(_ number: UInt64, _ name: String?) -> SkewlessError {
            SkewlessError(.internal, "the node sent an unknown value status \(number) for '\(label(name, position))': upgrade the client")
        }
        while !reader.isAtEnd {
            let (field, wireType) = try reader.readTag()
            switch (ProtobufField.FeatureColumn(rawValue: field), wireType) {
            case (.feature?, 2):
                if let expected {
                    var probe = reader
                    if ByteRun.same(try probe.readLengthDelimited().remainingBytes, expected) {
                        reader = probe
                        (readName, matched) = (nil, true)
                        continue
                    }
                }
                (readName, matched) = (try reader.readString(), false)
            case (.type?, 0):
                typeNumber = Int(truncatingIfNeeded: try reader.readVarint())
            case (.statuses?, 2):
                // Packed statuses: every known status is one byte.
                let packed = try reader.readLengthDelimited().remainingBytes
                for byte in packed where OnlineFeaturesCodec.status(byte) == nil {
                    throw unknownStatus(UInt64(byte), readName)
                }
                statuses.add(packed: packed)
            case (.statuses?, 0):
                let number = try reader.readVarint()
                guard number < 0x80, OnlineFeaturesCodec.status(UInt8(number)) != nil else { throw unknownStatus(number, readName) }
                statuses.add(number)
            case (.eventTimeMicros?, 2) where timesRuns == 0:
                var probe = reader
                let packed = try probe.readLengthDelimited().remainingBytes
                timesRuns += 1
                if let previous = previousTimes, ByteRun.same(previous.bytes, packed) {
                    (timesStart, timesCount, timesShared) = (previous.start, previous.count, true)
                    reader = probe
                    continue
                }
                try reader.readInt64s(wireType: wireType, into: &eventTimes)
                timesCount = eventTimes.count - timesStart
                previousTimes = (packed, timesStart, timesCount)
            case (.eventTimeMicros?, _):
                timesRuns += 1
                if timesShared {
                    // A second run after a shared one: this column's times get their own copy.
                    let shared = Array(eventTimes[timesStart..<timesStart + timesCount])
                    timesStart = eventTimes.count
                    eventTimes += shared
                    timesShared = false
                }
                try reader.readInt64s(wireType: wireType, into: &eventTimes)
                timesCount = eventTimes.count - timesStart
                previousTimes = nil
            case (.values?, 2):
                valuesReader = try reader.readLengthDelimited()
            default:
                try reader.skip(field: field, wireType: wireType)
            }
        }
        guard statuses.byteCount == rowCount, timesCount == rowCount else {
            throw SkewlessError(
                .internal, "the node sent \(statuses.byteCount) statuses and \(timesCount) event times for \(rowCount) entities in '\(label(readName, position))'")
        }
        guard let wireType = Skewless_V1_ValueType(rawValue: typeNumber) else {
            throw SkewlessError(.internal, "unknown value type \(typeNumber) for '\(label(readName, position))'")
        }
        var values = valuesReader ?? ProtobufReader(UnsafeRawBufferPointer(start: nil, count: 0))
        let type: FeatureType
        let valuesIndex: Int
        switch wireType {
        case .bool:
            (type, valuesIndex) = (.bool, try fixedWidthValues(&values, width: 1, field: .boolValues, wireType: wireType, readName: readName, position: position))
        case .float:
            (type, valuesIndex) = (.float, try fixedWidthValues(&values, width: 4, field: .floatValues, wireType: wireType, readName: readName, position: position))
        case .double:
            (type, valuesIndex) = (.double, try fixedWidthValues(&values, width: 8, field: .doubleValues, wireType: wireType, readName: readName, position: position))
        default:
            let decoded: ColumnValues
            (type, decoded) = try OnlineFeaturesCodec.decodeValues(&values, wireType: wireType, entityCount: rowCount, name: label(readName, position))
            valuesIndex = decodedValues.count
            decodedValues.append(decoded)
        }
        if !matched && ownNames == nil {
            ownNames = Array(expectedNames.strings[..<position])
        }
        ownNames?.append(matched ? expectedNames.strings[position] : readName ?? "")
        columns.append(.init(type: type, statusOffset: place(statuses), eventTimeStart: timesStart, values: valuesIndex))
    }

    /// Where the values of a bool, float or double column can be read. What the node writes
    /// (one packed run of the type's field, `rowCount` values long) is read in place, with no
    /// name made; anything else goes through `fixedWidth`.
    private mutating func fixedWidthValues(
        _ values: inout ProtobufReader, width: Int, field: ProtobufField.ValueColumn, wireType: Skewless_V1_ValueType, readName: String?, position: Int
    ) throws(SkewlessError) -> Int {
        var probe = values
        if let tag = try? probe.readTag(), tag.field == field.rawValue, tag.wireType == 2, let run = try? probe.readLengthDelimited(), probe.isAtEnd {
            let bytes = run.remainingBytes
            if bytes.count == rowCount * width, width > 1 || !bytes.contains(where: { $0 >= 0x80 }),
                let start = bytes.baseAddress, let base = payload.baseAddress
            {
                return start - base
            }
        }
        return place(try fixedWidth(&values, width: width, field: field, wireType: wireType, name: label(readName, position)))
    }

    /// The values of a bool (packed varints), float or double column as one run of
    /// `width`-byte little-endian values; exactly `rowCount` of them.
    private func fixedWidth(
        _ reader: inout ProtobufReader, width: Int, field: ProtobufField.ValueColumn, wireType: Skewless_V1_ValueType, name: String
    ) throws(SkewlessError) -> ByteRun {
        var run = ByteRun(width: width)
        try OnlineFeaturesCodec.forEachValue(&reader, field: field, wireType: wireType, name: name) { (r, t) throws(SkewlessError) in
            switch (width, t) {
            case (1, 0):
                run.add(try r.readVarint() == 0 ? 0 : 1)
            case (1, 2):
                var packed = try r.readLengthDelimited()
                let bytes = packed.remainingBytes
                if !bytes.contains(where: { $0 >= 0x80 }) {
                    run.add(packed: bytes)
                } else {
                    while !packed.isAtEnd { run.add(try packed.readVarint() == 0 ? 0 : 1) }
                }
            case (4, 5):
                run.add(UInt64(try r.readFixed32()))
            case (8, 1):
                run.add(try r.readFixed64())
            case (_, 2) where width > 1:
                let packed = try r.readLengthDelimited().remainingBytes
                guard packed.count % width == 0 else {
                    throw ProtobufReader.malformed("packed \(width)-byte values in \(packed.count) bytes")
                }
                run.add(packed: packed)
            default:
                throw ProtobufReader.malformed("wire type \(t) for a \(width)-byte field")
            }
        }
        guard run.byteCount == rowCount * width else {
            throw SkewlessError(.internal, "the node sent \(run.byteCount / width) values for \(rowCount) entities in '\(name)'")
        }
        return run
    }

    /// Where a run can be read: in the payload when it is one packed run there, otherwise
    /// appended after it.
    private mutating func place(_ run: ByteRun) -> Int {
        if let normalized = run.normalized {
            defer { bytes += normalized }
            return bytes.count
        }
        if let first = run.first, let start = first.baseAddress, let base = payload.baseAddress {
            return start - base
        }
        return bytes.count  // empty
    }
}

/// The bytes of one repeated fixed-width field of a column: one packed run in the payload
/// (what the node writes), or, once anything else arrives, a normalized copy.
struct ByteRun {
    let width: Int
    var first: UnsafeRawBufferPointer?
    var normalized: [UInt8]?

    init(width: Int) {
        self.width = width
    }

    var byteCount: Int { normalized?.count ?? first?.count ?? 0 }

    mutating func add(packed: UnsafeRawBufferPointer) {
        if first == nil && normalized == nil {
            first = packed
        } else {
            normalized = (normalized ?? first.map { Array($0) } ?? []) + packed
        }
    }

    /// One value, written as `width` little-endian bytes.
    mutating func add(_ value: UInt64) {
        var bytes = normalized ?? first.map { Array($0) } ?? []
        for shift in stride(from: 0, to: 8 * width, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
        normalized = bytes
    }

    /// Whether two runs hold the same bytes. Runs compared per column (a name, a view's
    /// event times) are a few bytes long, where a call to `memcmp` cost more than the
    /// comparison: those are compared 8 bytes at a time in place.
    @inline(__always)
    static func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let x = a.baseAddress, let y = b.baseAddress else { return true }
        guard a.count <= 32 else { return memcmp(x, y, a.count) == 0 }
        var offset = 0
        while offset + 8 <= a.count {
            if x.loadUnaligned(fromByteOffset: offset, as: UInt64.self) != y.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        while offset < a.count {
            if x.load(fromByteOffset: offset, as: UInt8.self) != y.load(fromByteOffset: offset, as: UInt8.self) { return false }
            offset += 1
        }
        return true
    }
}

/// A forward reader of the few shapes `addCanonicalColumn` expects: one-byte field tags,
/// varints and length-delimited runs. Every read checks the bounds and returns nil (or
/// false) rather than throwing: the caller falls back to the general reader.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index == bytes.count }

    /// Consumes `tag` if it is next.
    @inline(__always)
    mutating func field(_ tag: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == tag else { return false }
        index += 1
        return true
    }

    @inline(__always)
    mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            if shift == 63 && byte > 1 { return nil }  // past 64 bits
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    @inline(__always)
    mutating func lengthDelimited() -> UnsafeRawBufferPointer? {
        guard let length = varint(), length <= UInt64(bytes.count - index) else { return nil }
        defer { index += Int(length) }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<index + Int(length)])
    }

    /// Appends packed varints as Int64s; false when they do not end cleanly.
    static func appendVarints(_ packed: UnsafeRawBufferPointer, to values: inout [Int64]) -> Bool {
        var cursor = ByteCursor(packed)
        while !cursor.isAtEnd {
            guard let value = cursor.varint() else { return false }
            values.append(Int64(bitPattern: value))
        }
        return true
    }
}
