/// Columnar files (Parquet, Arrow, Feather, ORC) that `fsctl` cannot read or write.
///
/// No Swift Parquet or Arrow library is available to this project, and Debian 12 packages no
/// libarrow or libparquet, so `fsctl` refuses these files by name, with the way to do it
/// (the Python package, over pyarrow), instead of reading them as CSV or writing CSV into a
/// file that says it is Parquet.
package enum ColumnarFile {
    static let suffixes = [".parquet", ".pq", ".arrow", ".feather", ".ipc", ".orc"]

    /// Whether the path names a columnar file by its extension.
    package static func matches(_ path: String) -> Bool {
        let lowercased = path.lowercased()
        return suffixes.contains { lowercased.hasSuffix($0) }
    }

    /// Why `fsctl` does not read `path` (`reading`) or write it, and what to use instead.
    package static func refusal(_ path: String, reading: Bool) -> String {
        let how = reading
            ? "load it with the Python package: pip install ./python, then skewless.ingest_parquet(...) (or convert it to CSV)"
            : "write the training set with the Python package: pip install ./python, then client.get_historical_features(...).to_parquet(\"\(path)\"), or write CSV or JSON Lines here (--out x.csv, --out x.jsonl)"
        return "\(path): fsctl \(reading ? "reads" : "writes") CSV and JSON Lines only, not Parquet or Arrow (no Parquet library is available to it); \(how)"
    }
}
