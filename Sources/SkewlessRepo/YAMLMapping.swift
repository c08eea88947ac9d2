import Yams

/// A YAML mapping read as a definition: every key is checked against the keys the definition
/// allows, and required keys are looked up with an error that points at the mapping.
struct YAMLMapping {
    struct Entry {
        var key: String
        var keyNode: YAMLNode
        var value: YAMLNode
    }

    var node: YAMLNode
    var entries: [Entry]

    /// The value of `name` when it is a single non-null value, for naming the definition in
    /// messages before it has been checked.
    var nameHint: String? {
        guard let value = value("name"), !value.isNull,
            case .scalar(let scalar) = value.node
        else { return nil }
        return YAMLNode.clipped(scalar.string)
    }

    /// Throws at the first key that is not in `allowed`, suggesting the closest allowed key.
    func rejectUnknownKeys(allowed: [String], in what: String) throws(RepoError) {
        for entry in entries where !allowed.contains(entry.key) {
            let hint = NameSuggestion.hint(for: entry.key, among: allowed)
            throw entry.keyNode.error("unknown key '\(YAMLNode.clipped(entry.key))' in \(what)\(hint); expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    /// The value of `key`, null or not; nil when the key is absent.
    func value(_ key: String) -> YAMLNode? {
        entries.first(where: { $0.key == key })?.value
    }

    /// The value of `key`, or nil when the key is absent or has no value (`key:`, `key: ~`).
    func optional(_ key: String) -> YAMLNode? {
        guard let value = value(key), !value.isNull else { return nil }
        return value
    }

    /// The value of `key`; throws when the key is absent or has no value.
    func required(_ key: String, in what: String) throws(RepoError) -> YAMLNode {
        guard let entry = entries.first(where: { $0.key == key }) else {
            throw node.error("\(what) is missing the required key '\(key)'")
        }
        guard !entry.value.isNull else {
            throw entry.keyNode.error("'\(key)' of \(what) has no value")
        }
        return entry.value
    }
}
