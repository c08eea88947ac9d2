import Foundation
import Skewless

/// Pushes rows into a view of a Skewless node, or a cluster, through the SDK's
/// `FeatureClient.write`, as a stream job would: each batch is one call with an
/// idempotency key of its own, rows without created times (the write log stamps them).
package struct SkewlessPushTarget: PushTarget {
    package let name = "skewless"
    package let endpoints: [Endpoint]
    /// The view, "name@version".
    package let view: String
    package let joinKey: String
    /// The view's fields the rows fill, in value order.
    package let fields: [String]
    package let timeout: Duration
    package let security: FeatureClient.Security

    package init(
        endpoints: [Endpoint], view: String, joinKey: String, fields: [String], timeout: Duration, security: FeatureClient.Security = .none
    ) throws(SkewlessError) {
        guard !endpoints.isEmpty else {
            throw SkewlessError(.invalidArgument, "fsbench needs a node to push to: give --node HOST:PORT (or a cluster's seeds, comma-separated)")
        }
        self.endpoints = endpoints
        self.view = view
        self.joinKey = joinKey
        self.fields = fields
        self.timeout = timeout
        self.security = security
    }

    package func connect() async throws(SkewlessError) -> any PushConnection {
        let client = try await FeatureClient.connected(to: endpoints, timeout: timeout, security: security)
        return SkewlessPushConnection(client: client, view: view, joinKey: joinKey, fields: fields, timeout: timeout)
    }
}

/// One SDK client. A batch becomes `FeatureColumns` (the ids and one float array per field,
/// as a stream job holding arrays sends them) stamped with the current event time, and an
/// idempotency key naming this connection and batch ("fsbench-<nonce>-<batch>"), never
/// reused, so no acknowledgement is a duplicate's.
struct SkewlessPushConnection: PushConnection {
    struct Prepared: Sendable {
        var columns: FeatureColumns
        var key: IdempotencyKey
    }

    let client: FeatureClient
    let view: String
    let joinKey: String
    let fields: [String]
    let timeout: Duration
    /// Distinguishes this connection's keys from every other run's and connection's.
    let nonce = UInt64.random(in: 0...UInt64.max)

    func prepare(_ batch: PushBatch) -> Prepared {
        let eventTime = WallClock.nowMicros()
        var columns = FeatureColumns(eventTimes: [Int64](repeating: eventTime, count: batch.rowCount))
        // Counts match by construction: one id and one value per row.
        try? columns.setKey(joinKey, batch.ids)
        for (index, name) in fields.enumerated() {
            let values = (0..<batch.rowCount).map { batch.values[$0 * batch.fieldCount + index] }
            try? columns.setField(name, floats: values)
        }
        // "fsbench-" + 16 + "-" + up to 19 digits: at most 44 bytes of the 64 allowed.
        let key = (try? IdempotencyKey("fsbench-\(String(nonce, radix: 16))-\(batch.index)")) ?? .random()
        return Prepared(columns: columns, key: key)
    }

    func send(_ prepared: Prepared, rows: Int) async -> PushOutcome {
        do {
            let summary = try await client.write(view: view, columns: prepared.columns, idempotencyKey: prepared.key, timeout: timeout)
            if summary.isDuplicate {
                return .failure("the node took batch key \(prepared.key) for a duplicate; fsbench never reuses a key")
            }
            guard summary.rowsWritten + summary.rowsIgnoredOlder == rows else {
                return .failure("the node acknowledged \(summary.rowsWritten) + \(summary.rowsIgnoredOlder) older of \(rows) rows")
            }
            return .acknowledged(replicasMissed: summary.missedReplicas.count, accepted: summary.acceptedTime > 0)
        } catch where error.code == .deadlineExceeded {
            return .timeout
        } catch {
            return .failure("\(error)")
        }
    }

    func close() async {
        await client.close()
    }
}
