import SkewlessModel

/// The one place that names the store's files (docs/segment-format.md, "Directory layout").
package struct StoreLayout: Sendable, Hashable {
    package let root: String

    package init(root: String) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    static let manifestName = "MANIFEST"
    static let manifestTemporaryName = "MANIFEST.tmp"
    static let lockName = "LOCK"
    private static let segmentPrefix = "segment-"
    private static let segmentSuffix = ".seg"

    /// `ROOT/views/NAME@VERSION`.
    package func viewDirectory(_ view: FeatureView) -> String {
        "\(root)/views/\(view.qualifiedName)"
    }

    func manifest(in directory: String) -> String { "\(directory)/\(Self.manifestName)" }
    func manifestTemporary(in directory: String) -> String { "\(directory)/\(Self.manifestTemporaryName)" }
    func lock(in directory: String) -> String { "\(directory)/\(Self.lockName)" }

    static let logDirectoryName = "log"
    private static let logSuffix = ".log"

    /// `ROOT/views/NAME@VERSION/log`: one directory per node that logs writes of the view.
    package func logDirectory(_ view: FeatureView) -> String {
        "\(viewDirectory(view))/\(Self.logDirectoryName)"
    }

    /// `ROOT/views/NAME@VERSION/log/NODE`.
    package func nodeLogDirectory(_ view: FeatureView, node: String) -> String {
        "\(logDirectory(view))/\(node)"
    }

    /// `00000000000000000042.log`: a log file, named by the sequence number of its first record.
    static func logFileName(_ firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + logSuffix
    }

    func logFile(_ firstSequence: UInt64, in directory: String) -> String {
        "\(directory)/\(Self.logFileName(firstSequence))"
    }

    /// The first sequence number of a log file name, or nil for any other name.
    static func logFileNumber(fileName: String) -> UInt64? {
        guard fileName.hasSuffix(logSuffix), fileName.count == 20 + logSuffix.count else { return nil }
        return UInt64(fileName.dropLast(logSuffix.count))
    }

    static let servedLogDirectoryName = "served-log"
    private static let servedLogSuffix = ".slog"

    /// `ROOT/served-log`: one directory per node that logs the features it served
    /// (docs/served-log.md).
    package var servedLogDirectory: String {
        "\(root)/\(Self.servedLogDirectoryName)"
    }

    /// `ROOT/served-log/NODE`.
    package func nodeServedLogDirectory(node: String) -> String {
        "\(servedLogDirectory)/\(node)"
    }

    /// `00000000000000000042.slog`: a served log file, named by the sequence number of its
    /// first record.
    static func servedLogFileName(_ firstSequence: UInt64) -> String {
        let digits = String(firstSequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + servedLogSuffix
    }

    func servedLogFile(_ firstSequence: UInt64, in directory: String) -> String {
        "\(directory)/\(Self.servedLogFileName(firstSequence))"
    }

    /// The first sequence number of a served log file name, or nil for any other name.
    static func servedLogFileNumber(fileName: String) -> UInt64? {
        guard fileName.hasSuffix(servedLogSuffix), fileName.count == 20 + servedLogSuffix.count else { return nil }
        return UInt64(fileName.dropLast(servedLogSuffix.count))
    }

    /// `segment-000000000042.seg`.
    static func segmentName(_ number: UInt64) -> String {
        let digits = String(number)
        return segmentPrefix + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + segmentSuffix
    }

    package func segment(_ number: UInt64, in directory: String) -> String {
        "\(directory)/\(Self.segmentName(number))"
    }

    /// The number of a segment file name, or nil for any other name.
    static func segmentNumber(fileName: String) -> UInt64? {
        guard fileName.hasPrefix(segmentPrefix), fileName.hasSuffix(segmentSuffix) else { return nil }
        return UInt64(fileName.dropFirst(segmentPrefix.count).dropLast(segmentSuffix.count))
    }
}
