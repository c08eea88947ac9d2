import Foundation
import SkewlessModel
import SkewlessWire

/// The label rows of a training set, column by column: for each row, the time its features
/// are wanted at and the value of every join key of the views asked for. What
/// `FeatureClient.getHistoricalFeatures` sends.
///
/// ```swift
/// var labels = TrainingLabels(timesMicros: times)
/// try labels.setKey("user_id", userIDs)
/// try labels.setKey("merchant_id", merchantIDs)
/// let set = try await client.getHistoricalFeatures(service: "fraud_detection_v1", labels: labels)
/// ```
public struct TrainingLabels: Sendable, Hashable {
    /// The number of label rows: one time each.
    public let rowCount: Int
    let times: [Int64]
    var keys: [Skewless_V1_EntityKeyColumn] = []

    /// - Parameter timesMicros: each row's time, microseconds since the epoch (the node
    ///   refuses numbers that look like seconds or milliseconds).
    public init(timesMicros: [Int64]) {
        rowCount = timesMicros.count
        times = timesMicros
    }

    /// - Parameter times: each row's time.
    public init(times: [Date]) {
        self.init(timesMicros: times.map(\.microsecondsSinceEpoch))
    }

    /// A join key of int64 values, one per row.
    public mutating func setKey(_ name: String, _ values: [Int64]) throws(SkewlessError) {
        var column = Skewless_V1_EntityKeyColumn()
        column.joinKey = name
        column.int64Values = values
        try setKey(column, count: values.count)
    }

    /// A join key of string values, one per row.
    public mutating func setKey(_ name: String, _ values: [String]) throws(SkewlessError) {
        var column = Skewless_V1_EntityKeyColumn()
        column.joinKey = name
        column.stringValues = values
        try setKey(column, count: values.count)
    }

    private mutating func setKey(_ column: Skewless_V1_EntityKeyColumn, count: Int) throws(SkewlessError) {
        guard count == rowCount else {
            throw SkewlessError(.invalidArgument, "join key '\(column.joinKey)' has \(count) values for \(rowCount) label rows (one time each): give one value per row")
        }
        keys.removeAll { $0.joinKey == column.joinKey }
        keys.append(column)
    }

    /// The rows in chunks of about `bytes` each on the wire (at least one row per chunk, and
    /// one empty chunk for no rows).
    func chunks(ofAbout bytes: Int) -> [(entities: [Skewless_V1_EntityKeyColumn], times: [Int64])] {
        var perRow = 10
        for column in keys {
            perRow += column.int64Values.isEmpty ? 2 + column.stringValues.reduce(0) { $0 + $1.utf8.count } / max(1, rowCount) : 10
        }
        let rows = max(1, bytes / perRow)
        guard rowCount > rows else { return [(keys, times)] }
        return stride(from: 0, to: rowCount, by: rows).map { start in
            let range = start..<min(rowCount, start + rows)
            let entities = keys.map { column in
                var part = Skewless_V1_EntityKeyColumn()
                part.joinKey = column.joinKey
                if column.int64Values.isEmpty {
                    part.stringValues = Array(column.stringValues[range])
                } else {
                    part.int64Values = Array(column.int64Values[range])
                }
                return part
            }
            return (entities, Array(times[range]))
        }
    }
}
