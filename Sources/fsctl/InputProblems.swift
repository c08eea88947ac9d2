/// Every problem found in an input file, reported together so that one run shows them all.
struct InputProblems: Error, Sendable, CustomStringConvertible {
    /// The file as the user named it (`-` is standard input).
    var file: String
    var problems: [InputProblem]
    /// How the file counts places, said once above the list (CSV rows, JSON lines).
    var counting: String?

    /// The most problems listed; the rest are counted.
    static let listed = 20

    /// One line per problem, prefixed with the file, up to `listed`, then "... and N more".
    func report(limit: Int = InputProblems.listed) -> String {
        let name = file == "-" ? "<stdin>" : file
        var lines = problems.prefix(limit).map { "\(name): \($0)" }
        if problems.count > limit {
            lines.append("... and \(problems.count - limit) more")
        }
        return lines.joined(separator: "\n")
    }

    var description: String { report() }
}
