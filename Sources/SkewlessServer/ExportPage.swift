import SkewlessModel
import SkewlessWire

/// One page of EXPORT_ROWS in both directions: stored rows (a `WriteBatch` with created
/// times) to the response message, and a response from a peer back to a batch, checked like a
/// write (docs/protocol.md, section 16).
enum ExportPage {
    /// The response holding `batch`'s rows of `view` (keys in `joinKeys` order).
    static func response(_ batch: WriteBatch, view: FeatureView, joinKeys: [JoinKey], epoch: UInt64) -> Skewless_V1_ExportRowsResponse {
        var response = Skewless_V1_ExportRowsResponse()
        response.epoch = epoch
        response.entities = Skewless_V1_EntityKeyColumn.columns(keys: batch.keys, joinKeys: joinKeys)
        response.eventTimeMicros = batch.eventTimes
        response.createdTimeMicros = batch.createdTimes ?? []
        response.columns = view.fields.enumerated().compactMap { index, field in
            guard index < batch.fields.count, let values = batch.fields[index] else { return nil }
            var column = Skewless_V1_WriteColumn()
            column.field = field.name
            column.values = Skewless_V1_ValueColumn(values.values)
            if let nulls = values.nullRows {
                column.nullRows = nulls.indices.filter { nulls[$0] }.map { UInt32(truncatingIfNeeded: $0) }
            }
            return column
        }
        return response
    }

    /// The rows of a peer's page as a batch for `view`, every value checked against the
    /// view's schema (the peer may be another version, or broken).
    /// - Throws: `INVALID_ARGUMENT` (wrapped as `DATA_LOSS`: the peer sent it) naming what is wrong.
    static func batch(_ response: Skewless_V1_ExportRowsResponse, view: FeatureView, joinKeys: [JoinKey]) throws(SkewlessError) -> WriteBatch {
        do throws(SkewlessError) {
            let keyColumns = try EntityKeyColumns(response.entities)
            let rows = keyColumns.rowCount
            let keys = rows == 0 ? [] : try keyColumns.keys(for: joinKeys, view: view.qualifiedName)
            guard response.eventTimeMicros.count == rows, response.createdTimeMicros.count == rows else {
                throw SkewlessError(.invalidArgument, "\(rows) rows with \(response.eventTimeMicros.count) event times and \(response.createdTimeMicros.count) created times")
            }
            var fields = [FieldValues?](repeating: nil, count: view.fields.count)
            for column in response.columns {
                guard let index = view.fieldIndex(named: column.field) else {
                    throw SkewlessError(.invalidArgument, "field '\(column.field)' is not a field of '\(view.qualifiedName)'")
                }
                guard fields[index] == nil else {
                    throw SkewlessError(.invalidArgument, "field '\(column.field)' is sent twice")
                }
                fields[index] = try column.fieldValues(of: view.fields[index], rows: rows, view: view.qualifiedName)
            }
            return WriteBatch(keys: keys, eventTimes: response.eventTimeMicros, createdTimes: response.createdTimeMicros, fields: fields)
        } catch {
            throw SkewlessError(.dataLoss, "the peer's EXPORT_ROWS page of '\(view.qualifiedName)' is malformed: \(error.message); copy from another replica")
        }
    }
}
