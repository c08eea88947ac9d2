import SkewlessModel

extension Skewless_V1_ValueType {
    package init(_ type: FeatureType) {
        switch type.storage {
        case .bool: self = .bool
        case .int32: self = .int32
        case .int64: self = .int64
        case .float: self = .float
        case .double: self = .double
        case .string: self = .string
        case .bytes: self = .bytes
        case .timestamp: self = .timestamp
        case .embedding: self = .embedding
        case .int64List: self = .int64List
        case .stringList: self = .stringList
        }
    }
}

extension FeatureType {
    /// The model type for a wire type; embeddings need their dimension from the schema.
    package init(wire: Skewless_V1_ValueType, embeddingDimension: Int) throws(SkewlessError) {
        switch wire {
        case .bool: self = .bool
        case .int32: self = .int32
        case .int64: self = .int64
        case .float: self = .float
        case .double: self = .double
        case .string: self = .string
        case .bytes: self = .bytes
        case .timestamp: self = .timestamp
        case .embedding:
            guard embeddingDimension > 0, embeddingDimension <= FeatureType.maxEmbeddingDimension else {
                throw SkewlessError(.invalidArgument, "embedding dimension \(embeddingDimension) is out of range 1...\(FeatureType.maxEmbeddingDimension)")
            }
            self = .embedding(dimension: embeddingDimension)
        case .int64List: self = .int64List
        case .stringList: self = .stringList
        case .unspecified, .UNRECOGNIZED:
            throw SkewlessError(.invalidArgument, "unknown value type \(wire.rawValue): the peer speaks a newer protocol; upgrade this side")
        }
    }
}
