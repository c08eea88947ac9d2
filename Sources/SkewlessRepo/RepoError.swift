/// A feature repo that cannot be loaded: the file, the line and column when known, and a
/// message that says what is wrong and how to fix it.
///
/// Its description is the form compilers use, so editors and terminals can jump to it:
///
///     examples/feature_repo/user_features.yaml:12:5: unknown key 'ttll' in feature view ...
package struct RepoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (as the caller spelled its path), or the repo path when no single file is at fault.
    package var file: String
    /// 1-based.
    package var line: Int?
    /// 1-based, counted in Unicode scalars.
    package var column: Int?
    package var message: String

    package init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: message`, leaving out the parts that are not known.
    package var description: String {
        "\(SourceLocation(file: file, line: line, column: column)): \(message)"
    }
}
