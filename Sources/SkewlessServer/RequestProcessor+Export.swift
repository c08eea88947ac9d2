import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire
import SwiftProtobuf

extension RequestProcessor {
    /// Rows per page when the request asks for 0.
    static let defaultExportRows = 1_024
    /// The most rows in one page.
    static let maximumExportRows = 4_096

    /// EXPORT_ROWS: one page of the stored rows of some partitions of one view, for a node
    /// catching up on partitions moving to it (docs/protocol.md section 16). The first page
    /// (empty cursor) snapshots the matching keys; every page then reads the current rows of
    /// the next keys, whole, under the view's lock like a read.
    ///
    /// - Throws: `FAILED_PRECONDITION` on a standalone node or for an expired cursor;
    ///   `INVALID_ARGUMENT` for no partitions, an unknown one or a foreign cursor;
    ///   `WrongShardError` for partitions this node does not serve; `UNAVAILABLE` while one
    ///   is loading; `RESOURCE_EXHAUSTED` for a single row larger than a frame.
    func exportRows(_ request: Skewless_V1_ExportRowsRequest) throws -> Skewless_V1_ExportRowsResponse {
        guard let membership, let access = membership.access else {
            throw SkewlessError(.failedPrecondition, "node \(configuration.nodeID) is not part of a cluster: EXPORT_ROWS copies partitions between cluster nodes; send the node a cluster map first")
        }
        let view = try repo.featureView(qualified: request.featureView)
        guard !request.partitions.isEmpty else {
            throw SkewlessError(.invalidArgument, "EXPORT_ROWS names no partitions: list the partitions whose rows to export")
        }
        let partitions = Set(request.partitions.map { Int($0) }).sorted()
        let buckets = Set(request.buckets.map { Int($0) }).sorted()
        if let bad = buckets.first(where: { $0 >= RowDigest.bucketCount }) {
            throw SkewlessError(.invalidArgument, "bucket \(bad) does not exist: a partition has \(RowDigest.bucketCount) digest buckets (0 to \(RowDigest.bucketCount - 1))")
        }
        let now = clock()
        try access.checkExport(partitions, nowMicros: now)
        let wanted = Set(partitions)
        let wantedBuckets = Set(buckets)
        let partitioner = access.partitioner
        let cursor: ExportCursor
        if request.cursor.isEmpty {
            let keys = try store.exportKeys(view: view) { key in
                let hash = Partitioner.hash(of: key)
                return wanted.contains(partitioner.partition(forHash: hash))
                    && (wantedBuckets.isEmpty || wantedBuckets.contains(RowDigest.bucket(ofKeyHash: hash)))
            }
            let session = membership.exports.start(view: view.qualifiedName, partitions: partitions, buckets: buckets, keys: keys, nowMicros: now)
            cursor = ExportCursor(session: session, position: 0)
        } else {
            cursor = try ExportCursor(bytes: request.cursor)
        }
        var rows = request.maxRows == 0 ? Self.defaultExportRows : min(Int(request.maxRows), Self.maximumExportRows)
        let joinKeys = repo.joinKeys(of: view)
        // Leaves room for the frame envelope, and keeps pages small enough to interleave with
        // the node's other traffic.
        let byteBudget = min(configuration.maxFrameBytes - 4_096, 8 * 1024 * 1024)
        while true {
            let (keys, total) = try membership.exports.keys(
                session: cursor.session, view: view.qualifiedName, partitions: partitions, buckets: buckets,
                from: cursor.position, count: rows, nowMicros: now)
            let batch = try store.exportRows(view: view, keys: keys)
            var response = ExportPage.response(batch, view: view, joinKeys: joinKeys, epoch: access.epoch)
            if request.includeRowDigests {
                response.rowDigests = RowDigest.hashes(of: batch, fields: view.fields)
            }
            let size: Int = try (response.serializedBytes() as [UInt8]).count
            if size > byteBudget {
                guard keys.count > 1 else {
                    throw SkewlessError(.resourceExhausted, "one row of '\(view.qualifiedName)' is over \(byteBudget) bytes, more than a frame holds: raise max_frame_bytes on both nodes")
                }
                rows = keys.count / 2
                continue
            }
            let next = cursor.position + keys.count
            if next < total {
                response.nextCursor = ExportCursor(session: cursor.session, position: next).bytes
            } else {
                membership.exports.finish(session: cursor.session)
            }
            return response
        }
    }
}
