/// The type of a feature field. Every value of a field has exactly this type.
///
/// A struct with static members rather than an enum, so that a type added later (`float16`,
/// `bytes_list`, ...) is a new member, not a case that breaks a `switch` in code already
/// written against this one. Compare with `==` (`type == .int64`), or read an embedding's
/// dimension with `embeddingDimension`:
///
/// ```swift
/// if type == .double || type == .float { ... }
/// if let dimension = type.embeddingDimension { ... }
/// ```
public struct FeatureType: Sendable, Hashable, CustomStringConvertible {
    /// The types, for code inside the package to `switch` over (`type.storage`); users
    /// compare with `==` instead, so that adding a case breaks nobody.
    @usableFromInline
    package enum Storage: Sendable, Hashable {
        case bool
        case int32
        case int64
        case float
        case double
        case string
        case bytes
        case timestamp
        case embedding(dimension: Int)
        case int64List
        case stringList
    }

    /// The type as an enum (inside the package: `switch type.storage { ... }`).
    @usableFromInline
    package var storage: Storage

    @inlinable
    package init(_ storage: Storage) {
        self.storage = storage
    }

    public static let bool = FeatureType(.bool)
    public static let int32 = FeatureType(.int32)
    public static let int64 = FeatureType(.int64)
    public static let float = FeatureType(.float)
    public static let double = FeatureType(.double)
    public static let string = FeatureType(.string)
    public static let bytes = FeatureType(.bytes)
    /// Microseconds since the Unix epoch, UTC.
    public static let timestamp = FeatureType(.timestamp)
    public static let int64List = FeatureType(.int64List)
    public static let stringList = FeatureType(.stringList)

    /// A float32 vector of a fixed dimension.
    @inlinable
    public static func embedding(dimension: Int) -> FeatureType {
        FeatureType(.embedding(dimension: dimension))
    }

    /// The dimension of an embedding type; nil for every other type.
    public var embeddingDimension: Int? {
        if case .embedding(let dimension) = storage { return dimension }
        return nil
    }

    /// Whether this is an embedding type, of any dimension.
    public var isEmbedding: Bool { embeddingDimension != nil }

    /// The spelling used in feature repos: `float`, `embedding[768]`, `int64_list`, ...
    public var description: String {
        switch storage {
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
