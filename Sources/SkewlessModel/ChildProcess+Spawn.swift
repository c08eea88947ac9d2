#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSkewlessSpawn

extension ChildProcess {
    /// Starts a child as `configuration` says.
    ///
    /// Files and `/dev/null` are opened here, in this process, so an error names the file;
    /// every descriptor given to the child is first copied to 3 or above (close-on-exec), so
    /// the child's `dup2`s cannot overwrite one another whatever numbers they had. The child
    /// then closes everything from 3 up: it holds its three standard streams and nothing else.
    /// - Throws: `SkewlessError` naming the program and saying what to do: `NOT_FOUND` when it
    ///   or the working directory does not exist; `FAILED_PRECONDITION` when it cannot be run
    ///   (permissions, not a program) or a stream's file cannot be opened; `RESOURCE_EXHAUSTED`
    ///   when the system is out of processes, descriptors or memory; `INVALID_ARGUMENT` for a
    ///   NUL byte in an argument or a malformed environment variable name.
    package static func spawn(_ configuration: Configuration) throws(SkewlessError) -> ChildProcess {
        let executable = configuration.executable
        try validate(configuration)
        if let directory = configuration.workingDirectory {
            try checkDirectory(directory, for: executable)
        }

        var streams = StreamDescriptors(executable: executable)
        defer { streams.closeAll() }
        let input = try streams.descriptor(for: configuration.standardInput)
        let output = try streams.descriptor(for: configuration.standardOutput, stream: "standard output")
        let error = try streams.descriptor(for: configuration.standardError, stream: "standard error")
        let sources = [(STDIN_FILENO, input), (STDOUT_FILENO, output), (STDERR_FILENO, error)]

        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        try check(posix_spawn_file_actions_init(&actions), "prepare to start", executable)
        defer { posix_spawn_file_actions_destroy(&actions) }
        try check(posix_spawnattr_init(&attributes), "prepare to start", executable)
        defer { posix_spawnattr_destroy(&attributes) }

        for (target, source) in sources {
            if let source {
                try check(posix_spawn_file_actions_adddup2(&actions, source, target), "prepare the standard streams of", executable)
            } else {
                #if canImport(Darwin)
                // POSIX_SPAWN_CLOEXEC_DEFAULT would close an inherited stream too.
                try check(posix_spawn_file_actions_addinherit_np(&actions, target), "prepare the standard streams of", executable)
                #endif
            }
        }
        #if !canImport(Darwin)
        let closing = cskewless_spawn_file_actions_addclosefrom(&actions, 3)
        guard closing != ENOSYS else {
            throw SkewlessError(
                .failedPrecondition,
                "cannot start \(executable): this C library cannot close the child's other descriptors (posix_spawn_file_actions_addclosefrom_np needs glibc 2.34 or later); run on a newer Linux distribution")
        }
        try check(closing, "prepare to start", executable)
        #endif
        if let directory = configuration.workingDirectory {
            try check(cskewless_spawn_file_actions_addchdir(&actions, directory), "prepare the working directory \(directory) of", executable)
        }

        var flags = Int32(POSIX_SPAWN_SETSIGMASK) | Int32(POSIX_SPAWN_SETSIGDEF)
        if configuration.startsProcessGroup { flags |= Int32(POSIX_SPAWN_SETPGROUP) }
        #if canImport(Darwin)
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        try check(posix_spawnattr_setflags(&attributes, Int16(flags)), "prepare to start", executable)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "prepare the signal mask of", executable)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        sigdelset(&everySignal, SIGKILL)
        sigdelset(&everySignal, SIGSTOP)
        try check(posix_spawnattr_setsigdefault(&attributes, &everySignal), "prepare the signal actions of", executable)
        if configuration.startsProcessGroup {
            try check(posix_spawnattr_setpgroup(&attributes, 0), "prepare the process group of", executable)
        }

        let argv = try CStringArray([executable] + configuration.arguments, for: executable)
        defer { argv.deallocate() }
        var pid = pid_t()
        let result: Int32
        if let environment = configuration.environment {
            let envp = try CStringArray(environment.map { "\($0.key)=\($0.value)" }.sorted(), for: executable)
            defer { envp.deallocate() }
            result = posix_spawn(&pid, executable, &actions, &attributes, argv.pointer, envp.pointer)
        } else {
            #if canImport(Darwin)
            let inherited = _NSGetEnviron().pointee
            #else
            let inherited = environ
            #endif
            result = posix_spawn(&pid, executable, &actions, &attributes, argv.pointer, inherited)
        }
        guard result == 0 else {
            throw spawnFailure(result, executable: executable, workingDirectory: configuration.workingDirectory)
        }
        return ChildProcess(pid: pid, executable: executable)
    }

    /// A new pipe, both ends close-on-exec (`pipe2(O_CLOEXEC)`): only the end given to a
    /// child as one of its streams reaches it. Close both ends when done.
    package static func makePipe() throws(SkewlessError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard cskewless_pipe_cloexec(&ends) == 0 else {
            let code = errno
            throw SkewlessError(
                code == EMFILE || code == ENFILE ? .resourceExhausted : .internal,
                "cannot create a pipe: \(describe(code))\(code == EMFILE || code == ENFILE ? "; close descriptors or raise the limit (ulimit -n)" : "")")
        }
        return (ends[0], ends[1])
    }

    // MARK: Checks and errors

    /// `strerror(code)` and the code's number.
    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    private static func validate(_ configuration: Configuration) throws(SkewlessError) {
        let executable = configuration.executable
        guard !executable.isEmpty else {
            throw SkewlessError(.invalidArgument, "no program to start: give its path")
        }
        for text in [executable] + configuration.arguments + [configuration.workingDirectory ?? ""] where text.utf8.contains(0) {
            throw SkewlessError(.invalidArgument, "cannot start \(executable): \(text.debugDescription) has a NUL byte, which no C string can carry; remove it")
        }
        for (name, value) in configuration.environment ?? [:] where name.isEmpty || name.utf8.contains(UInt8(ascii: "=")) || (name + value).utf8.contains(0) {
            throw SkewlessError(.invalidArgument, "cannot start \(executable): environment variable \(name.debugDescription) is empty, has '=' in its name or a NUL byte; fix its name or value")
        }
    }

    private static func checkDirectory(_ directory: String, for executable: String) throws(SkewlessError) {
        var info = stat()
        guard stat(directory, &info) == 0 else {
            let code = errno
            throw SkewlessError(
                code == ENOENT ? .notFound : .failedPrecondition,
                "cannot start \(executable) in \(directory): \(describe(code)); create the directory first, or check its permissions")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw SkewlessError(.failedPrecondition, "cannot start \(executable) in \(directory): it is not a directory")
        }
    }

    private static func check(_ result: Int32, _ step: String, _ executable: String) throws(SkewlessError) {
        guard result != 0 else { return }
        throw SkewlessError(result == ENOMEM ? .resourceExhausted : .internal, "cannot \(step) \(executable): \(describe(result))")
    }

    /// What `posix_spawn`'s error `code` means for `executable`, and what to do.
    private static func spawnFailure(_ code: Int32, executable: String, workingDirectory: String?) -> SkewlessError {
        let reason = "cannot start \(executable)\(workingDirectory.map { " in \($0)" } ?? ""): \(describe(code))"
        switch code {
        case ENOENT:
            return SkewlessError(.notFound, "\(reason); give the path of an installed program (there is no PATH lookup), or install it")
        case EACCES, EPERM:
            return SkewlessError(.failedPrecondition, "\(reason); check that it is executable (chmod +x) and that every directory on its path (and the working directory) can be searched")
        case ENOEXEC:
            return SkewlessError(.failedPrecondition, "\(reason); it is not a program this system runs (a script needs a #! line)")
        case ENOTDIR, ELOOP, ENAMETOOLONG, EISDIR:
            return SkewlessError(.failedPrecondition, "\(reason); check the program's path")
        case EAGAIN, ENOMEM, EMFILE, ENFILE:
            return SkewlessError(.resourceExhausted, "\(reason); too many processes, open files or too little memory: stop some, or raise the limits (ulimit -u, ulimit -n)")
        default:
            return SkewlessError(.internal, reason)
        }
    }
}


/// The descriptors `spawn` opens or copies for a child's standard streams, all close-on-exec
/// and 3 or above; closed once the child has its copies (or the spawn failed).
private struct StreamDescriptors {
    let executable: String
    private var opened: [Int32] = []
    private var nullDevice: Int32?
    /// Output files by redirection, so standard output and error given the same file share one.
    private var files: [ChildProcess.Output: Int32] = [:]

    init(executable: String) {
        self.executable = executable
    }

    /// The descriptor to give the child as its standard input; nil to inherit this process's.
    mutating func descriptor(for input: ChildProcess.Input) throws(SkewlessError) -> Int32? {
        switch input {
        case .inherit: return nil
        case .nullDevice: return try openNullDevice()
        case .file(let path): return try openFile(path, flags: O_RDONLY, stream: "standard input")
        case .descriptor(let descriptor): return try copy(descriptor, stream: "standard input")
        }
    }

    /// The descriptor to give the child as `stream`; nil to inherit this process's.
    mutating func descriptor(for output: ChildProcess.Output, stream: String) throws(SkewlessError) -> Int32? {
        switch output {
        case .inherit: return nil
        case .nullDevice: return try openNullDevice()
        case .file(let path, let append):
            if let shared = files[output] { return shared }
            let descriptor = try openFile(path, flags: O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), stream: stream)
            files[output] = descriptor
            return descriptor
        case .descriptor(let descriptor): return try copy(descriptor, stream: stream)
        }
    }

    mutating func closeAll() {
        for descriptor in opened { close(descriptor) }
        opened = []
    }

    private mutating func openNullDevice() throws(SkewlessError) -> Int32 {
        if let nullDevice { return nullDevice }
        let descriptor = try openFile("/dev/null", flags: O_RDWR, stream: "/dev/null stream")
        nullDevice = descriptor
        return descriptor
    }

    private mutating func openFile(_ path: String, flags: Int32, stream: String) throws(SkewlessError) -> Int32 {
        var descriptor: Int32
        repeat {
            descriptor = open(path, flags | O_CLOEXEC, 0o644)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else {
            let code = errno
            throw SkewlessError(
                code == EMFILE || code == ENFILE ? .resourceExhausted : .failedPrecondition,
                "cannot open \(path) as the \(stream) of \(executable): \(ChildProcess.describe(code)); check that its directory exists and can be written")
        }
        opened.append(descriptor)
        guard descriptor < 3 else { return descriptor }
        return try copy(descriptor, stream: stream)
    }

    /// A close-on-exec copy of `descriptor` numbered 3 or above.
    private mutating func copy(_ descriptor: Int32, stream: String) throws(SkewlessError) -> Int32 {
        let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
        guard copy >= 0 else {
            let code = errno
            throw SkewlessError(
                code == EBADF ? .invalidArgument : .resourceExhausted,
                code == EBADF
                    ? "cannot start \(executable): descriptor \(descriptor), given as its \(stream), is not open"
                    : "cannot copy descriptor \(descriptor) for the \(stream) of \(executable): \(ChildProcess.describe(code)); close descriptors or raise the limit (ulimit -n)")
        }
        opened.append(copy)
        return copy
    }
}

/// A NULL-terminated array of C strings (`argv`, `envp`), copied with `strdup`.
private struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String], for executable: String) throws(SkewlessError) {
        pointer = .allocate(capacity: strings.count + 1)
        pointer.initialize(repeating: nil, count: strings.count + 1)
        for (index, string) in strings.enumerated() {
            guard let copy = strdup(string) else {
                deallocate()
                throw SkewlessError(.resourceExhausted, "cannot start \(executable): out of memory for its arguments")
            }
            pointer[index] = copy
        }
    }

    func deallocate() {
        var index = 0
        while let string = pointer[index] {
            free(string)
            index += 1
        }
        pointer.deallocate()
    }
}
