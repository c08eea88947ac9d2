extension ChildProcess {
    /// What to start, and where its standard streams go.
    package struct Configuration: Sendable, Hashable {
        /// The program's path: absolute, or relative to this process's working directory.
        /// There is no PATH lookup; find the program first.
        package var executable: String
        /// The arguments after the program's name (which becomes `argv[0]`).
        package var arguments: [String]
        /// The whole environment of the child; this process's own when nil.
        package var environment: [String: String]?
        /// The directory the child starts in; this process's when nil.
        package var workingDirectory: String?
        package var standardInput: Input
        package var standardOutput: Output
        package var standardError: Output
        /// Whether the child leads a process group of its own (`POSIX_SPAWN_SETPGROUP`), as
        /// Foundation's `Process` made it: a terminal's Ctrl-C then reaches this process only,
        /// not its children.
        package var startsProcessGroup: Bool

        package init(
            executable: String,
            arguments: [String] = [],
            environment: [String: String]? = nil,
            workingDirectory: String? = nil,
            standardInput: Input = .inherit,
            standardOutput: Output = .inherit,
            standardError: Output = .inherit,
            startsProcessGroup: Bool = true
        ) {
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.workingDirectory = workingDirectory
            self.standardInput = standardInput
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.startsProcessGroup = startsProcessGroup
        }
    }

    /// Where a child's standard input comes from.
    package enum Input: Sendable, Hashable {
        /// This process's standard input.
        case inherit
        /// `/dev/null`: reads end at once.
        case nullDevice
        /// The file at this path, read from its start.
        case file(String)
        /// A descriptor this process holds, typically the read end of a pipe from
        /// `ChildProcess.makePipe()`. The child gets a copy; this process's own stays open:
        /// close it after the spawn, or the other end never sees the pipe close.
        case descriptor(Int32)
    }

    /// Where a child's standard output or standard error goes.
    ///
    /// When both are the same file they share one open file description, so their writes
    /// interleave instead of overwriting each other (as `>log 2>&1` does).
    package enum Output: Sendable, Hashable {
        /// This process's standard output or error.
        case inherit
        /// `/dev/null`.
        case nullDevice
        /// The file at this path, created (mode 0644) when missing; appended to, or emptied
        /// first.
        case file(String, append: Bool)
        /// A descriptor this process holds, typically the write end of a pipe from
        /// `ChildProcess.makePipe()`. The child gets a copy; this process's own stays open:
        /// close it after the spawn, or reading the pipe never reaches its end.
        case descriptor(Int32)
    }
}
