import Logging
import NIOCore
import SkewlessCluster
import SkewlessModel
import SkewlessOnlineStore
import SkewlessWire

/// The `catching_up` phase on the incoming node (docs/cluster.md, section 7): copies every
/// stored row of the partitions moving to it from a current replica, page by page
/// (EXPORT_ROWS), into the online store through its normal write rule.
///
/// The write rule makes the copy safe at any time: a row older by (event time, created time)
/// than the stored one is ignored, so copying is idempotent and commutes with the writes the
/// node receives itself (it is a write target from the `loading` epoch on). A row the node
/// already has newer stays; a row only the old owner had (written there directly, never in the
/// segments) arrives.
///
/// Each partition is copied from the first of `ClusterMap.catchUpSources` that completes:
/// the move's outgoing node, then the other replicas. A source that is down, slow, refuses
/// (wrong shard, still loading) or sends garbage is given up for the next one; every call has
/// a deadline. Partitions no source could give are left for the caller to retry.
struct CatchUpCopier: Sendable {
    let repo: FeatureRepo
    let store: OnlineStore
    let logger: Logger
    /// How to reach peers (TLS, token); nil: plain TCP, no token.
    var security: SecurityState? = nil
    var connectTimeout: TimeAmount = .seconds(2)
    var callTimeout: TimeAmount = .seconds(15)
    var pageRows = RequestProcessor.defaultExportRows
    var maxFrameBytes = ProtocolVersion.defaultMaxFrameBytes
    /// Times an export that expired on its source is started again before the source is
    /// given up.
    var restartsPerView = 3

    /// Copies the rows of `partitions`, which move to `node` in `map`.
    /// - Parameter stillWanted: the partitions the node still catches up on under its current
    ///   map, asked before every page; when one being copied is no longer among them (a newer
    ///   map moved on), that copy stops and the partition is not returned.
    /// - Returns: the partitions copied completely, from one source each.
    func copy(_ partitions: [Int], map: ClusterMap, node: NodeID, stillWanted: @Sendable () -> Set<Int>) -> Set<Int> {
        var sources: [Int: [NodeID]] = [:]
        for partition in partitions {
            sources[partition] = map.catchUpSources(of: partition, for: node)
        }
        var copied = Set<Int>()
        while true {
            // Group what is left by the source to try next.
            var groups: [NodeID: [Int]] = [:]
            for (partition, candidates) in sources {
                if let first = candidates.first {
                    groups[first, default: []].append(partition)
                }
            }
            guard !groups.isEmpty else { break }
            for source in groups.keys.sorted() {
                let group = groups[source, default: []].sorted()
                guard Set(group).isSubset(of: stillWanted()) else {
                    group.forEach { sources[$0] = nil }
                    continue
                }
                do throws(SkewlessError) {
                    guard let address = map.node(source)?.address else {
                        throw SkewlessError(.notFound, "node \(source) is not in the cluster map")
                    }
                    let started = ContinuousClock.now
                    let rows = try copy(group, from: address, partitioner: map.partitioner, stillWanted: stillWanted)
                    logger.info("caught up on partitions from a replica", metadata: [
                        "source": "\(source)", "partitions": "\(group.count)", "rows": "\(rows)",
                        "elapsed": "\(ContinuousClock.now - started)",
                    ])
                    copied.formUnion(group)
                    group.forEach { sources[$0] = nil }
                } catch {
                    logger.warning("catching up from a replica failed; trying the next one", metadata: [
                        "source": "\(source)", "partitions": "\(group.count)", "error": "\(error.message)",
                    ])
                    for partition in group {
                        sources[partition]?.removeFirst()
                    }
                }
            }
        }
        return copied
    }

    /// Copies every view's rows of `partitions` from the node at `address`.
    /// - Returns: the rows received.
    private func copy(_ partitions: [Int], from address: NodeAddress, partitioner: Partitioner, stillWanted: @Sendable () -> Set<Int>) throws(SkewlessError) -> Int {
        let peer = security?.peer
        let connection = try PeerConnection.connect(
            to: address, tls: peer?.tls, token: peer?.token, connectTimeout: connectTimeout, callTimeout: callTimeout, maxFrameBytes: maxFrameBytes)
        defer { connection.close() }
        var rows = 0
        for view in repo.featureViews {
            var restarts = 0
            while true {
                do throws(SkewlessError) {
                    rows += try copyView(view, partitions, partitioner: partitioner, over: connection, stillWanted: stillWanted)
                    break
                } catch where error.code == .failedPrecondition && restarts < restartsPerView {
                    // The export expired on the source: start it again (copying is idempotent).
                    restarts += 1
                } catch where error.code == .notFound {
                    // The source does not know the view (an older repo): it has no rows of it.
                    logger.warning("a replica does not know a view; its rows are not copied from it", metadata: [
                        "source": "\(address)", "view": "\(view.qualifiedName)", "error": "\(error.message)",
                    ])
                    break
                }
            }
        }
        return rows
    }

    private func copyView(_ view: FeatureView, _ partitions: [Int], partitioner: Partitioner, over connection: PeerConnection, stillWanted: @Sendable () -> Set<Int>) throws(SkewlessError) -> Int {
        let joinKeys = repo.joinKeys(of: view)
        let wanted = Set(partitions)
        var request = Skewless_V1_ExportRowsRequest()
        request.featureView = view.qualifiedName
        request.partitions = partitions.map { UInt32(truncatingIfNeeded: $0) }
        request.maxRows = UInt32(clamping: pageRows)
        var rows = 0
        while true {
            guard wanted.isSubset(of: stillWanted()) else {
                throw SkewlessError(.aborted, "a newer cluster map took partitions away from this node during the copy")
            }
            let page = try connection.call(.exportRows, request, as: Skewless_V1_ExportRowsResponse.self)
            let batch = try ExportPage.batch(page, view: view, joinKeys: joinKeys)
            if let stranger = batch.keys.first(where: { !wanted.contains(partitioner.partition(of: $0)) }) {
                throw SkewlessError(.dataLoss, "node \(connection.address) exported the row of entity \(stranger) of '\(view.qualifiedName)', which is not in the partitions asked for")
            }
            if batch.rowCount > 0 {
                guard batch.createdTimes != nil else {
                    throw SkewlessError(.dataLoss, "node \(connection.address) exported rows without created times")
                }
                _ = try store.write(view: view, batch: batch, nowMicros: 0)
                rows += batch.rowCount
            }
            guard !page.nextCursor.isEmpty else { return rows }
            request.cursor = page.nextCursor
        }
    }

}
