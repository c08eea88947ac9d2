import Yams

/// A YAML node and the file it came from.
///
/// The accessors check the node's kind and throw a `RepoError` that points at the node, so a
/// reader states what it expects in one line. `what` names the value in messages, for example
/// `"'join_keys' of entity 'user'"`.
struct YAMLNode {
    var node: Node
    var file: String

    init(_ node: Node, file: String) {
        self.node = node
        self.file = file
    }

    var location: SourceLocation { SourceLocation(file: file, mark: node.mark) }

    func error(_ message: String) -> RepoError { location.error(message) }

    /// `~`, `null` or nothing, without quotes.
    var isNull: Bool {
        guard case .scalar(let scalar) = node, Self.isPlain(scalar) else { return false }
        return ScalarSyntax.isNull(scalar.string)
    }

    /// What the node is, for "found ..." in messages.
    var kindDescription: String {
        switch node {
        case .scalar(let scalar):
            if isNull { return "no value" }
            return Self.isPlain(scalar) ? "'\(Self.clipped(scalar.string))'" : "the quoted text \"\(Self.clipped(scalar.string))\""
        case .mapping: return "a mapping (key: value pairs)"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A mapping whose keys are plain text.
    func mapping(_ what: String) throws(RepoError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else {
            throw error("\(what) must be a mapping (key: value pairs); found \(kindDescription)")
        }
        var entries: [YAMLMapping.Entry] = []
        for (key, value) in mapping {
            let keyNode = YAMLNode(key, file: file)
            guard case .scalar(let scalar) = key else {
                throw keyNode.error("the keys of \(what) must be words; found \(keyNode.kindDescription) as a key")
            }
            if scalar.string == "<<" && Self.isPlain(scalar) {
                throw keyNode.error("merge keys ('<<') are not supported in feature repos: write the keys out")
            }
            entries.append(YAMLMapping.Entry(key: scalar.string, keyNode: keyNode, value: YAMLNode(value, file: file)))
        }
        return YAMLMapping(node: self, entries: entries)
    }

    /// The items of a list.
    func sequence(_ what: String) throws(RepoError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else {
            throw error("\(what) must be a list; found \(kindDescription)")
        }
        return sequence.map { YAMLNode($0, file: file) }
    }

    /// The text of a scalar, quoted or not, that is not null.
    func string(_ what: String) throws(RepoError) -> String {
        try scalar(what).text
    }

    /// The text of a scalar that is not null, and whether it was written without quotes.
    func scalar(_ what: String) throws(RepoError) -> (text: String, isPlain: Bool) {
        guard case .scalar(let scalar) = node else {
            throw error("\(what) must be a single value; found \(kindDescription)")
        }
        guard !isNull else {
            throw error("\(what) has no value")
        }
        return (scalar.string, Self.isPlain(scalar))
    }

    /// A whole number written without quotes.
    func integer(_ what: String) throws(RepoError) -> Int64 {
        let (text, isPlain) = try scalar(what)
        guard ScalarSyntax.looksLikeInteger(text) else {
            throw error("\(what) must be a whole number; found \(kindDescription)")
        }
        guard isPlain else {
            throw error("\(what) must be a whole number without quotes; found \(kindDescription)")
        }
        guard let value = ScalarSyntax.int64(text) else {
            throw error("\(what) is out of range: \(text)")
        }
        return value
    }

    /// `true` or `false` (also `True`, `TRUE`, ...), written without quotes.
    func bool(_ what: String) throws(RepoError) -> Bool {
        let (text, isPlain) = try scalar(what)
        guard isPlain, let value = ScalarSyntax.bool(text) else {
            throw error("\(what) must be true or false without quotes; found '\(Self.clipped(text))'")
        }
        return value
    }

    static func isPlain(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain || scalar.style == .any
    }

    /// Long values shortened for messages.
    static func clipped(_ text: String) -> String {
        text.count <= 60 ? text : text.prefix(57) + "..."
    }
}
