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
    struct Column: Sendable {
        var name: String
        var type: FeatureType
        var statuses: [ValueStatus]
        var eventTimes: [Int64]
        var values: ColumnValues
    }

    let columns: [Column]
    /// Every accepted spelling of a column's name -> its index.
    let index: [String: Int]
    /// The number of entity rows.
    public let count: Int

    /// The resolved feature names ("view@version:field"), in column order.
    public var featureNames: [String] { columns.map(\.name) }

    /// The row of the entity at `position` in the request.
    public subscript(position: Int) -> Row {
        precondition(position >= 0 && position < count, "row \(position) is out of range 0..<\(count)")
        return Row(features: self, row: position)
    }

    /// All rows, in request order.
    public var rows: [Row] { (0..<count).map { Row(features: self, row: $0) } }

    init(wire: Skewless_V1_GetOnlineFeaturesResponse, entityCount: Int, embeddingDimensions: (String) -> Int?) throws(SkewlessError) {
        var columns: [Column] = []
        columns.reserveCapacity(wire.features.count)
        var index: [String: Int] = [:]
        var fieldNameUses: [String: Int] = [:]
        for (position, feature) in wire.features.enumerated() {
            guard feature.statuses.count == entityCount, feature.eventTimeMicros.count == entityCount else {
                throw SkewlessError(.internal, "the node sent \(feature.statuses.count) statuses for \(entityCount) entities in '\(feature.feature)'")
            }
            var type: FeatureType
            if feature.type == .embedding {
                let dimension = feature.values.embeddingValues.first.map { Int($0.dimension) } ?? embeddingDimensions(feature.feature) ?? 1
                type = try FeatureType(wire: .embedding, embeddingDimension: max(1, dimension))
            } else {
                type = try FeatureType(wire: feature.type, embeddingDimension: 0)
            }
            let values = try feature.values.columnValues(as: type, count: entityCount, subject: "feature '\(feature.feature)'")
            var statuses: [ValueStatus] = []
            statuses.reserveCapacity(entityCount)
            for status in feature.statuses {
                guard let known = ValueStatus(wire: status) else {
                    throw SkewlessError(.internal, "the node sent an unknown value status \(status.rawValue) for '\(feature.feature)': upgrade the client")
                }
                statuses.append(known)
            }
            columns.append(Column(name: feature.feature, type: type, statuses: statuses, eventTimes: feature.eventTimeMicros, values: values))
            for alias in Self.aliases(of: feature.feature) {
                index[alias] = position
            }
            if let colon = feature.feature.lastIndex(of: ":") {
                fieldNameUses[String(feature.feature[feature.feature.index(after: colon)...]), default: 0] += 1
            }
        }
        // A bare field name works where it is unambiguous.
        for (name, uses) in fieldNameUses where uses == 1 && index[name] == nil {
            if let position = columns.firstIndex(where: { $0.name.hasSuffix(":" + name) }) {
                index[name] = position
            }
        }
        self.columns = columns
        self.index = index
        self.count = entityCount
    }

    /// "view@2:field" is also reachable as "view:field".
    private static func aliases(of qualified: String) -> [String] {
        guard let at = qualified.firstIndex(of: "@"), let colon = qualified.lastIndex(of: ":"), at < colon else {
            return [qualified]
        }
        return [qualified, String(qualified[..<at]) + String(qualified[colon...])]
    }

    func column(_ name: String) -> Int? { index[name] }

    /// One entity's features. Look features up by "view:field", "view@version:field", or the
    /// bare field name when only one view in the response has it.
    public struct Row: Sendable {
        let features: OnlineFeatures
        /// The position of this entity in the request.
        public let row: Int

        /// Why the value is what it is; nil when the response has no such feature.
        public func status(_ feature: String) -> ValueStatus? {
            features.column(feature).map { features.columns[$0].statuses[row] }
        }

        /// The event time (microseconds since the epoch) of the stored row the value came from;
        /// nil when there is no such feature or no stored row.
        public func eventTime(_ feature: String) -> Int64? {
            guard let column = features.column(feature) else { return nil }
            let time = features.columns[column].eventTimes[row]
            return time == 0 ? nil : time
        }

        /// The value, or nil when the feature has none for this entity (see `status`).
        public func value(_ feature: String) -> FeatureValue? {
            guard let position = features.column(feature) else { return nil }
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
            guard let position = features.column(feature) else { return nil }
            let column = features.columns[position]
            guard column.statuses[row].hasValue else { return nil }
            return extract(column.values)
        }
    }
}
