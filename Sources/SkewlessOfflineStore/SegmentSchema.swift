import SkewlessModel

/// What the rows of a segment hold: the view's join keys and fields, in order. Recorded
/// in every segment's index block, so a segment can be read without the feature repo, and
/// summarized by a fingerprint in the footer, so a segment of another schema is refused.
package struct SegmentSchema: Sendable, Hashable {
    package var joinKeys: [JoinKey]
    package var fields: [(name: String, type: FeatureType)]

    package init(joinKeys: [JoinKey], fields: [(name: String, type: FeatureType)]) {
        self.joinKeys = joinKeys
        self.fields = fields
    }

    package init(view: FeatureView, joinKeys: [JoinKey]) {
        self.init(joinKeys: joinKeys, fields: view.fields.map { ($0.name, $0.type) })
    }

    package static func == (lhs: SegmentSchema, rhs: SegmentSchema) -> Bool {
        lhs.joinKeys == rhs.joinKeys && lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.type == $1.type }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(fingerprint)
    }

    /// `keys:user_id:int64,merchant_id:string;fields:count:int64,vector:embedding[4]`
    package var canonicalText: String {
        let keys = joinKeys.map { "\($0.name):\($0.type.rawValue)" }.joined(separator: ",")
        let fieldText = fields.map { "\($0.name):\($0.type)" }.joined(separator: ",")
        return "keys:\(keys);fields:\(fieldText)"
    }

    /// 64-bit FNV-1a of the UTF-8 bytes of `canonicalText`.
    package var fingerprint: UInt64 {
        FNV1a64.hash(canonicalText.utf8)
    }

    /// Columns per row group: one per join key, event times, created times, one per field.
    var columnCount: Int { joinKeys.count + 2 + fields.count }
    var eventTimeColumn: Int { joinKeys.count }
    var createdTimeColumn: Int { joinKeys.count + 1 }
    func fieldColumn(_ field: Int) -> Int { joinKeys.count + 2 + field }

    /// What column `index` is, for error messages.
    func columnName(_ index: Int) -> String {
        if index < joinKeys.count { return "join key '\(joinKeys[index].name)'" }
        if index == eventTimeColumn { return "event times" }
        if index == createdTimeColumn { return "created times" }
        return "field '\(fields[index - joinKeys.count - 2].name)'"
    }

    // MARK: - Encoding (see docs/segment-format.md, "Schema")

    func encode(into writer: inout BinaryWriter) {
        writer.append(UInt32(joinKeys.count))
        for key in joinKeys {
            writer.append(key.type == .int64 ? UInt8(0) : UInt8(1))
            writer.appendShortString(key.name)
        }
        writer.append(UInt32(fields.count))
        for field in fields {
            writer.append(field.type.segmentCode)
            if case .embedding(let dimension) = field.type.storage {
                writer.append(UInt32(dimension))
            } else {
                writer.append(UInt32(0))
            }
            writer.appendShortString(field.name)
        }
    }

    static func decode(from reader: inout BinaryReader) throws(SkewlessError) -> SegmentSchema {
        let keyCount = try reader.read(UInt32.self, "the join key count")
        guard keyCount >= 1, keyCount <= 64 else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(keyCount) join keys")
        }
        var joinKeys: [JoinKey] = []
        for _ in 0..<keyCount {
            let code = try reader.read(UInt8.self, "a join key type")
            guard code <= 1 else { throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: join key type \(code)") }
            let name = try reader.readShortString("a join key name")
            joinKeys.append(JoinKey(name: name, type: code == 0 ? .int64 : .string))
        }
        let fieldCount = try reader.read(UInt32.self, "the field count")
        guard fieldCount <= 65_536 else { throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(fieldCount) fields") }
        var fields: [(name: String, type: FeatureType)] = []
        for _ in 0..<fieldCount {
            let code = try reader.read(UInt8.self, "a field type")
            let dimension = try reader.read(UInt32.self, "a field's embedding dimension")
            let name = try reader.readShortString("a field name")
            guard let type = FeatureType(segmentCode: code, dimension: Int(dimension)) else {
                throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: field '\(name)' has type code \(code) (dimension \(dimension))")
            }
            fields.append((name, type))
        }
        return SegmentSchema(joinKeys: joinKeys, fields: fields)
    }
}

extension FeatureType {
    /// The type's code in segment files (docs/segment-format.md, "Type codes").
    var segmentCode: UInt8 {
        switch self.storage {
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

    init?(segmentCode: UInt8, dimension: Int) {
        switch segmentCode {
        case 1: self = .bool
        case 2: self = .int32
        case 3: self = .int64
        case 4: self = .float
        case 5: self = .double
        case 6: self = .string
        case 7: self = .bytes
        case 8: self = .timestamp
        case 9:
            guard dimension >= 1, dimension <= FeatureType.maxEmbeddingDimension else { return nil }
            self = .embedding(dimension: dimension)
        case 10: self = .int64List
        case 11: self = .stringList
        default: return nil
        }
    }
}
