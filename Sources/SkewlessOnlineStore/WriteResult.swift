/// What a write did with its rows.
package struct WriteResult: Sendable, Hashable {
    /// Rows applied, including rows replaced later in the same batch.
    package var rowsWritten: Int
    /// Rows older than the stored row for their key, by (event time, created time): not applied.
    package var rowsIgnoredOlder: Int

    package init(rowsWritten: Int, rowsIgnoredOlder: Int) {
        self.rowsWritten = rowsWritten
        self.rowsIgnoredOlder = rowsIgnoredOlder
    }
}
