/// What is wrong with a set of definitions, and which definition it is wrong in, so a
/// loader can point at the file and line where that definition was written.
public struct DefinitionProblem: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Subject: Sendable, Hashable {
        case project
        case entity(String)
        case featureView(name: String, version: Int)
        /// One field of a view.
        case field(view: String, version: Int, field: String)
        case featureService(String)
        /// The access policy (`access:`).
        case access
    }

    public var subject: Subject
    public var message: String

    public init(_ subject: Subject, _ message: String) {
        self.subject = subject
        self.message = message
    }

    public var description: String { message }
}
