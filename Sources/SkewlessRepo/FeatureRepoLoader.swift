import Foundation
import SkewlessModel

/// Loads a feature repo: YAML files of entities, feature views and feature services, merged
/// and validated into a `FeatureRepo`.
///
/// Every problem is reported as a `RepoError` naming the file, line and column it concerns:
/// YAML syntax, unknown keys, wrong kinds of value, bad types, durations and defaults, and the
/// semantic rules `FeatureRepo` enforces (mapped to where the offending definition was
/// written). The format is documented in `docs/feature-repo.md`.
package enum FeatureRepoLoader {
    /// Loads a repo from a directory or from one file.
    ///
    /// - Parameter path: a directory, whose `*.yaml` and `*.yml` files (not those in
    ///   subdirectories, not hidden ones) are read in order of name and merged; or one YAML file.
    package static func load(path: String) throws(RepoError) -> FeatureRepo {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RepoError(file: path, message: "no such file or directory: pass a directory of feature repo YAML files, or one YAML file")
        }
        let files = isDirectory.boolValue ? try yamlFiles(in: path) : [path]
        var draft = RepoDraft()
        for file in files {
            try RepoFileReader.read(yaml: try readText(of: file), file: file, into: &draft)
        }
        return try draft.build(repoPath: path)
    }

    /// Loads a repo from YAML text.
    ///
    /// - Parameter file: the name errors give for the text.
    package static func load(yaml: String, file: String) throws(RepoError) -> FeatureRepo {
        var draft = RepoDraft()
        try RepoFileReader.read(yaml: yaml, file: file, into: &draft)
        return try draft.build(repoPath: file)
    }

    static let extensions = ["yaml", "yml"]

    /// The repo files of a directory, sorted by name, each as `directory/name`.
    static func yamlFiles(in directory: String) throws(RepoError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw RepoError(file: directory, message: "cannot list the directory: \(reason(error, path: directory))")
        }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let files = names.sorted().filter { name in
            guard !name.hasPrefix("."), let dot = name.lastIndex(of: "."),
                extensions.contains(String(name[name.index(after: dot)...]))
            else { return false }
            var isDirectory: ObjCBool = false
            // A name that does not resolve (a dangling link) is kept, so reading it reports why.
            let exists = FileManager.default.fileExists(atPath: prefix + name, isDirectory: &isDirectory)
            return !(exists && isDirectory.boolValue)
        }.map { prefix + $0 }
        guard !files.isEmpty else {
            throw RepoError(file: directory, message: "no feature repo files in this directory: expected files named *.yaml or *.yml (see docs/feature-repo.md)")
        }
        return files
    }

    /// The UTF-8 text of a file.
    static func readText(of file: String) throws(RepoError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw RepoError(file: file, message: "cannot read the file: \(reason(error, path: file))")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RepoError(file: file, message: "the file is not UTF-8 text: save it as UTF-8")
        }
        return text
    }

    private static func reason(_ error: any Error, path: String) -> String {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            return "it does not exist (is it a link to a missing file?)"
        }
        if !manager.isReadableFile(atPath: path) {
            return "permission denied"
        }
        return (error as? CocoaError).map { $0.localizedDescription } ?? String(describing: error)
    }
}
