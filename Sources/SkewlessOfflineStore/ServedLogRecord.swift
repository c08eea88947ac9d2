import SkewlessCompression
import SkewlessModel

/// One record of a node's served-feature log (docs/served-log.md, "Records"): what one
/// node served for one sampled read, every entity row of it that the node answered.
///
/// Self-describing: the key columns carry their names and types and the features their
/// resolved references and types, so a reader needs no feature repo, and a record stays
/// readable after the repo changed.
package struct ServedLogRecord: Sendable, Hashable {
    /// One join key column of the read, one value per row.
    package struct Key: Sendable, Hashable {
        package var name: String
        package var values: KeyColumn

        package init(name: String, values: KeyColumn) {
            self.name = name
            self.values = values
        }
    }

    /// One feature as served: per row its status, the event time of the stored row it came
    /// from (0: none) and its value (a placeholder in rows whose status carries none).
    package struct Feature: Sendable, Hashable {
        /// "view@version:field", as the node resolved it.
        package var reference: String
        package var type: FeatureType
        package var statuses: [ValueStatus]
        package var eventTimes: [Int64]
        package var values: ColumnValues

        package init(reference: String, type: FeatureType, statuses: [ValueStatus], eventTimes: [Int64], values: ColumnValues) {
            self.reference = reference
            self.type = type
            self.statuses = statuses
            self.eventTimes = eventTimes
            self.values = values
        }

        /// The value of `row`, nil when its status carries none.
        package func value(at row: Int) -> FeatureValue? {
            guard statuses[row].hasValue else { return nil }
            return try? values.value(at: row)
        }
    }

    /// Larger than every earlier record's in the same node's log; assigned when written.
    package var sequence: UInt64
    /// When the node served the read (the time it judged TTLs by), microseconds since the epoch.
    package var servedTime: Int64
    /// The epoch of the node's cluster map then; 0 for a standalone node.
    package var mapEpoch: UInt64
    /// The read's request id: the client's, or one the node made.
    package var requestID: String
    /// The feature service read.
    package var service: String
    /// The node that served the rows.
    package var node: String
    package var rowCount: Int
    package var keys: [Key]
    package var features: [Feature]

    package init(
        sequence: UInt64 = 0, servedTime: Int64, mapEpoch: UInt64, requestID: String, service: String, node: String, rowCount: Int, keys: [Key],
        features: [Feature]
    ) {
        self.sequence = sequence
        self.servedTime = servedTime
        self.mapEpoch = mapEpoch
        self.requestID = requestID
        self.service = service
        self.node = node
        self.rowCount = rowCount
        self.keys = keys
        self.features = features
    }

    /// The entity key of `row` for a view keyed by `joinKeys`; nil when the record lacks
    /// one of them (or has it with another type).
    package func entityKey(row: Int, joinKeys: [JoinKey]) -> EntityKey? {
        var parts: [KeyPart] = []
        parts.reserveCapacity(joinKeys.count)
        for joinKey in joinKeys {
            guard let key = keys.first(where: { $0.name == joinKey.name }), key.values.type == joinKey.type else { return nil }
            parts.append(key.values.part(at: row))
        }
        return EntityKey(parts)
    }

    /// Bytes before the payload: CRC32C and length (as in the write log).
    static let headerSize = 8
    /// A payload larger than this is corruption (a read is at most a frame, 16 MiB by default).
    static let maximumPayloadBytes = 1 << 30
    /// The fixed part of a payload: sequence, serve time, epoch.
    static let minimumPayloadBytes = 24

    // MARK: - Encoding

    /// The record's features as runs of consecutive features of one view version that share
    /// their event times (every feature of a view does, row by row: one stored row per
    /// entity): each run is written with the view's name and the event times once. Also
    /// where each reference's last ':' is, in UTF-8 bytes (its view before, its field after).
    private func groups() throws(SkewlessError) -> (runs: [Range<Int>], colons: [Int]) {
        var runs: [Range<Int>] = []
        var colons: [Int] = []
        colons.reserveCapacity(features.count)
        for (index, feature) in features.enumerated() {
            let utf8 = feature.reference.utf8
            guard let colon = utf8.lastIndex(of: UInt8(ascii: ":")), colon != utf8.startIndex else {
                throw SkewlessError(.invalidArgument, "feature reference '\(feature.reference)' is not view@version:field")
            }
            let split = utf8.distance(from: utf8.startIndex, to: colon)
            colons.append(split)
            if let last = runs.last {
                let first = features[last.lowerBound]
                if colons[last.lowerBound] == split, Self.sameUTF8Prefix(first.reference, feature.reference, split), first.eventTimes == feature.eventTimes {
                    runs[runs.count - 1] = last.lowerBound..<(index + 1)
                    continue
                }
            }
            runs.append(index..<(index + 1))
        }
        return (runs, colons)
    }

    /// Whether the first `count` UTF-8 bytes of `a` and `b`, both at least that long, are equal.
    private static func sameUTF8Prefix(_ a: String, _ b: String, _ count: Int) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in b.withUTF8 { y in UnsafeBufferPointer(rebasing: x[..<count]).elementsEqual(UnsafeBufferPointer(rebasing: y[..<count])) } }
    }

    /// The whole record (CRC32C, length, payload); the sequence number is written as 0 and
    /// set, with the CRC, by `stamp(_:sequence:)` when the log assigns it.
    /// - Throws: `invalidArgument` for columns whose lengths disagree with `rowCount`, values
    ///   of another type than their feature's, or a reference that is not view@version:field.
    func encoded() throws(SkewlessError) -> [UInt8] {
        for key in keys where key.values.count != rowCount {
            throw SkewlessError(.invalidArgument, "key column '\(key.name)' has \(key.values.count) values for \(rowCount) rows")
        }
        for feature in features
        where feature.statuses.count != rowCount || feature.eventTimes.count != rowCount || feature.values.count != rowCount
            || !ColumnValues.empty(of: feature.type).isSameKind(as: feature.values) {
            throw SkewlessError(.invalidArgument, "feature '\(feature.reference)' needs \(rowCount) statuses, event times and \(feature.type) values")
        }
        let (runs, colons) = try groups()
        var writer = BinaryWriter(capacity: 128 + rowCount * (16 + 10 * features.count) + 16 * features.count)
        writer.append(UInt32(0))  // CRC32C, set by stamp
        writer.append(UInt32(0))  // payload length, set below
        writer.append(UInt64(0))  // sequence, set by stamp
        writer.append(servedTime)
        writer.append(mapEpoch)
        writer.appendShortString(requestID)
        writer.appendShortString(service)
        writer.appendShortString(node)
        writer.append(UInt32(rowCount))
        let range = 0..<rowCount
        func block(_ encode: (inout BinaryWriter) -> Void) {
            let lengthAt = writer.bytes.count
            writer.append(UInt32(0))
            encode(&writer)
            writer.set(UInt32(writer.bytes.count - lengthAt - 4), at: lengthAt)
        }
        writer.append(UInt16(keys.count))
        for key in keys {
            writer.appendShortString(key.name)
            writer.append(key.values.type == .int64 ? UInt8(1) : 2)
            block { ColumnBlockCodec.encode(key.values, rows: range, into: &$0) }
        }
        writer.append(UInt16(runs.count))
        for run in runs {
            let first = features[run.lowerBound]
            writer.appendShortString(first.reference, utf8: 0..<colons[run.lowerBound])
            block { ColumnBlockCodec.encode(times: first.eventTimes, rows: range, into: &$0) }
            writer.append(UInt16(run.count))
            for index in run {
                let feature = features[index]
                writer.appendShortString(feature.reference, utf8: (colons[index] + 1)..<feature.reference.utf8.count)
                writer.append(Self.typeNumber(feature.type))
                if case .embedding(let dimension) = feature.type.storage { writer.append(UInt32(dimension)) }
                var nulls: [Bool] = []
                nulls.reserveCapacity(rowCount)
                for status in feature.statuses {
                    writer.append(Self.statusNumber(status))
                    nulls.append(!status.hasValue)
                }
                block { ColumnBlockCodec.encode(feature.values, nulls: nulls, rows: range, into: &$0) }
            }
        }
        writer.set(UInt32(writer.bytes.count - Self.headerSize), at: 4)
        return writer.bytes
    }

    /// Sets the sequence number of an encoded record and its CRC32C (over the length and
    /// the payload).
    static func stamp(_ record: inout [UInt8], sequence: UInt64) {
        precondition(record.count >= headerSize + minimumPayloadBytes, "a served log record is at least its header, sequence, time and epoch")
        record.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: sequence.littleEndian, toByteOffset: headerSize, as: UInt64.self)
            let crc = CRC32C.checksum(of: UnsafeRawBufferPointer(rebasing: raw[4...]))
            raw.storeBytes(of: crc.littleEndian, toByteOffset: 0, as: UInt32.self)
        }
    }

    // MARK: - Decoding

    /// What reading a record at some offset found (as `WriteLogRecord.ReadResult`).
    enum ReadResult {
        case record(ServedLogRecord, end: Int)
        /// Fewer bytes than a record needs: the end of the file, or a record torn by a crash.
        case incomplete
        /// Bytes that are not a valid record, and why.
        case corrupt(String)
    }

    /// Reads the record starting at `offset` of `bytes` (a log file's contents).
    static func read(_ bytes: [UInt8], at offset: Int, file: String) -> ReadResult {
        guard bytes.count - offset >= headerSize else { return .incomplete }
        let (stored, length) = bytes.withUnsafeBytes { raw in
            (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
             Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))))
        }
        if stored == 0 && length == 0 {
            return .corrupt("zero bytes where a record should start")
        }
        guard length >= minimumPayloadBytes, length <= maximumPayloadBytes else {
            return .corrupt("a record length of \(length) bytes")
        }
        guard bytes.count - offset - headerSize >= length else { return .incomplete }
        let end = offset + headerSize + length
        let computed = bytes.withUnsafeBytes { raw in
            CRC32C.checksum(of: UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<end]))
        }
        guard computed == stored else {
            return .corrupt("its CRC32C is \(String(computed, radix: 16)) but the record says \(String(stored, radix: 16))")
        }
        do throws(SkewlessError) {
            return .record(try decode(bytes, payload: (offset + headerSize)..<end, file: file), end: end)
        } catch {
            return .corrupt(error.message)
        }
    }

    private static func decode(_ bytes: [UInt8], payload: Range<Int>, file: String) throws(SkewlessError) -> ServedLogRecord {
        let subject = "a record of \(file)"
        var reader = BinaryReader(bytes, range: payload, subject: subject)
        let sequence = try reader.read(UInt64.self, "the sequence number")
        let served = try reader.read(Int64.self, "the serve time")
        let epoch = try reader.read(UInt64.self, "the map epoch")
        let requestID = try reader.readShortString("the request id")
        let service = try reader.readShortString("the service")
        let node = try reader.readShortString("the node id")
        let rows = Int(try reader.read(UInt32.self, "the row count"))
        func block() throws(SkewlessError) -> BinaryReader {
            let length = Int(try reader.read(UInt32.self, "a block's length"))
            let range = try reader.readBytes(length, "a block")
            return BinaryReader(bytes, range: range, subject: subject)
        }
        var keys: [Key] = []
        for _ in 0..<Int(try reader.read(UInt16.self, "the key column count")) {
            let name = try reader.readShortString("a key column's name")
            let typeNumber = try reader.read(UInt8.self, "a key column's type")
            guard typeNumber == 1 || typeNumber == 2 else {
                throw SkewlessError(.dataLoss, "\(subject) is corrupt: key column '\(name)' has type \(typeNumber)")
            }
            var column = try block()
            keys.append(Key(name: name, values: try ColumnBlockCodec.decodeKey(&column, type: typeNumber == 1 ? .int64 : .string, rows: rows)))
        }
        var features: [Feature] = []
        for _ in 0..<Int(try reader.read(UInt16.self, "the view count")) {
            let view = try reader.readShortString("a view's name")
            var times = try block()
            let eventTimes = try ColumnBlockCodec.decodeTimes(&times, rows: rows)
            for _ in 0..<Int(try reader.read(UInt16.self, "a view's field count")) {
                let field = try reader.readShortString("a field's name")
                let reference = "\(view):\(field)"
                let typeNumber = try reader.read(UInt8.self, "a field's type")
                let dimension = typeNumber == 9 ? Int(try reader.read(UInt32.self, "an embedding's dimension")) : 0
                guard let type = Self.type(number: typeNumber, dimension: dimension) else {
                    throw SkewlessError(.dataLoss, "\(subject) is corrupt: feature '\(reference)' has type \(typeNumber) (dimension \(dimension))")
                }
                let statusBytes = try reader.readBytes(rows, "the statuses of '\(reference)'")
                var statuses: [ValueStatus] = []
                statuses.reserveCapacity(rows)
                for (row, number) in bytes[statusBytes].enumerated() {
                    guard let status = Self.status(number: number) else {
                        throw SkewlessError(.dataLoss, "\(subject) is corrupt: feature '\(reference)' has status \(number) in row \(row)")
                    }
                    statuses.append(status)
                }
                var valueBlock = try block()
                let (values, _) = try ColumnBlockCodec.decode(&valueBlock, type: type, rows: rows)
                features.append(Feature(reference: reference, type: type, statuses: statuses, eventTimes: eventTimes, values: values))
            }
        }
        guard reader.isAtEnd else {
            throw SkewlessError(.dataLoss, "\(subject) is corrupt: \(reader.remaining) bytes after its features")
        }
        return ServedLogRecord(
            sequence: sequence, servedTime: served, mapEpoch: epoch, requestID: requestID, service: service, node: node, rowCount: rows, keys: keys,
            features: features)
    }

    // MARK: - Numbers (the protocol's, docs/protocol.md)

    static func statusNumber(_ status: ValueStatus) -> UInt8 {
        switch status.storage {
        case .present: return 1
        case .notFound: return 2
        case .nullValue: return 3
        case .outsideTTL: return 4
        case .defaulted: return 5
        }
    }

    static func status(number: UInt8) -> ValueStatus? {
        switch number {
        case 1: return .present
        case 2: return .notFound
        case 3: return .nullValue
        case 4: return .outsideTTL
        case 5: return .defaulted
        default: return nil
        }
    }

    static func typeNumber(_ type: FeatureType) -> UInt8 {
        switch type.storage {
        case .bool: return 1
        case .int32: return 2
        case .int64: return 3
        case .float: return 4
        case .double: return 5
        case .string: return 6
        case .bytes: return 7
        case .timestamp: return 8
        case .embedding: return 9
        case .int64List: return 10
        case .stringList: return 11
        }
    }

    static func type(number: UInt8, dimension: Int) -> FeatureType? {
        switch number {
        case 1: return .bool
        case 2: return .int32
        case 3: return .int64
        case 4: return .float
        case 5: return .double
        case 6: return .string
        case 7: return .bytes
        case 8: return .timestamp
        case 9: return dimension > 0 && dimension <= FeatureType.maxEmbeddingDimension ? .embedding(dimension: dimension) : nil
        case 10: return .int64List
        case 11: return .stringList
        default: return nil
        }
    }
}
