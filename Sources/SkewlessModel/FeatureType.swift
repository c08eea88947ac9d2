/// The type of a feature field. Every value of a field has exactly this type.
public enum FeatureType: Sendable, Hashable, CustomStringConvertible {
    case bool
    case int32
    case int64
    case float
    case double
    case string
    case bytes
    /// Microseconds since the Unix epoch, UTC.
    case timestamp
    /// A float32 vector of a fixed dimension.
    case embedding(dimension: Int)
    case int64List
    case stringList

    /// The spelling used in feature repos: `float`, `embedding[768]`, `int64_list`, ...
    public var description: String {
        switch self {
        case .bool: return "bool"
        case .int32: return "int32"
        case .int64: return "int64"
        case .float: return "float"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .timestamp: return "timestamp"
        case .embedding(let dimension): return "embedding[\(dimension)]"
        case .int64List: return "int64_list"
        case .stringList: return "string_list"
        }
    }

    /// Parses the feature-repo spelling (see `description`). Returns nil for anything else.
    public init?(parsing text: String) {
        switch text {
        case "bool": self = .bool
        case "int32": self = .int32
        case "int64": self = .int64
        case "float", "float32": self = .float
        case "double", "float64": self = .double
        case "string": self = .string
        case "bytes": self = .bytes
        case "timestamp": self = .timestamp
        case "int64_list": self = .int64List
        case "string_list": self = .stringList
        default:
            guard text.hasPrefix("embedding["), text.hasSuffix("]") else { return nil }
            let digits = text.dropFirst("embedding[".count).dropLast()
            guard let dimension = Int(digits), dimension > 0, dimension <= FeatureType.maxEmbeddingDimension else {
                return nil
            }
            self = .embedding(dimension: dimension)
        }
    }

    /// The largest embedding dimension a field may declare.
    public static let maxEmbeddingDimension = 65_536

    /// The type names accepted in feature repos, for error messages.
    public static let spellings = "bool, int32, int64, float, double, string, bytes, timestamp, embedding[N], int64_list, string_list"
}
