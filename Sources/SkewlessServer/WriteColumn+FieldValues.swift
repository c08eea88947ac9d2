import SkewlessModel
import SkewlessWire

extension Skewless_V1_WriteColumn {
    /// The column as a batch field of `field` over `rows` rows: its values checked against the
    /// field's type, and its null rows as a mask.
    /// - Throws: `invalidArgument` for a null row past `rows`, or values of another type or
    ///   count, naming the field and `view`.
    func fieldValues(of field: Field, rows: Int, view: String) throws(SkewlessError) -> FieldValues {
        var nullMask: [Bool]?
        if !nullRows.isEmpty {
            var mask = [Bool](repeating: false, count: rows)
            for row in nullRows {
                guard Int(row) < rows else {
                    throw SkewlessError(.invalidArgument, "field '\(field.name)' marks row \(row) null but there are \(rows) rows")
                }
                mask[Int(row)] = true
            }
            nullMask = mask
        }
        let columnValues = try values.columnValues(as: field.type, count: rows, nullRows: nullMask, subject: "field '\(field.name)' of view '\(view)'")
        return FieldValues(values: columnValues, nullRows: nullMask)
    }
}
