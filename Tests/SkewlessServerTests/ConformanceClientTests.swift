import Foundation
import SkewlessModel
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the C conformance client (`conformance/c`) from the `.proto` files with protoc-c and
/// cc, and runs it against a real node serving the sample repo. The client was written from
/// docs/protocol.md and the `.proto` files alone, so this checks that the protocol as documented
/// is the protocol the node speaks.
///
/// Missing tools are a failure, not a skip: CI must not pass without running this.
@Suite(.timeLimit(.minutes(3)))
struct ConformanceClientTests {
    static let installHint =
        "run .ci/run (scripts/setup.sh installs what it needs), or: apt-get install protobuf-c-compiler libprotobuf-c-dev liblz4-dev"

    /// The client may take this long against the node before it is killed.
    static let clientTimeout: Duration = .seconds(30)

    @Test func cClientPassesEveryCheckAgainstARealNode() async throws {
        let protocC = try #require(
            Self.executable(named: "protoc-c"),
            "protoc-c is not installed, so the C conformance client cannot be built: \(Self.installHint)")
        let cc = try #require(
            Self.executable(named: "cc") ?? Self.executable(named: "gcc") ?? Self.executable(named: "clang"),
            "no C compiler (cc) is installed, so the C conformance client cannot be built: \(Self.installHint)")

        let root = TestNode.packageRoot
        let files = FileManager.default
        let work = files.temporaryDirectory.appendingPathComponent("skewless-conformance-\(UUID().uuidString)")
        let generated = work.appendingPathComponent("generated")
        try files.createDirectory(at: generated, withIntermediateDirectories: true)
        defer { try? files.removeItem(at: work) }

        let protoc = try await Self.run(protocC, [
            "--c_out=\(generated.path)",
            "-I", root.appendingPathComponent("Protos").path,
            "skewless/v1/frame.proto", "skewless/v1/features.proto",
        ], in: work, timeout: .seconds(60))
        try #require(protoc.succeeded, "protoc-c failed (\(protoc.summary)):\n\(protoc.output)")

        let binary = work.appendingPathComponent("skewless_conformance")
        let compile = try await Self.run(cc, [
            "-std=c11", "-O1", "-Wall",
            "-I", generated.path,
            generated.appendingPathComponent("skewless/v1/frame.pb-c.c").path,
            generated.appendingPathComponent("skewless/v1/features.pb-c.c").path,
            root.appendingPathComponent("conformance/c/skewless_conformance.c").path,
            "-lprotobuf-c", "-llz4",
            "-o", binary.path,
        ], in: work, timeout: .seconds(120))
        try #require(
            compile.succeeded,
            "compiling the C conformance client failed (\(compile.summary)); are the headers installed? \(Self.installHint)\n\(compile.output)")

        let result = try await TestNode.withNode { node in
            try await Self.run(binary, ["127.0.0.1", String(node.port)], in: work, timeout: Self.clientTimeout)
        }
        let passed = result.succeeded && result.output.contains("passed, 0 failed")
        if !passed {
            print("skewless_conformance (\(result.summary)):\n\(result.output)")
        }
        if result.timedOut {
            Issue.record("the C conformance client did not finish within \(Self.clientTimeout) and was killed; its output:\n\(result.output)")
        } else {
            #expect(passed, "the C conformance client failed (\(result.summary)); its output:\n\(result.output)")
        }
    }

    // MARK: - Processes

    struct ProcessResult: Sendable {
        var status: Int32
        var exitedNormally: Bool
        var timedOut: Bool
        /// Standard output and standard error, interleaved.
        var output: String

        var succeeded: Bool { exitedNormally && !timedOut && status == 0 }

        var summary: String {
            if timedOut { return "killed after the timeout" }
            return exitedNormally ? "exit status \(status)" : "killed by signal \(status)"
        }
    }

    /// Runs a program to completion, killing it after `timeout`. Output goes to a file, so a
    /// chatty program can never block on a full pipe.
    static func run(_ executable: URL, _ arguments: [String], in directory: URL, timeout: Duration) async throws -> ProcessResult {
        let log = directory.appendingPathComponent("\(executable.lastPathComponent)-\(UUID().uuidString).log")
        let output = ChildProcess.Output.file(log.path, append: false)
        let process = try ChildProcess.spawn(ChildProcess.Configuration(
            executable: executable.path,
            arguments: arguments,
            workingDirectory: directory.path,
            standardInput: .nullDevice, standardOutput: output, standardError: output
        ))

        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                stop(process)
                break
            }
            do {
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                stop(process)  // cancelled (for example by the time limit): leave nothing running
                _ = process.waitUntilExit()
                throw error
            }
        }
        let termination = process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? "(no readable output)"
        switch termination {
        case .exited(let status):
            return ProcessResult(status: status, exitedNormally: true, timedOut: timedOut, output: text)
        case .signalled(let signal):
            return ProcessResult(status: signal, exitedNormally: false, timedOut: timedOut, output: text)
        case .unknown:
            return ProcessResult(status: -1, exitedNormally: false, timedOut: timedOut, output: text)
        }
    }

    /// SIGTERM, then SIGKILL if the process is still there a second later.
    private static func stop(_ process: ChildProcess) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning {
            usleep(20_000)
        }
        if process.isRunning {
            process.kill()
        }
    }

    /// The first executable called `name` on PATH (or in the usual system folders).
    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin"]
        for folder in folders where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return candidate
            }
        }
        return nil
    }
}
