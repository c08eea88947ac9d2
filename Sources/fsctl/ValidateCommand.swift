import ArgumentParser
import SkewlessIngest
import SkewlessRepo

/// `fsctl validate`: loads a feature repo and says what it holds, or where it is wrong.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a feature repo; print what it defines, or file:line:column of the first problem.")

    @Option(help: "The feature repo: a directory of YAML files, or one file.")
    var repo: String = "examples/feature_repo"

    func run() async throws {
        try await CommandFailure.reporting {
            let loaded = try FeatureRepoLoader.load(path: repo)
            print("\(repo): valid")
            print(RepoPrinter.summary(loaded))
        }
    }
}
