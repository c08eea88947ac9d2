import SkewlessCompression
import SkewlessWire

/// The features of a batch of entities, as a node served them: one row per entity, in
/// request order, one column per feature, in the order of the service or feature list.
///
/// ```swift
/// let features = try await client.getOnlineFeatures(service: "fraud_detection_v1", entities: [["user_id": 42, "merchant_id": "m-7"]])
/// let row = features[0]
/// if let count = row.int64("user_transactions:txn_count_24h") { ... }
/// print(row.status("merchant_risk:risk_score"))   // .present, .defaulted, ...
/// ```
public struct OnlineFeatures: Sendable {
    let columns: [ServedColumn]
    let layout: ColumnLayout
    /// The number of entity rows.
    public let count: Int

    init(columns: [ServedColumn], entityCount: Int, layout: ColumnLayout) {
        self.columns = columns
        self.layout = layout
        self.count = entityCount
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
    /// bare field name when only one view in the response has it.
    public struct Row: Sendable {
        let features: OnlineFeatures
        /// The position of this entity in the request.
        public let row: Int

        /// Why the value is what it is; nil when the response has no such feature.
        public func status(_ feature: String) -> ValueStatus? {
            features.layout.position(of: feature).map { features.columns[$0].statuses[row] }
        }

        /// The event time (microseconds since the epoch) of the stored row the value came from;
        /// nil when there is no such feature or no stored row.
        public func eventTime(_ feature: String) -> Int64? {
            guard let column = features.layout.position(of: feature) else { return nil }
            let time = features.columns[column].eventTimes[row]
            return time == 0 ? nil : time
        }

        /// The value, or nil when the feature has none for this entity (see `status`).
        public func value(_ feature: String) -> FeatureValue? {
            guard let position = features.layout.position(of: feature) else { return nil }
            let column = features.columns[position]
            guard column.statuses[row].hasValue else { return nil }
            return try? column.values.value(at: row)
        }

        public func bool(_ feature: String) -> Bool? { typed(feature) { if case .bool(let v) = $0 { v[row] } else { nil } } }
        public func int32(_ feature: String) -> Int32? { typed(feature) { if case .int32(let v) = $0 { v[row] } else { nil } } }
        public func int64(_ feature: String) -> Int64? { typed(feature) { if case .int64(let v) = $0 { v[row] } else { nil } } }
        public func float(_ feature: String) -> Float? { typed(feature) { if case .float(let v) = $0 { v[row] } else { nil } } }
        public func double(_ feature: String) -> Double? { typed(feature) { if case .double(let v) = $0 { v[row] } else { nil } } }
        public func string(_ feature: String) -> String? { typed(feature) { if case .string(let v) = $0 { v[row] } else { nil } } }
        public func bytes(_ feature: String) -> [UInt8]? { typed(feature) { if case .bytes(let v) = $0 { v[row] } else { nil } } }
        /// Microseconds since the epoch.
        public func timestamp(_ feature: String) -> Int64? { typed(feature) { if case .timestamp(let v) = $0 { v[row] } else { nil } } }
        public func int64List(_ feature: String) -> [Int64]? { typed(feature) { if case .int64List(let v) = $0 { v[row] } else { nil } } }
        public func stringList(_ feature: String) -> [String]? { typed(feature) { if case .stringList(let v) = $0 { v[row] } else { nil } } }
        /// The embedding as float32s, decompressed if it travelled LZ4-compressed.
        public func embedding(_ feature: String) -> [Float]? {
            typed(feature) { if case .embedding(let v) = $0 { try? EmbeddingCodec.decode(v[row]) } else { nil } }
        }

        private func typed<T>(_ feature: String, _ extract: (ColumnValues) -> T?) -> T? {
            guard let position = features.layout.position(of: feature) else { return nil }
            let column = features.columns[position]
            guard column.statuses[row].hasValue else { return nil }
            return extract(column.values)
        }
    }
}
