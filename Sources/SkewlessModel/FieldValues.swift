/// The values of one field across the rows of a `WriteBatch`.
package struct FieldValues: Sendable {
    /// One value per row, of the field's type. Null rows hold any placeholder of that type;
    /// it is not stored.
    package var values: ColumnValues
    /// nil when no row is null; else one flag per row, true where the field is null.
    package var nullRows: [Bool]?

    package init(values: ColumnValues, nullRows: [Bool]? = nil) {
        self.values = values
        self.nullRows = nullRows
    }
}
