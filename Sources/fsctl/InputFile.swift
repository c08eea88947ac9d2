import Foundation

/// Reads the input files of `put` and `get --entities-file`; `-` is standard input.
enum InputFile {
    static func read(_ path: String) throws(CommandFailure) -> [UInt8] {
        if path == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(path): no such file", exitCode: CommandFailure.failure)
        }
        guard !isDirectory.boolValue else {
            throw CommandFailure("\(path) is a directory; give a file", exitCode: CommandFailure.failure)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("\(path): cannot read the file (permission denied?)", exitCode: CommandFailure.failure)
        }
        return [UInt8](data)
    }
}
