import CoreMetrics
import Prometheus
import SkewlessModel
import Synchronization

/// A node's Prometheus metrics (docs/monitoring.md lists every one): a registry of its own,
/// never the process-wide `MetricsSystem`, so several nodes in one process (the tests) keep
/// their counts apart.
///
/// Handles are swift-metrics types (`Counter`, `Timer`, `Meter`) over the registry's
/// Prometheus metrics, made through this node's `PrometheusMetricsFactory`. Two kinds:
///
/// - counted as things happen: requests and their latency per (method, status)
///   (`RequestMetricsTable`), bytes in and out, connections closed, materializations;
/// - computed when scraped (`update(_:)` with a `Snapshot` the node takes then): per view
///   version its entities, memory, freshness, served-value and write counts, write-log
///   backlog; open connections; the cluster's epoch and partitions. The node's counts
///   (`ViewReadCounters`, `ViewWriteCounters`) are always kept, for HEALTH; a scrape adds
///   what they grew by since the last one to the Prometheus counters.
package final class NodeMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let requests: RequestMetricsTable
    let receivedBytes: CoreMetrics.Counter
    let sentBytes: CoreMetrics.Counter
    /// By `CloseReason.rawValue`.
    let connectionsClosed: [CoreMetrics.Counter]
    /// Times the listening socket's accepts were held at the node's new-connection rate.
    private let acceptsHeld: CoreMetrics.Counter
    /// By `Materializer.Outcome`, in `allCases` order.
    private let materializations: [CoreMetrics.Counter]
    private let materializationDuration: CoreMetrics.Timer
    private let scrape: Mutex<ScrapeState>
    private let openConnections: CoreMetrics.Meter
    private let clusterEpoch: CoreMetrics.Meter
    /// held, loading, under_replicated.
    private let partitions: (held: CoreMetrics.Meter, loading: CoreMetrics.Meter, underReplicated: CoreMetrics.Meter)

    /// Request latency buckets: 10 us to 1 s, finest where a read's latency lies.
    static let requestBuckets: [Duration] = [
        .microseconds(10), .microseconds(20), .microseconds(30), .microseconds(40), .microseconds(50), .microseconds(75),
        .microseconds(100), .microseconds(150), .microseconds(200), .microseconds(300), .microseconds(500), .microseconds(750),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
    ]

    /// Materialization buckets: 10 ms to 30 min.
    static let materializationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(120), .seconds(300), .seconds(600), .seconds(1800),
    ]

    /// What one view version's metrics are: its handles, and its counts at the last scrape.
    private struct ViewHandles: Sendable {
        var view: FeatureView
        var entities: CoreMetrics.Meter
        var memoryBytes: CoreMetrics.Meter
        /// Made once the view has rows on this node: before, it has no newest time to show.
        var newestEventTime: CoreMetrics.Meter?
        var newestArrivalTime: CoreMetrics.Meter?
        /// By `ValueStatus.allCases`.
        var reads: [CoreMetrics.Counter]
        var readsExported: [UInt64]
        /// By `ViewWriteCounters.Outcome.allCases`.
        var writes: [CoreMetrics.Counter]
        var writesExported: [UInt64]
        /// Made for a node with an offline store.
        var unsealedRecords: CoreMetrics.Meter?
        var unsealedBytes: CoreMetrics.Meter?
        var oldestUnsealedAge: CoreMetrics.Meter?
    }

    private struct ScrapeState: Sendable {
        var views: [ViewHandles]
        /// The served-feature log's counts at the last scrape (docs/served-log.md).
        var servedLogExported = ServedLogCounters.Snapshot()
    }

    /// The served-feature log: records and rows logged, bytes written, records dropped by
    /// reason (queue_full, write_failed), and what is queued and kept on disk now.
    private let servedLog: (
        records: CoreMetrics.Counter, rows: CoreMetrics.Counter, bytes: CoreMetrics.Counter,
        droppedQueueFull: CoreMetrics.Counter, droppedWriteFailed: CoreMetrics.Counter,
        queuedBytes: CoreMetrics.Meter, bytesOnDisk: CoreMetrics.Meter
    )?

    /// - Parameters:
    ///   - views: the repo's view versions, whose per-view metrics are made now.
    ///   - nodeID: the `node` label of `skewless_build_info`.
    ///   - hasOfflineStore: whether the write-log metrics exist.
    ///   - startedAtSeconds: `skewless_node_start_time_seconds`.
    ///   - logsServedFeatures: whether the served-feature log's metrics exist.
    package init(
        views: [FeatureView], nodeID: String, version: String, hasOfflineStore: Bool, logsServedFeatures: Bool = false, startedAtSeconds: Double
    ) {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        self.registry = registry
        self.factory = factory

        // Each handle is a swift-metrics type over the registry's metric of that name and
        // labels (made with its help text, so the exposition has HELP lines), destroyed
        // through this node's factory.
        @Sendable func counter(_ name: String, _ labels: [(String, String)] = [], help: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(
                label: name, dimensions: labels, handler: registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels), factory: factory)
        }
        @Sendable func meter(_ name: String, _ labels: [(String, String)] = [], help: String) -> CoreMetrics.Meter {
            Self.meter(name, labels, help: help, registry: registry, factory: factory)
        }
        @Sendable func timer(_ name: String, _ labels: [(String, String)] = [], buckets: [Duration], help: String) -> CoreMetrics.Timer {
            CoreMetrics.Timer(
                label: name, dimensions: labels,
                handler: registry.makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: labels, buckets: buckets), factory: factory)
        }

        requests = RequestMetricsTable(methods: Self.methodLabels.count, statuses: Self.statusLabels.count) { method, status in
            let labels = [("method", Self.methodLabels[method]), ("status", Self.statusLabels[status])]
            return RequestMetricsTable.Handles(
                requests: counter("skewless_requests_total", labels, help: "Requests answered, by protocol method and response status."),
                duration: timer(
                    "skewless_request_duration_seconds", labels, buckets: Self.requestBuckets,
                    help: "Time from the socket read a request arrived in to its answer handed to the socket, by method and status."))
        }
        // Every method's successes from the start, so that rates over them work from the first scrape.
        for method in 1..<(Self.methodLabels.count - 1) {
            requests.prepare(method: method, status: 0)
        }
        receivedBytes = counter("skewless_received_bytes_total", help: "Bytes read from clients' and peers' connections.")
        sentBytes = counter("skewless_sent_bytes_total", help: "Bytes of responses handed to clients' and peers' connections.")
        connectionsClosed = CloseReason.allCases.map {
            counter("skewless_connections_closed_total", [("reason", $0.label)], help: "Connections closed, by reason.")
        }
        acceptsHeld = counter(
            "skewless_accepts_held_total",
            help: "Times the node stopped accepting new connections for a while because they arrived faster than --max-new-connections-per-second.")
        materializations = Materializer.Outcome.allCases.map {
            counter("skewless_materializations_total", [("result", $0.rawValue)], help: "Materializations from the offline store that started, by how they ended.")
        }
        materializationDuration = timer(
            "skewless_materialization_duration_seconds", buckets: Self.materializationBuckets,
            help: "How long materializations from the offline store took, whatever their result.")
        openConnections = meter("skewless_open_connections", help: "Client and peer connections open now.")
        clusterEpoch = meter("skewless_cluster_epoch", help: "The epoch of the node's cluster map; 0 while standalone.")
        let partitionsHelp = "Partitions by state: held and loaded by this node, loading on it, under-replicated in its cluster map."
        partitions = (
            meter("skewless_partitions", [("state", "held")], help: partitionsHelp),
            meter("skewless_partitions", [("state", "loading")], help: partitionsHelp),
            meter("skewless_partitions", [("state", "under_replicated")], help: partitionsHelp)
        )
        meter("skewless_build_info", [("version", version), ("node", nodeID)], help: "1, labelled with the node's version and id.").set(1)
        meter("skewless_node_start_time_seconds", help: "When the node started, in seconds since the epoch.").set(startedAtSeconds)
        let droppedHelp = "Sampled reads the served-feature log dropped rather than slow or fail a read, by reason."
        servedLog = logsServedFeatures ? (
            records: counter("skewless_served_log_records_total", help: "Sampled reads recorded in the served-feature log (one per read and node)."),
            rows: counter("skewless_served_log_rows_total", help: "Entity rows of those reads."),
            bytes: counter("skewless_served_log_written_bytes_total", help: "Bytes the served-feature log wrote."),
            droppedQueueFull: counter("skewless_served_log_dropped_total", [("reason", "queue_full")], help: droppedHelp),
            droppedWriteFailed: counter("skewless_served_log_dropped_total", [("reason", "write_failed")], help: droppedHelp),
            queuedBytes: meter("skewless_served_log_queued_bytes", help: "Bytes of sampled reads waiting for the served-feature log's writer."),
            bytesOnDisk: meter("skewless_served_log_disk_bytes", help: "Bytes of this node's served-feature log files.")
        ) : nil

        var handles: [ViewHandles] = []
        for view in views {
            let label = [("view", view.qualifiedName)]
            meter("skewless_view_ttl_seconds", label, help: "The view's TTL: rows older than this are served flagged, defaulted or refused.")
                .set(Double(view.ttlSeconds))
            if let staleness = view.objectives.maxStalenessSeconds {
                meter("skewless_view_max_staleness_seconds", label, help: "The view's max_staleness objective, for views that declare one.")
                    .set(Double(staleness))
            }
            if let completeness = view.objectives.minCompleteness {
                meter("skewless_view_min_completeness", label, help: "The view's min_completeness objective (0 to 1), for views that declare one.")
                    .set(completeness)
            }
            handles.append(ViewHandles(
                view: view,
                entities: meter("skewless_view_entities", label, help: "Entity rows of the view held by this node."),
                memoryBytes: meter("skewless_view_memory_bytes", label, help: "Estimated heap bytes of the view's rows on this node."),
                reads: ValueStatus.allCases.map {
                    counter(
                        "skewless_feature_reads_total", label + [("status", $0.metricLabel)],
                        help: "Values of the view served, one per entity and feature, by value status.")
                },
                readsExported: ValueStatus.allCases.map { _ in 0 },
                writes: ViewWriteCounters.Outcome.allCases.map {
                    counter("skewless_writes_total", label + [("outcome", $0.label)], help: "Rows of write batches, by what became of them.")
                },
                writesExported: ViewWriteCounters.Outcome.allCases.map { _ in 0 },
                unsealedRecords: hasOfflineStore
                    ? meter("skewless_write_log_unsealed_records", label, help: "Write log records of the view not yet sealed into segments (every node's log).")
                    : nil,
                unsealedBytes: hasOfflineStore
                    ? meter("skewless_write_log_unsealed_bytes", label, help: "Bytes of those records.")
                    : nil,
                oldestUnsealedAge: hasOfflineStore
                    ? meter("skewless_write_log_oldest_unsealed_age_seconds", label, help: "Age of the oldest of them (the sealer's lag); 0 when every record is sealed.")
                    : nil))
        }
        scrape = Mutex(ScrapeState(views: handles))
    }

    // MARK: - Counted as things happen

    /// Counts bytes read from and handed to a connection.
    func transferred(received: Int, sent: Int) {
        if received > 0 { receivedBytes.increment(by: received) }
        if sent > 0 { sentBytes.increment(by: sent) }
    }

    /// Counts a closed connection.
    func closed(_ reason: CloseReason) {
        connectionsClosed[reason.rawValue].increment()
    }

    /// Counts a time the listening socket's accepts were held (`AcceptPacingHandler`).
    func heldAccepts() {
        acceptsHeld.increment()
    }

    /// Counts a materialization that ran.
    func materialized(_ outcome: Materializer.Outcome, after duration: Duration) {
        let index = Materializer.Outcome.allCases.firstIndex(of: outcome) ?? 0
        materializations[index].increment()
        materializationDuration.recordNanoseconds(duration.nanoseconds)
    }

    // MARK: - Computed when scraped

    /// What a scrape reads off the node: taken by the node (`NodeServer.metricsSnapshot`),
    /// each part under its own lock, briefly.
    package struct Snapshot: Sendable {
        package struct View: Sendable {
            /// "name@version".
            var name: String
            var entities: Int
            var memoryBytes: Int
            /// Microseconds since the epoch; 0: no row yet.
            var newestEventTime: Int64
            var newestArrival: Int64
            var reads: ViewReadCounters.Snapshot
            /// By `ViewWriteCounters.Outcome.allCases`.
            var writes: [UInt64]
            /// The write log's unsealed records as the sealer last counted them; nil before its first count.
            var unsealedRecords: Int?
            var unsealedBytes: UInt64?
            /// Acceptance time of the oldest unsealed record, µs; nil when none.
            var oldestUnsealed: Int64?
        }

        var nowMicros: Int64
        var views: [View]
        var openConnections: Int
        var epoch: UInt64
        var partitionsHeld: Int
        var partitionsLoading: Int
        var partitionsUnderReplicated: Int
        /// The served-feature log's counters; nil on a node that logs nothing.
        var servedLog: ServedLogCounters.Snapshot? = nil
    }

    /// Sets the gauges and adds the node's count increases from `snapshot`.
    func update(_ snapshot: Snapshot) {
        openConnections.set(snapshot.openConnections)
        clusterEpoch.set(Double(snapshot.epoch))
        partitions.held.set(snapshot.partitionsHeld)
        partitions.loading.set(snapshot.partitionsLoading)
        partitions.underReplicated.set(snapshot.partitionsUnderReplicated)
        let registry = self.registry
        let factory = self.factory
        let servedLog = self.servedLog
        scrape.withLock { state in
            if let handles = servedLog, let taken = snapshot.servedLog {
                let before = state.servedLogExported
                func add(_ counter: CoreMetrics.Counter, _ now: UInt64, _ then: UInt64) {
                    if now > then { counter.increment(by: Int64(clamping: now - then)) }
                }
                add(handles.records, taken.recordsLogged, before.recordsLogged)
                add(handles.rows, taken.rowsLogged, before.rowsLogged)
                add(handles.bytes, taken.bytesWritten, before.bytesWritten)
                add(handles.droppedQueueFull, taken.droppedQueueFull, before.droppedQueueFull)
                add(handles.droppedWriteFailed, taken.droppedWriteFailed, before.droppedWriteFailed)
                handles.queuedBytes.set(Double(taken.queuedBytes))
                handles.bytesOnDisk.set(Double(taken.bytesOnDisk))
                state.servedLogExported = taken
            }
            for (index, taken) in snapshot.views.enumerated() where index < state.views.count {
                var view = state.views[index]
                precondition(view.view.qualifiedName == taken.name, "a snapshot's views in another order than the node's")
                view.entities.set(taken.entities)
                view.memoryBytes.set(taken.memoryBytes)
                let label = [("view", taken.name)]
                if taken.newestEventTime > 0 {
                    if view.newestEventTime == nil {
                        view.newestEventTime = Self.meter(
                            "skewless_view_newest_event_time_seconds", label,
                            help: "The newest event time among the view's rows this node stored since it started, in seconds since the epoch; absent before the first.",
                            registry: registry, factory: factory)
                    }
                    view.newestEventTime?.set(Double(taken.newestEventTime) / 1e6)
                }
                if taken.newestArrival > 0 {
                    if view.newestArrivalTime == nil {
                        view.newestArrivalTime = Self.meter(
                            "skewless_view_newest_arrival_time_seconds", label,
                            help: "The newest arrival (created) time among those rows: when the newest reached the offline store, in seconds since the epoch; absent before the first.",
                            registry: registry, factory: factory)
                    }
                    view.newestArrivalTime?.set(Double(taken.newestArrival) / 1e6)
                }
                for (status, counter) in zip(ValueStatus.allCases, view.reads.indices) {
                    let now = taken.reads.count(status)
                    let before = view.readsExported[counter]
                    if now > before {
                        view.reads[counter].increment(by: Int64(clamping: now - before))
                        view.readsExported[counter] = now
                    }
                }
                for (outcome, now) in taken.writes.enumerated() where outcome < view.writes.count {
                    let before = view.writesExported[outcome]
                    if now > before {
                        view.writes[outcome].increment(by: Int64(clamping: now - before))
                        view.writesExported[outcome] = now
                    }
                }
                view.unsealedRecords?.set(taken.unsealedRecords ?? 0)
                view.unsealedBytes?.set(Double(taken.unsealedBytes ?? 0))
                let age = taken.oldestUnsealed.map { max(0, Double(snapshot.nowMicros - $0) / 1e6) } ?? 0
                view.oldestUnsealedAge?.set(age)
                state.views[index] = view
            }
        }
    }

    /// A metric's full name and help text, as the registry takes them.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private static func meter(
        _ name: String, _ labels: [(String, String)], help: String, registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory
    ) -> CoreMetrics.Meter {
        CoreMetrics.Meter(label: name, dimensions: labels, handler: registry.makeGauge(descriptor: descriptor(name, help), labels: labels), factory: factory)
    }

    /// The exposition of every metric after `update(snapshot)`: Prometheus's text format 0.0.4.
    func exposition(_ snapshot: Snapshot) -> [UInt8] {
        update(snapshot)
        return registry.emitToBuffer()
    }
}
