/// Every problem found in an input file, reported together so that one run shows them all.
package struct InputProblems: Error, Sendable, CustomStringConvertible {
    /// The file as the user named it (`-` is standard input).
    var file: String
    var problems: [InputProblem]
    /// How the file counts places, said once above the list (CSV rows, JSON lines).
    var counting: String?
    /// What did not happen because of the problems, for the headline.
    var consequence = "nothing was written"

    /// The most problems listed; the rest are counted.
    static let listed = 20

    /// `file: N problems; nothing was written (how places are counted)`.
    var headline: String {
        let count = problems.count + problems.reduce(0) { $0 + $1.repeats }
        return "\(name): \(count) \(count == 1 ? "problem" : "problems"); \(consequence)\(counting.map { " (\($0))" } ?? "")"
    }

    private var name: String { file == "-" ? "<stdin>" : file }

    /// One line per problem, prefixed with the file, up to `limit`, then "... and N more".
    func report(limit: Int = InputProblems.listed) -> String {
        var lines = problems.prefix(limit).map { "\(name): \($0)" }
        if problems.count > limit {
            lines.append("... and \(problems.count - limit) more")
        }
        return lines.joined(separator: "\n")
    }

    package var description: String { headline + "\n" + report() }
}
