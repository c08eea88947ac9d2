#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import SkewlessModel

/// The few POSIX file operations the store needs, with errors that name the file and say
/// what failed. Every write that must survive a crash goes through `sync`.
struct DiskFile: Sendable {
    let descriptor: Int32
    let path: String

    /// Opens an existing file for reading.
    static func openForReading(_ path: String) throws(SkewlessError) -> DiskFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        return DiskFile(descriptor: descriptor, path: path)
    }

    /// Creates a new file for writing; fails if it exists.
    static func create(_ path: String) throws(SkewlessError) -> DiskFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create", path) }
        return DiskFile(descriptor: descriptor, path: path)
    }

    /// Opens an existing file for appending and for reading its contents (a write log).
    static func openForAppending(_ path: String) throws(SkewlessError) -> DiskFile {
        let descriptor = open(path, O_RDWR | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        return DiskFile(descriptor: descriptor, path: path)
    }

    /// Cuts the file to `size` bytes and syncs it.
    func truncate(to size: UInt64) throws(SkewlessError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw Self.failure("truncate", path) }
        try sync()
    }

    /// Starts writing a range of the file back to disk without waiting for it: on Linux,
    /// `posix_fadvise(DONTNEED)` starts writeback of the range's dirty pages (as PostgreSQL
    /// does where `sync_file_range` is not at hand); nothing elsewhere. A large file written
    /// this way is mostly on disk by the time it is synced. Best effort: it changes no
    /// durability guarantee.
    func startWriteback(from start: UInt64, count: UInt64) {
        #if canImport(Glibc)
        _ = posix_fadvise(descriptor, off_t(start), off_t(count), POSIX_FADV_DONTNEED)
        #endif
    }

    /// Makes the file's data (and the size that covers it) durable: what a log commit needs.
    func dataSync() throws(SkewlessError) {
        #if canImport(Darwin)
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", path) }
        #else
        guard fdatasync(descriptor) == 0 else { throw Self.failure("fdatasync", path) }
        #endif
    }

    func closeFile() {
        _ = close(descriptor)
    }

    func writeAll(_ bytes: [UInt8]) throws(SkewlessError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", path)
            }
            written += result
        }
    }

    /// Reads exactly `count` bytes at `offset`; fewer (the file is shorter) is an error.
    func read(count: Int, at offset: UInt64, what: @autoclosure () -> String) throws(SkewlessError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.failure("read", path)
            }
            if result == 0 {
                throw SkewlessError(.dataLoss, "\(what()) of \(path) is cut short: the file ends \(count - done) bytes early (truncated?)")
            }
            done += result
        }
        return bytes
    }

    func size() throws(SkewlessError) -> UInt64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw Self.failure("stat", path) }
        return UInt64(info.st_size)
    }

    func sync() throws(SkewlessError) {
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", path) }
    }

    // MARK: - Directories

    /// Makes `path` and its parents.
    static func makeDirectories(_ path: String) throws(SkewlessError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw failure("create the directory", current)
            }
        }
    }

    /// fsyncs a directory, so that renames and creations in it are durable.
    static func syncDirectory(_ path: String) throws(SkewlessError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open the directory", path) }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("fsync the directory", path) }
    }

    /// Atomically replaces `destination` with `source`.
    static func moveAtomically(_ source: String, to destination: String) throws(SkewlessError) {
        guard rename(source, destination) == 0 else { throw failure("rename \(source) to", destination) }
    }

    /// Removes a file; a file already gone is not an error.
    static func remove(_ path: String) throws(SkewlessError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw failure("delete", path) }
    }

    /// A fresh path in the temporary directory ($TMPDIR, else /tmp).
    static func temporaryPath(prefix: String) -> String {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    }

    /// A file's size and last modification time (microseconds since the epoch); nil when
    /// it does not exist.
    static func sizeAndModification(_ path: String) -> (size: UInt64, modifiedMicros: Int64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = info.st_mtimespec
        #else
        let modified = info.st_mtim
        #endif
        return (UInt64(info.st_size), Int64(modified.tv_sec) * 1_000_000 + Int64(modified.tv_nsec) / 1_000)
    }

    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// The names in a directory (not `.` and `..`).
    static func list(_ path: String) throws(SkewlessError) -> [String] {
        guard let directory = opendir(path) else { throw failure("list the directory", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a whole (small) file; nil when it does not exist.
    static func contents(_ path: String) throws(SkewlessError) -> [UInt8]? {
        try withOpenFile(path) { file, size throws(SkewlessError) in
            try file.read(count: Int(size), at: 0, what: "the contents")
        }
    }

    /// A file's first `headerBytes` (fewer if it is shorter) and its bytes from `offset` to
    /// its end (none if it ends before), read through one descriptor; nil when the file does
    /// not exist. What a reader of an append-only log needs to check the log's header and go
    /// on from where it stopped, without reading again what it read before.
    static func contents(_ path: String, header headerBytes: Int, from offset: UInt64) throws(SkewlessError) -> (header: [UInt8], rest: [UInt8])? {
        try withOpenFile(path) { file, size throws(SkewlessError) in
            let header = try file.read(count: Int(min(size, UInt64(headerBytes))), at: 0, what: "the header")
            let rest = size > offset ? try file.read(count: Int(size - offset), at: offset, what: "the records") : []
            return (header, rest)
        }
    }

    /// Calls `body` with the file open for reading and its size, and closes it; nil when the
    /// file does not exist.
    private static func withOpenFile<Result>(
        _ path: String, _ body: (DiskFile, UInt64) throws(SkewlessError) -> Result
    ) throws(SkewlessError) -> Result? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw failure("open", path)
        }
        let file = DiskFile(descriptor: descriptor, path: path)
        defer { file.closeFile() }
        return try body(file, try file.size())
    }

    static func failure(_ operation: String, _ path: String) -> SkewlessError {
        let code = errno
        let reason = String(cString: strerror(code))
        let hint = code == ENOSPC ? " (the disk is full: free space and retry)" : code == EACCES ? " (check the permissions of the store's directory)" : ""
        return SkewlessError(code == ENOENT ? .notFound : .unavailable, "cannot \(operation) \(path): \(reason)\(hint)")
    }
}
