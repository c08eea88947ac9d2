import Foundation
import SkewlessModel
import SkewlessWire

/// Rows to write, column by column: a join key's values for every row, a field's values for
/// every row. What a stream job that holds its rows in arrays gives `FeatureClient.write`
/// without building a dictionary per row (`FeatureWrite`); the columns travel as they are.
///
/// ```swift
/// var columns = FeatureColumns(eventTimes: times)
/// try columns.setKey("user_id", ids)
/// try columns.setField("txn_count_1h", int64s: counts)
/// try columns.setField("avg_txn_amount_7d", floats: averages)
/// let summary = try await client.write(view: "user_transactions", columns: columns)
/// ```
///
/// Every join key of the view needs a column; a field without one is null in every row
/// (rows are written whole). The node checks names and types.
public struct FeatureColumns: Sendable, Hashable {
    /// The rows' count: one event time each.
    public let rowCount: Int
    var request = Skewless_V1_WriteFeaturesRequest()

    /// - Parameter eventTimes: when each row's values became true, microseconds since the
    ///   epoch: one per row.
    public init(eventTimes: [Int64]) {
        rowCount = eventTimes.count
        request.eventTimeMicros = eventTimes
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

    /// A field's values, one per row, all of the field's type; nil is null.
    public mutating func setField(_ name: String, _ values: [FeatureValue?]) throws(SkewlessError) {
        guard let sample = values.lazy.compactMap({ $0 }).first else {
            // Every row null: the same as no column.
            try checkCount(values.count, of: "field '\(name)'")
            request.columns.removeAll { $0.field == name }
            return
        }
        var nulls: [UInt32] = []
        let filled = values.enumerated().map { index, value -> FeatureValue in
            if let value { return value }
            nulls.append(UInt32(index))
            return FeatureValue.zero(of: sample.type)
        }
        try setField(name, FeatureClient.valueColumn(filled, field: name), count: values.count, nullRows: nulls)
    }

    /// A float field's values, one per row; `nullRows`: rows whose value is null.
    public mutating func setField(_ name: String, floats: [Float], nullRows: [Int] = []) throws(SkewlessError) {
        var column = Skewless_V1_ValueColumn()
        column.floatValues = floats
        try setField(name, column, count: floats.count, nullRows: nullRows.map(UInt32.init))
    }

    /// A double field's values, one per row; `nullRows`: rows whose value is null.
    public mutating func setField(_ name: String, doubles: [Double], nullRows: [Int] = []) throws(SkewlessError) {
        var column = Skewless_V1_ValueColumn()
        column.doubleValues = doubles
        try setField(name, column, count: doubles.count, nullRows: nullRows.map(UInt32.init))
    }

    /// An int64 field's values, one per row; `nullRows`: rows whose value is null.
    public mutating func setField(_ name: String, int64s: [Int64], nullRows: [Int] = []) throws(SkewlessError) {
        var column = Skewless_V1_ValueColumn()
        column.int64Values = int64s
        try setField(name, column, count: int64s.count, nullRows: nullRows.map(UInt32.init))
    }

    /// Each row's created time (microseconds): for `FeatureClient.ingest` only, which stores
    /// rows with created times of their own (a backfill's). A write refuses them: a written
    /// row's created time is the time the node's write log accepts it.
    public mutating func setCreatedTimes(_ times: [Int64]) throws(SkewlessError) {
        try checkCount(times.count, of: "created times")
        request.createdTimeMicros = times
    }

    /// A field's values of any other type: one per row, all of the field's type; `nullRows`:
    /// rows whose value is null (any value of the type may stand in their place).
    public mutating func setField(_ name: String, values: [FeatureValue], nullRows: [Int]) throws(SkewlessError) {
        guard !values.isEmpty else {
            try checkCount(0, of: "field '\(name)'")
            return
        }
        try setField(name, FeatureClient.valueColumn(values, field: name), count: values.count, nullRows: nullRows.map(UInt32.init))
    }

    /// The first row's entity (join key -> value): it picks a cluster write's coordinator.
    var firstEntity: [String: KeyPart]? {
        guard rowCount > 0 else { return nil }
        var entity: [String: KeyPart] = [:]
        for column in request.entities {
            if let value = column.int64Values.first { entity[column.joinKey] = .int64(value) }
            if let value = column.stringValues.first { entity[column.joinKey] = .string(value) }
        }
        return entity
    }

    private mutating func setKey(_ column: Skewless_V1_EntityKeyColumn, count: Int) throws(SkewlessError) {
        try checkCount(count, of: "join key '\(column.joinKey)'")
        request.entities.removeAll { $0.joinKey == column.joinKey }
        request.entities.append(column)
    }

    private mutating func setField(_ name: String, _ values: Skewless_V1_ValueColumn, count: Int, nullRows: [UInt32]) throws(SkewlessError) {
        try checkCount(count, of: "field '\(name)'")
        if let bad = nullRows.first(where: { Int($0) >= rowCount }) {
            throw SkewlessError(.invalidArgument, "field '\(name)': null row \(bad) is past the last of \(rowCount) rows")
        }
        var column = Skewless_V1_WriteColumn()
        column.field = name
        column.values = values
        column.nullRows = nullRows
        request.columns.removeAll { $0.field == name }
        request.columns.append(column)
    }

    private func checkCount(_ count: Int, of what: String) throws(SkewlessError) {
        guard count == rowCount else {
            throw SkewlessError(.invalidArgument, "\(what) has \(count) values for \(rowCount) rows (one event time each): give one value per row")
        }
    }
}
