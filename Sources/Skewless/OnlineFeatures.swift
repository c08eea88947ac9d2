import SkewlessCompression
import SkewlessModel
import SkewlessWire

/// The features of a batch of entities, as a node served them: one row per entity, in
/// request order, one column per feature, in the order of the service or feature list.
///
/// Values are read in place from the bytes the nodes sent (nothing is decoded into arrays
/// up front), so a caller pays for the values it reads. Look a feature up by name, or by
/// its column position (`featureNames`' order) when reading many.
///
/// ```swift
/// let features = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 42, "merchant_id": "m-7"]])
/// let row = features[0]
/// if let count = row.int64("user_transactions:txn_count_24h") { ... }
/// print(row.status("merchant_risk:risk_score"))   // .present, .defaulted, ...
/// let vector = features.featureNames.indices.map { row.float(at: $0) ?? 0 }
/// ```
public struct OnlineFeatures: Sendable {
    let table: AnswerTable
    let layout: ColumnLayout
    /// The number of entity rows.
    public let count: Int
    /// The read's request id, given to the call or made by the client: its name in the nodes'
    /// served-feature logs (docs/served-log.md), to join what was served with what followed.
    public let requestID: String

    init(answers: [MergedAnswer], sources: [(answer: Int, column: Int)]?, entityCount: Int, layout: ColumnLayout, requestID: String = "") {
        self.table = AnswerTable(answers: answers, sources: sources, rowCount: entityCount)
        self.layout = layout
        self.count = entityCount
        self.requestID = requestID
    }

    /// The column names of `answers` arranged by `sources`, in column order.
    static func names(of answers: [MergedAnswer], sources: [(answer: Int, column: Int)]?) -> [String] {
        guard let sources else { return answers.first?.names ?? [] }
        return sources.map { answers[$0.answer].names[$0.column] }
    }

    /// The resolved feature names ("view@version:field"), in column order.
    public var featureNames: [String] { layout.names }

    /// The row of the entity at `position` in the request.
    public subscript(position: Int) -> Row {
        precondition(position >= 0 && position < count, "row \(position) is out of range 0..<\(count)")
        return Row(features: self, row: position)
    }

    /// All rows, in request order.
    public var rows: [Row] { (0..<count).map { Row(features: self, row: $0) } }

    /// One entity's features. Look features up by "view:field", "view@version:field", or the
    /// bare field name when only one view in the response has it; or by column position
    /// (`at:`, in `featureNames`' order).
    public struct Row: Sendable {
        let features: OnlineFeatures
        /// The position of this entity in the request.
        public let row: Int

        /// Why the value is what it is; nil when the response has no such feature.
        public func status(_ feature: String) -> ValueStatus? { column(feature).flatMap(status(at:)) }
        /// The status of the feature in column `column`; nil when out of range.
        public func status(at column: Int) -> ValueStatus? {
            features.table.read(row: row, column: column) { $0.status(column: $2, row: $1) }
        }

        /// The event time (microseconds since the epoch) of the stored row the value came from;
        /// nil when there is no such feature or no stored row.
        public func eventTime(_ feature: String) -> Int64? { column(feature).flatMap(eventTime(at:)) }
        /// The event time of the feature in column `column`; nil when out of range or without a stored row.
        public func eventTime(at column: Int) -> Int64? {
            features.table.read(row: row, column: column) { answer, row, column in
                let time = answer.eventTime(column: column, row: row)
                return time == 0 ? nil : time
            }
        }

        /// The value, or nil when the feature has none for this entity (see `status`).
        public func value(_ feature: String) -> FeatureValue? { column(feature).flatMap(value(at:)) }
        /// The value of the feature in column `column`; nil when out of range or without a value.
        public func value(at column: Int) -> FeatureValue? {
            features.table.read(row: row, column: column) { $0.value(column: $2, row: $1) }
        }

        // Typed values, by name or by column position: nil when the feature has no value for
        // this entity (see `status`), is of another type, or is not in the response.
        public func bool(_ feature: String) -> Bool? { column(feature).flatMap(bool(at:)) }
        public func bool(at column: Int) -> Bool? { valueCell(column) { $0.bool(column: $2, row: $1) } }
        public func int32(_ feature: String) -> Int32? { column(feature).flatMap(int32(at:)) }
        public func int32(at column: Int) -> Int32? { decoded(column) { if case .int32(let v) = $0 { v[$1] } else { nil } } }
        public func int64(_ feature: String) -> Int64? { column(feature).flatMap(int64(at:)) }
        public func int64(at column: Int) -> Int64? { decoded(column) { if case .int64(let v) = $0 { v[$1] } else { nil } } }
        public func float(_ feature: String) -> Float? { column(feature).flatMap(float(at:)) }
        public func float(at column: Int) -> Float? { valueCell(column) { $0.float(column: $2, row: $1) } }
        public func double(_ feature: String) -> Double? { column(feature).flatMap(double(at:)) }
        public func double(at column: Int) -> Double? { valueCell(column) { $0.double(column: $2, row: $1) } }
        public func string(_ feature: String) -> String? { column(feature).flatMap(string(at:)) }
        public func string(at column: Int) -> String? { decoded(column) { if case .string(let v) = $0 { v[$1] } else { nil } } }
        public func bytes(_ feature: String) -> [UInt8]? { column(feature).flatMap(bytes(at:)) }
        public func bytes(at column: Int) -> [UInt8]? { decoded(column) { if case .bytes(let v) = $0 { v[$1] } else { nil } } }
        /// Microseconds since the epoch.
        public func timestamp(_ feature: String) -> Int64? { column(feature).flatMap(timestamp(at:)) }
        public func timestamp(at column: Int) -> Int64? { decoded(column) { if case .timestamp(let v) = $0 { v[$1] } else { nil } } }
        public func int64List(_ feature: String) -> [Int64]? { column(feature).flatMap(int64List(at:)) }
        public func int64List(at column: Int) -> [Int64]? { decoded(column) { if case .int64List(let v) = $0 { v[$1] } else { nil } } }
        public func stringList(_ feature: String) -> [String]? { column(feature).flatMap(stringList(at:)) }
        public func stringList(at column: Int) -> [String]? { decoded(column) { if case .stringList(let v) = $0 { v[$1] } else { nil } } }
        /// The embedding as float32s, decompressed if it travelled LZ4-compressed.
        public func embedding(_ feature: String) -> [Float]? { column(feature).flatMap(embedding(at:)) }
        public func embedding(at column: Int) -> [Float]? {
            decoded(column) { if case .embedding(let v) = $0 { try? EmbeddingCodec.decode(v[$1]) } else { nil } }
        }

        private func column(_ feature: String) -> Int? { features.layout.position(of: feature) }

        /// `read` of the cell when the feature has a value for this entity, else nil.
        @inline(__always)
        private func valueCell<T>(_ column: Int, _ read: (ReceivedFeatures, _ row: Int, _ column: Int) -> T?) -> T? {
            features.table.read(row: row, column: column) { answer, row, column in
                answer.hasValue(column: column, row: row) ? read(answer, row, column) : nil
            }
        }

        /// `extract` of the column's decoded values (types other than bool, float and double).
        private func decoded<T>(_ column: Int, _ extract: (ColumnValues, _ row: Int) -> T?) -> T? {
            valueCell(column) { answer, row, column in answer.decodedValues(column: column).flatMap { extract($0, row) } }
        }
    }
}
