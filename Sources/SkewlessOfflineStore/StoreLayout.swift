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
