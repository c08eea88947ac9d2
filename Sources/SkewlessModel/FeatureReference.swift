/// A reference to one field of one feature view: `view:field` or `view@version:field`.
/// Without a version it means the latest version in the repo.
public struct FeatureReference: Sendable, Hashable, CustomStringConvertible {
    public var view: String
    public var version: Int?
    public var field: String

    public init(view: String, version: Int? = nil, field: String) {
        self.view = view
        self.version = version
        self.field = field
    }

    /// Parses `view:field` or `view@version:field`.
    public init(parsing text: String) throws(SkewlessError) {
        let halves = text.split(separator: ":", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else {
            throw SkewlessError(.invalidArgument, "feature reference '\(text)' is not of the form view:field or view@version:field")
        }
        let viewPart = halves[0].split(separator: "@", omittingEmptySubsequences: false)
        switch viewPart.count {
        case 1:
            self.init(view: String(viewPart[0]), field: String(halves[1]))
        case 2:
            guard !viewPart[0].isEmpty, let version = Int(viewPart[1]), version > 0 else {
                throw SkewlessError(.invalidArgument, "feature reference '\(text)' has a bad version: write view@N:field with N a positive integer")
            }
            self.init(view: String(viewPart[0]), version: version, field: String(halves[1]))
        default:
            throw SkewlessError(.invalidArgument, "feature reference '\(text)' has more than one '@'")
        }
    }

    public var description: String {
        if let version { return "\(view)@\(version):\(field)" }
        return "\(view):\(field)"
    }
}
