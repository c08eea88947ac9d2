import Foundation
import SkewlessModel
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite(.timeLimit(.minutes(1)))
struct ChildProcessTests {
    static func shell(_ script: String) -> ChildProcess.Configuration {
        ChildProcess.Configuration(executable: "/bin/sh", arguments: ["-c", script])
    }

    /// A new empty directory, removed after `body`.
    static func withDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("skewless-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try body(directory)
    }

    @Test(arguments: [Int32(0), 1, 3, 255])
    func theExitStatusIsReported(status: Int32) throws {
        let child = try ChildProcess.spawn(Self.shell("exit \(status)"))
        #expect(child.waitUntilExit() == .exited(status))
        #expect(!child.isRunning)
        #expect(child.termination == .exited(status))
        #expect(child.termination?.succeeded == (status == 0))
    }

    @Test func aSignalThatEndsTheChildIsReported() async throws {
        let selfKilled = try ChildProcess.spawn(Self.shell("kill -USR1 $$; sleep 5"))
        #expect(try await selfKilled.wait() == .signalled(SIGUSR1))

        let terminated = try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/sleep", arguments: ["30"]))
        #expect(terminated.isRunning)
        #expect(terminated.terminate())
        let termination = try await terminated.wait()
        #expect(termination == .signalled(SIGTERM))
        #expect(termination.description == "killed by signal \(SIGTERM) (SIGTERM)")
        // Collected: its pid may be another process's now, so nothing is sent.
        #expect(!terminated.kill())

        let killed = try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/sleep", arguments: ["30"]))
        #expect(killed.kill())
        #expect(killed.waitUntilExit() == .signalled(SIGKILL))
    }

    @Test func waitingIsCancelledWithTheTaskAndTheChildRunsOn() async throws {
        let child = try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/sleep", arguments: ["30"]))
        let waiting = Task { try await child.wait() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        #expect(child.isRunning)
        child.kill()
        #expect(child.waitUntilExit() == .signalled(SIGKILL))
    }

    @Test func everyWaiterSeesTheSameEnd() async throws {
        let child = try ChildProcess.spawn(Self.shell("sleep 0.3; exit 7"))
        // Two threads blocked in waitid (off the cooperative pool), an async poller and
        // isRunning, all at once: none may release the pid while another still waits on it.
        let blocked = await withTaskGroup(of: ChildProcess.Termination.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread { continuation.resume(returning: child.waitUntilExit()) }
                    }
                }
            }
            group.addTask { (try? await child.wait()) ?? .unknown }
            group.addTask {
                while child.isRunning { try? await Task.sleep(for: .milliseconds(5)) }
                return child.termination ?? .unknown
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(blocked == Array(repeating: .exited(7), count: 4))
        #expect(child.waitUntilExit() == .exited(7))
    }

    @Test func outputAndErrorsAreCapturedApartOrTogether() throws {
        let script = "printf out1; printf err1 >&2; printf out2"
        let apart = try ChildProcess.run(Self.shell(script))
        #expect(apart.termination == .exited(0))
        #expect(apart.output == "out1out2")
        #expect(apart.errors == "err1")

        let together = try ChildProcess.run(Self.shell(script), mergingErrors: true)
        #expect(together.output == "out1err1out2")
        #expect(together.standardError.isEmpty)
    }

    @Test func aChildWritingMuchToBothStreamsNeverStalls() throws {
        // A mebibyte on standard error before any output: a reader waiting for the output's
        // end first would leave the child blocked on a full error pipe.
        let captured = try ChildProcess.run(Self.shell("head -c 1048576 /dev/zero >&2; head -c 1048576 /dev/zero"))
        #expect(captured.termination == .exited(0))
        #expect(captured.standardOutput.count == 1 << 20)
        #expect(captured.standardError.count == 1 << 20)
    }

    @Test func standardInputComesFromAPipeAndEndsWhenItsWriteEndCloses() throws {
        try Self.withDirectory { directory in
            let output = directory.appendingPathComponent("cat.out").path
            let pipe = try ChildProcess.makePipe()
            let child: ChildProcess
            do {
                child = try ChildProcess.spawn(ChildProcess.Configuration(
                    executable: "/bin/cat", standardInput: .descriptor(pipe.read), standardOutput: .file(output, append: false)))
            } catch {
                close(pipe.read)
                close(pipe.write)
                throw error
            }
            close(pipe.read)
            let text = "one line\nand another\n"
            let written = text.withCString { write(pipe.write, $0, strlen($0)) }
            #expect(written == text.utf8.count)
            close(pipe.write)
            // cat sees the end of its input only if no child holds a copy of the write end.
            #expect(child.waitUntilExit() == .exited(0))
            #expect(try String(contentsOfFile: output, encoding: .utf8) == text)
        }
    }

    @Test func anOutputFileIsEmptiedOrAppendedToAndSharedByBothStreams() throws {
        try Self.withDirectory { directory in
            let log = directory.appendingPathComponent("both.log").path
            try "before\n".write(toFile: log, atomically: false, encoding: .utf8)
            let script = "echo out; echo err >&2; echo out again"
            for (append, expected) in [(false, "out\nerr\nout again\n"), (true, "out\nerr\nout again\nout\nerr\nout again\n")] {
                var configuration = Self.shell(script)
                configuration.standardOutput = .file(log, append: append)
                configuration.standardError = .file(log, append: append)
                #expect(try ChildProcess.spawn(configuration).waitUntilExit() == .exited(0))
                #expect(try String(contentsOfFile: log, encoding: .utf8) == expected)
            }

            var configuration = Self.shell("cat")
            configuration.standardInput = .file(log)
            #expect(try ChildProcess.run(configuration).output == "out\nerr\nout again\nout\nerr\nout again\n")
            configuration.standardInput = .nullDevice
            #expect(try ChildProcess.run(configuration).standardOutput.isEmpty)
        }
    }

    @Test func theChildStartsInItsWorkingDirectory() throws {
        try Self.withDirectory { directory in
            var configuration = ChildProcess.Configuration(executable: "/bin/pwd", arguments: ["-P"])
            configuration.workingDirectory = directory.path
            let captured = try ChildProcess.run(configuration)
            #expect(captured.output == directory.resolvingSymlinksInPath().path + "\n")

            configuration.workingDirectory = directory.appendingPathComponent("missing").path
            let error = #expect(throws: SkewlessError.self) { try ChildProcess.spawn(configuration) }
            #expect(error?.code == .notFound)
            #expect(error?.message.contains("/bin/pwd in \(directory.path)/missing") == true)
            #expect(error?.message.contains("create the directory first") == true)
        }
    }

    @Test func theEnvironmentIsTheOneGivenOrElseThisProcesss() throws {
        let given = try ChildProcess.run(ChildProcess.Configuration(executable: "/usr/bin/env", environment: ["SKEWLESS_CHILD": "one two", "B": ""]))
        #expect(given.output == "B=\nSKEWLESS_CHILD=one two\n")

        let inherited = try ChildProcess.run(Self.shell("printf %s \"$PATH\""))
        #expect(inherited.output == String(cString: getenv("PATH")))

        let malformed = #expect(throws: SkewlessError.self) {
            try ChildProcess.spawn(ChildProcess.Configuration(executable: "/usr/bin/env", environment: ["A=B": "c"]))
        }
        #expect(malformed?.code == .invalidArgument)
    }

    @Test func aProgramThatCannotStartIsAnErrorThatNamesItAndSaysWhatToDo() throws {
        let missing = #expect(throws: SkewlessError.self) {
            try ChildProcess.spawn(ChildProcess.Configuration(executable: "/nonexistent/skewless-no-such-program"))
        }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.hasPrefix("cannot start /nonexistent/skewless-no-such-program: ") == true)
        #expect(missing?.message.contains("install it") == true)

        try Self.withDirectory { directory in
            let notExecutable = directory.appendingPathComponent("data.txt").path
            try "not a program\n".write(toFile: notExecutable, atomically: false, encoding: .utf8)
            let denied = #expect(throws: SkewlessError.self) { try ChildProcess.spawn(ChildProcess.Configuration(executable: notExecutable)) }
            #expect(denied?.code == .failedPrecondition)
            #expect(denied?.message.contains(notExecutable) == true)
            #expect(denied?.message.contains("chmod +x") == true)

            let unwritable = directory.appendingPathComponent("no/such/dir/out.log").path
            let output = #expect(throws: SkewlessError.self) {
                try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/true", standardOutput: .file(unwritable, append: true)))
            }
            #expect(output?.message.contains("cannot open \(unwritable) as the standard output of /bin/true") == true)
        }

        let nul = #expect(throws: SkewlessError.self) {
            try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/echo", arguments: ["a\u{0}b"]))
        }
        #expect(nul?.code == .invalidArgument)
        let closed = #expect(throws: SkewlessError.self) {
            try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/true", standardInput: .descriptor(1_000_000)))
        }
        #expect(closed?.message.contains("descriptor 1000000, given as its standard input, is not open") == true)
    }

    #if os(Linux)
    @Test func theChildHasNoSignalBlockedOrIgnored() throws {
        // As SwiftNIO does: a child that kept this would not die writing to a closed pipe.
        signal(SIGPIPE, SIG_IGN)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let captured = Result { try ChildProcess.run(ChildProcess.Configuration(executable: "/bin/grep", arguments: ["-E", "^Sig(Blk|Ign):", "/proc/self/status"])) }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        var masks: [String: UInt64] = [:]
        for line in try captured.get().output.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            masks[String(fields[0])] = fields.count == 2 ? UInt64(fields[1], radix: 16) : nil
        }
        #expect(masks["SigBlk:"] == 0)
        // Bit n-1 is signal n. glibc's posix_spawn leaves its two internal real-time signals
        // (32 and 33, which no program may use) ignored in every child: only 1 to 31 count.
        let ignored = try #require(masks["SigIgn:"])
        #expect(ignored & 0x7FFF_FFFF == 0, "ignored: \(String(ignored, radix: 16))")
    }

    /// The reason this launcher exists: Foundation's `Process.run()` read `/proc/self/fd`
    /// past glibc's buffer and crashed with over ~1,360 descriptors open.
    @Test func startsWithThousandsOfDescriptorsOpenAndTheChildInheritsNoneOfThem() throws {
        let descriptors = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        getrlimit(descriptors, &limit)
        let wanted = rlim_t(8_192)
        if limit.rlim_cur < wanted, limit.rlim_max > limit.rlim_cur {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            setrlimit(descriptors, &limit)
        }
        let count = min(3_000, Int(limit.rlim_cur) - 500)
        try #require(count >= 2_000, "RLIMIT_NOFILE allows only \(limit.rlim_cur) descriptors; raise the hard limit (ulimit -Hn)")

        // Not close-on-exec: only the launcher's closing keeps them from the child.
        var held: [Int32] = []
        defer { for descriptor in held { close(descriptor) } }
        for _ in 0..<count {
            let descriptor = open("/dev/null", O_RDONLY)
            try #require(descriptor >= 0, "open /dev/null: \(String(cString: strerror(errno)))")
            held.append(descriptor)
        }

        for _ in 0..<5 {
            let child = try ChildProcess.spawn(ChildProcess.Configuration(executable: "/bin/true"))
            #expect(child.waitUntilExit() == .exited(0))
        }
        // ls holds its three streams and the directory it lists.
        let listing = try ChildProcess.run(ChildProcess.Configuration(executable: "/bin/ls", arguments: ["/proc/self/fd"]))
        #expect(listing.termination == .exited(0))
        #expect(Set(listing.output.split(separator: "\n")).isSubset(of: ["0", "1", "2", "3"]), "the child held \(listing.output)")
        // sh holds its three streams, the pipe to wc while it starts it, and a copy or two of
        // its own (dash keeps its input at 10): a handful, not thousands.
        let shell = try ChildProcess.run(Self.shell("ls /proc/$$/fd | wc -l"))
        let shellHeld = try #require(Int(shell.output.trimmingCharacters(in: .whitespacesAndNewlines)), "wc said \(shell.output)")
        #expect(shellHeld <= 8, "sh held \(shellHeld) descriptors")
    }
    #endif
}
