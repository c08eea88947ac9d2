/// The type of a join key. Join keys are int64 or string.
public enum KeyType: String, Sendable, Hashable, CaseIterable {
    case int64
    case string
}
