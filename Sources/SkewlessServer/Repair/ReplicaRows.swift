import SkewlessWire
import SkewlessModel

/// The rows one node exported (EXPORT_ROWS with `include_row_digests`) of one view's
/// partition and digest buckets, page by page, with each row's key, times and digest: what a
/// repair compares across replicas, and the pages it takes rows from to apply on others.
package struct ReplicaRows: Sendable {
    /// A row: where it is (page, row in page) and what decides which replica's row wins.
    package struct Row: Sendable, Hashable {
        package var page: Int
        package var index: Int
        package var eventTime: Int64
        package var createdTime: Int64
        package var digest: UInt64

        /// Newer-wins order: (event time, created time), then the digest so that two rows of
        /// equal times but other values still have one winner every replica agrees on.
        package func isNewer(than other: Row) -> Bool {
            (eventTime, createdTime, digest) > (other.eventTime, other.createdTime, other.digest)
        }

        package func sameContent(as other: Row) -> Bool {
            eventTime == other.eventTime && createdTime == other.createdTime && digest == other.digest
        }
    }

    package private(set) var pages: [Skewless_V1_ExportRowsResponse] = []
    package private(set) var rows: [EntityKey: Row] = [:]

    package init() {}

    /// Adds one page after checking its shape.
    /// - Throws: `DATA_LOSS` naming the node when the page is malformed (counts that disagree,
    ///   no row digests, a key listed twice).
    package mutating func add(_ page: Skewless_V1_ExportRowsResponse, from node: String) throws(SkewlessError) {
        let count = page.eventTimeMicros.count
        let keys = try Self.keys(of: page.entities, count: count, node: node)
        guard page.createdTimeMicros.count == count, page.rowDigests.count == count else {
            throw SkewlessError(.dataLoss, "node \(node) exported \(count) rows with \(page.createdTimeMicros.count) created times and \(page.rowDigests.count) row digests: upgrade it (row digests came with PARTITION_DIGEST)")
        }
        for column in page.columns {
            guard column.values.rowCount == count, column.nullRows.allSatisfy({ Int($0) < count }) else {
                throw SkewlessError(.dataLoss, "node \(node) exported column '\(column.field)' with other than \(count) values")
            }
        }
        let pageIndex = pages.count
        for (index, key) in keys.enumerated() {
            let row = Row(page: pageIndex, index: index, eventTime: page.eventTimeMicros[index], createdTime: page.createdTimeMicros[index], digest: page.rowDigests[index])
            guard rows.updateValue(row, forKey: key) == nil else {
                throw SkewlessError(.dataLoss, "node \(node) exported entity \(key) twice")
            }
        }
        pages.append(page)
    }

    /// The keys of a page's key columns (view key order), without the view's definition.
    static func keys(of columns: [Skewless_V1_EntityKeyColumn], count: Int, node: String) throws(SkewlessError) -> [EntityKey] {
        guard count > 0 else { return [] }
        var parts: [[KeyPart]] = []
        for column in columns {
            if column.int64Values.count == count, column.stringValues.isEmpty {
                parts.append(column.int64Values.map(KeyPart.int64))
            } else if column.stringValues.count == count, column.int64Values.isEmpty {
                parts.append(column.stringValues.map(KeyPart.string))
            } else {
                throw SkewlessError(.dataLoss, "node \(node) exported key column '\(column.joinKey)' with other than \(count) values")
            }
        }
        guard !parts.isEmpty else {
            throw SkewlessError(.dataLoss, "node \(node) exported \(count) rows without key columns")
        }
        return (0..<count).map { row in EntityKey(parts.map { $0[row] }) }
    }

    /// A replica application (WRITE_FEATURES with `replica_apply`) of the rows at `indexes` of
    /// page `page`, with their created times, routed by the map of `epoch`.
    package func application(page: Int, indexes: [Int], view: String, epoch: UInt64) -> Skewless_V1_WriteFeaturesRequest {
        let source = pages[page]
        var request = Skewless_V1_WriteFeaturesRequest()
        request.featureView = view
        request.replicaApply = true
        request.mapEpoch = epoch
        request.entities = source.entities.map { column in
            var gathered = Skewless_V1_EntityKeyColumn()
            gathered.joinKey = column.joinKey
            if !column.int64Values.isEmpty { gathered.int64Values = indexes.map { column.int64Values[$0] } }
            if !column.stringValues.isEmpty { gathered.stringValues = indexes.map { column.stringValues[$0] } }
            return gathered
        }
        request.eventTimeMicros = indexes.map { source.eventTimeMicros[$0] }
        request.createdTimeMicros = indexes.map { source.createdTimeMicros[$0] }
        request.columns = source.columns.map { column in
            var gathered = Skewless_V1_WriteColumn()
            gathered.field = column.field
            gathered.values = column.values.gathered(indexes)
            if !column.nullRows.isEmpty {
                let nulls = Set(column.nullRows.map(Int.init))
                gathered.nullRows = indexes.indices.filter { nulls.contains(indexes[$0]) }.map { UInt32(truncatingIfNeeded: $0) }
            }
            return gathered
        }
        return request
    }
}

extension Skewless_V1_ValueColumn {
    /// Values held, whatever the type (a column uses one of its arrays).
    var rowCount: Int {
        max(boolValues.count, int32Values.count, int64Values.count, floatValues.count, doubleValues.count, stringValues.count,
            bytesValues.count, timestampValues.count, embeddingValues.count, int64ListValues.count, stringListValues.count)
    }

    /// The values at `indexes`, in that order (each below `rowCount`).
    func gathered(_ indexes: [Int]) -> Skewless_V1_ValueColumn {
        var column = Skewless_V1_ValueColumn()
        if !boolValues.isEmpty { column.boolValues = indexes.map { boolValues[$0] } }
        if !int32Values.isEmpty { column.int32Values = indexes.map { int32Values[$0] } }
        if !int64Values.isEmpty { column.int64Values = indexes.map { int64Values[$0] } }
        if !floatValues.isEmpty { column.floatValues = indexes.map { floatValues[$0] } }
        if !doubleValues.isEmpty { column.doubleValues = indexes.map { doubleValues[$0] } }
        if !stringValues.isEmpty { column.stringValues = indexes.map { stringValues[$0] } }
        if !bytesValues.isEmpty { column.bytesValues = indexes.map { bytesValues[$0] } }
        if !timestampValues.isEmpty { column.timestampValues = indexes.map { timestampValues[$0] } }
        if !embeddingValues.isEmpty { column.embeddingValues = indexes.map { embeddingValues[$0] } }
        if !int64ListValues.isEmpty { column.int64ListValues = indexes.map { int64ListValues[$0] } }
        if !stringListValues.isEmpty { column.stringListValues = indexes.map { stringListValues[$0] } }
        return column
    }
}
