/// The formats `fsctl put` reads.
package enum InputFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV with a header (see `CSVReader`, `CSVRowReader`).
    case csv
    /// JSON Lines: one object per line (see `JSONLinesRowReader`).
    case jsonl

    /// The format a file name implies: `.csv`, or `.jsonl` / `.ndjson`.
    package init?(path: String) {
        let lowercased = path.lowercased()
        if lowercased.hasSuffix(".csv") {
            self = .csv
        } else if lowercased.hasSuffix(".jsonl") || lowercased.hasSuffix(".ndjson") {
            self = .jsonl
        } else {
            return nil
        }
    }
}
