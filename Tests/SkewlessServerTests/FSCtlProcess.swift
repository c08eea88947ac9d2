import Foundation
import SkewlessModel

/// The built `fsctl` binary run as a child process, with its standard output and error in
/// files (no pipe to fill up and stall it). `stop()` kills it if it is still running; the
/// tests call it in a `defer`, so a failing test leaves nothing behind.
final class FSCtlProcess {
    let process: ChildProcess
    let outputFile: URL
    let errorFile: URL
    /// The write end of its standard input, when started with `feedsInput`: closing it ends
    /// the input.
    let input: FileHandle?

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
        let pipe = try feedsInput ? ChildProcess.makePipe() : nil
        defer { if let pipe { close(pipe.read) } }  // The child has its own copy.
        do {
            process = try ChildProcess.spawn(ChildProcess.Configuration(
                executable: try Self.binary().path,
                arguments: arguments,
                standardInput: pipe.map { .descriptor($0.read) } ?? .nullDevice,
                standardOutput: .file(outputFile.path, append: false),
                standardError: .file(errorFile.path, append: false)
            ))
        } catch {
            if let pipe { close(pipe.write) }
            throw error
        }
        input = pipe.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
    }

    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit (polling, so no thread blocks) and returns its status.
    /// - Throws: when it is still running after `limit`, or was killed by a signal.
    func exitStatus(within limit: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw SkewlessError(.deadlineExceeded, "fsctl still running after \(limit); its errors: \(errors)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let termination = process.waitUntilExit()
        guard case .exited(let status) = termination else {
            throw SkewlessError(.internal, "fsctl was \(termination); its errors: \(errors)")
        }
        return status
    }

    /// SIGINT, as Ctrl-C sends.
    func interrupt() {
        process.send(SIGINT)
    }

    /// Kills the process if it is still running, and waits for it.
    func stop() {
        try? input?.close()
        if process.isRunning {
            process.terminate()
            process.kill()
            _ = process.waitUntilExit()
        }
    }
}
