// Column padding for the plain-text tables of `fsctl status` and `fsctl rebalance --plan`.

extension String {
    /// Left-aligned in a column of `width` characters, with at least one space after.
    func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    /// Right-aligned in a column of `width` characters, with at least one space before.
    func leftPadded(to width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
