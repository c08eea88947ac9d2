import Foundation
import SkewlessModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The cluster map on disk: one JSON file (docs/cluster.md, "The map file"), replaced
/// atomically so that a crash leaves either the old map or the new one, never a mix.
package enum ClusterMapFile {
    /// The map as the file holds it: pretty-printed JSON with sorted keys, so the same map is
    /// always the same bytes.
    package static func encode(_ map: ClusterMap) throws(SkewlessError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(map)
        } catch {
            throw SkewlessError(.internal, "could not encode the cluster map: \(error)")
        }
    }

    /// A map from the file's bytes.
    /// - Parameter source: names the file in errors.
    /// - Throws: `FAILED_PRECONDITION` for a newer format; `DATA_LOSS` for anything that is
    ///   not a consistent map.
    package static func decode(_ data: Data, source: String) throws(SkewlessError) -> ClusterMap {
        do {
            return try JSONDecoder().decode(ClusterMap.self, from: data)
        } catch let error as SkewlessError {
            // A newer format stays a precondition failure (upgrade); every other problem is a
            // damaged file.
            let code: SkewlessError.Code = error.code == .failedPrecondition ? .failedPrecondition : .dataLoss
            throw SkewlessError(code, "\(source): \(error.message)")
        } catch {
            throw SkewlessError(.dataLoss, "\(source) is not a valid cluster map (\(describe(error))): restore it from a backup or another node's copy")
        }
    }

    /// Writes the map to `path`: a temporary file beside it, fsync, rename over `path`, fsync
    /// of the directory.
    /// - Throws: `INTERNAL` naming the step and the system error; `path` is then unchanged.
    package static func save(_ map: ClusterMap, to path: String) throws(SkewlessError) {
        let data = try encode(map)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw systemError("create \(temporary)")
        }
        var failure: SkewlessError?
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress?.advanced(by: offset), bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    failure = systemError("write \(temporary)")
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 {
            failure = systemError("fsync \(temporary)")
        }
        close(descriptor)
        if failure == nil && rename(temporary, path) != 0 {
            failure = systemError("rename \(temporary) to \(path)")
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryDescriptor = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else {
            throw systemError("open directory \(directory) to fsync it")
        }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else {
            throw systemError("fsync directory \(directory)")
        }
    }

    /// Reads the map at `path`.
    /// - Throws: `NOT_FOUND` when there is no file; otherwise as `decode(_:source:)`.
    package static func load(from path: String) throws(SkewlessError) -> ClusterMap {
        guard FileManager.default.fileExists(atPath: path) else {
            throw SkewlessError(.notFound, "no cluster map at \(path): create the cluster first, or copy the map from another node")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SkewlessError(.internal, "could not read the cluster map \(path): \(error.localizedDescription)")
        }
        return try decode(data, source: path)
    }

    private static func systemError(_ step: String) -> SkewlessError {
        SkewlessError(.internal, "could not \(step): \(String(cString: strerror(errno))); the previous cluster map is unchanged")
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            return "corrupt JSON\(path(context)): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\(key.stringValue)'\(path(context))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type\(path(context)): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.isEmpty ? "" : " at " + context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }
}
