import Yams

/// Where something was written in a feature repo: a file, and a line and column when known.
struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    var file: String
    /// 1-based.
    var line: Int?
    /// 1-based, counted in Unicode scalars (as libyaml counts them).
    var column: Int?

    init(file: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
    }

    init(file: String, mark: Mark?) {
        self.init(file: file, line: mark?.line, column: mark?.column)
    }

    /// An error at this location.
    func error(_ message: String) -> RepoError {
        RepoError(file: file, line: line, column: column, message: message)
    }

    /// `file:line:column`, as in error messages that point at a second place.
    var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text
    }
}
