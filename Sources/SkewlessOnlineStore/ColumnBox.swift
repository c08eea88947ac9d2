/// A reference to a `TypedColumn`, so a table can mutate its columns in place through
/// the `FieldColumn` enum (mutating an enum's payload would copy the column).
///
/// Not `Sendable`: a box belongs to one `FeatureTable`, which is only reached under its lock.
final class ColumnBox<Element: ColumnElement> {
    var column: TypedColumn<Element>

    init(_ column: TypedColumn<Element>) {
        self.column = column
    }

    /// The box object (16-byte object header and the column's inline fields) and the
    /// column's heap storage.
    var allocatedBytes: Int {
        16 + MemoryLayout<TypedColumn<Element>>.size + column.allocatedBytes
    }
}
