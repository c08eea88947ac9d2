import SkewlessModel

/// The index block of a segment (docs/segment-format.md, "Index block"): the schema, then
/// per row group its row count, its first and last key and event-time range, and where each
/// of its column blocks is.
struct SegmentIndex: Sendable {
    /// Where a block's payload is; its 4-byte CRC32C follows it.
    struct BlockHandle: Sendable, Hashable {
        var offset: UInt64
        var size: UInt32
    }

    struct RowGroup: Sendable {
        var rowCount: Int
        var minEventTime: Int64
        var maxEventTime: Int64
        /// The keys of the group's first and last row, as one-row columns.
        var firstKey: KeyColumns
        var lastKey: KeyColumns
        /// One per column of the schema (`SegmentSchema.columnCount`), in column order.
        var blocks: [BlockHandle]
    }

    var schema: SegmentSchema
    var rowGroups: [RowGroup]

    func encoded() -> [UInt8] {
        var writer = BinaryWriter()
        schema.encode(into: &writer)
        writer.append(UInt32(rowGroups.count))
        for group in rowGroups {
            writer.append(UInt32(group.rowCount))
            writer.append(group.minEventTime)
            writer.append(group.maxEventTime)
            for key in [group.firstKey, group.lastKey] {
                for part in key.parts {
                    switch part {
                    case .int64(let values): writer.append(values[0])
                    case .string(let values):
                        let utf8 = Array(values[0].utf8)
                        writer.append(UInt32(utf8.count))
                        writer.append(bytes: utf8)
                    }
                }
            }
            for block in group.blocks {
                writer.append(block.offset)
                writer.append(block.size)
            }
        }
        return writer.bytes
    }

    init(schema: SegmentSchema, rowGroups: [RowGroup]) {
        self.schema = schema
        self.rowGroups = rowGroups
    }

    init(decoding reader: inout BinaryReader) throws(SkewlessError) {
        schema = try SegmentSchema.decode(from: &reader)
        let groupCount = try reader.read(UInt32.self, "the row group count")
        rowGroups = []
        for group in 0..<Int(groupCount) {
            let rows = Int(try reader.read(UInt32.self, "row group \(group)'s row count"))
            let minEvent = try reader.read(Int64.self, "row group \(group)'s minimum event time")
            let maxEvent = try reader.read(Int64.self, "row group \(group)'s maximum event time")
            var keys: [KeyColumns] = []
            for _ in 0..<2 {
                var key = KeyColumns(joinKeys: schema.joinKeys)
                for index in key.parts.indices {
                    switch schema.joinKeys[index].type.storage {
                    case .int64: key.parts[index] = .int64([try reader.read(Int64.self, "row group \(group)'s key range")])
                    case .string:
                        let length = Int(try reader.read(UInt32.self, "row group \(group)'s key range"))
                        let range = try reader.readBytes(length, "row group \(group)'s key range")
                        guard let text = String(validating: reader.bytes[range], as: UTF8.self) else {
                            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: row group \(group)'s key range is not UTF-8")
                        }
                        key.parts[index] = .string([text])
                    }
                }
                keys.append(key)
            }
            var blocks: [BlockHandle] = []
            for _ in 0..<schema.columnCount {
                let offset = try reader.read(UInt64.self, "row group \(group)'s block offsets")
                let size = try reader.read(UInt32.self, "row group \(group)'s block sizes")
                blocks.append(BlockHandle(offset: offset, size: size))
            }
            rowGroups.append(RowGroup(rowCount: rows, minEventTime: minEvent, maxEventTime: maxEvent, firstKey: keys[0], lastKey: keys[1], blocks: blocks))
        }
        guard reader.isAtEnd else {
            throw SkewlessError(.dataLoss, "\(reader.subject) is corrupt: \(reader.remaining) bytes after the last row group")
        }
    }
}
