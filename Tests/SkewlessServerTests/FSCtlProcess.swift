import Foundation
import SkewlessModel

/// The built `fsctl` binary run as a child process, with its standard output and error in
/// files (no pipe to fill up and stall it). `stop()` kills it if it is still running; the
/// tests call it in a `defer`, so a failing test leaves nothing behind.
final class FSCtlProcess {
    let process = Process()
    let outputFile: URL
    let errorFile: URL
    /// Standard input, when started with `feedsInput`.
    let input: Pipe?

    /// The folder with the built `fsctl`: `swift build --build-tests` puts it next to the
    /// test bundle.
    static func binary() throws -> URL {
        var candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for candidate in candidates {
            var folder = candidate
            for _ in 0..<4 {
                let fsctl = folder.appendingPathComponent("fsctl")
                if FileManager.default.isExecutableFile(atPath: fsctl.path) { return fsctl }
                folder.deleteLastPathComponent()
            }
        }
        throw SkewlessError(.notFound, "no fsctl next to the test bundle (\(candidates.map(\.path))): build it with swift build --build-tests")
    }

    /// Starts `fsctl arguments`, writing its output into `directory`.
    /// - Parameter feedsInput: give it a pipe as standard input (else /dev/null).
    init(_ arguments: [String], in directory: URL, feedsInput: Bool = false) throws {
        let name = UUID().uuidString
        outputFile = directory.appendingPathComponent("fsctl-\(name).out")
        errorFile = directory.appendingPathComponent("fsctl-\(name).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = try Self.binary()
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        input = feedsInput ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        try ProcessLauncher.run(process)
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit (polling, so no thread blocks) and returns its status.
    func exitStatus(within limit: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw SkewlessError(.deadlineExceeded, "fsctl still running after \(limit); its errors: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationStatus
    }

    /// SIGINT, as Ctrl-C sends.
    func interrupt() {
        process.interrupt()
    }

    /// Kills the process if it is still running, and waits for it.
    func stop() {
        try? input?.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
