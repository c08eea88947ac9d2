import ArgumentParser
import Foundation
import SkewlessIngest
import SkewlessModel
import SkewlessRepo

/// Why a command stopped: the message for standard error and the exit status.
struct CommandFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32
    /// Whether standard error shows `error: ` before the message. Not for messages that
    /// start with `file:line:column:`, which editors and CI annotate as they are.
    var isPrefixed = true

    static let failure: Int32 = 1
    static let rejectedInput: Int32 = 2
    static let unavailable: Int32 = 3
    static let deadlineExceeded: Int32 = 4
    static let failedPrecondition: Int32 = 5

    init(_ message: String, exitCode: Int32 = CommandFailure.failure, isPrefixed: Bool = true) {
        self.message = message
        self.exitCode = exitCode
        self.isPrefixed = isPrefixed
    }

    /// A node's (or the SDK's) error, with its code, and a hint where one helps.
    init(_ error: SkewlessError, node: String? = nil) {
        switch error.code {
        case .invalidArgument, .notFound, .outOfRange, .alreadyExists:
            self.init("\(error)", exitCode: Self.rejectedInput)
        case .unavailable:
            let hint = node.map { "\n(if that node is down, name other nodes of the cluster: --node HOST:PORT,HOST:PORT; to start one: fsnode --repo examples/feature_repo --port \($0.split(separator: ":").last ?? "7421"))" } ?? ""
            self.init("\(error)\(hint)", exitCode: Self.unavailable)
        case .deadlineExceeded:
            self.init("\(error)\n(raise the deadline with --timeout-ms)", exitCode: Self.deadlineExceeded)
        case .failedPrecondition:
            self.init("\(error)", exitCode: Self.failedPrecondition)
        default:
            self.init("\(error)", exitCode: Self.failure)
        }
    }

    var description: String { message }

    /// Runs a command's body, printing any failure to standard error as `error: ...` and
    /// exiting with its status. Argument parser errors pass through (usage: status 64).
    static func reporting(node: String? = nil, _ body: () async throws -> Void) async throws {
        let failure: CommandFailure
        do {
            try await body()
            return
        } catch let error as CommandFailure {
            failure = error
        } catch let error as SkewlessError {
            failure = CommandFailure(error, node: node)
        } catch let error as InputProblems {
            failure = CommandFailure(error.description, exitCode: rejectedInput)
        } catch let error as RepoError {
            failure = CommandFailure(error.description, exitCode: Self.failure, isPrefixed: false)
        }
        StandardError.write(failure.isPrefixed ? "error: \(failure.message)" : failure.message)
        throw ExitCode(failure.exitCode)
    }
}
