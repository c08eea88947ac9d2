/// Why a piece of text is not a valid value (a duration, a timestamp). The reader that
/// called the parser knows where the text was written and turns this into a `RepoError`.
struct ValueProblem: Error, Sendable, Hashable {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
