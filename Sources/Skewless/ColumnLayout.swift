import SkewlessWire

/// The column names of a response and every spelling a caller may look a column up by:
/// "view@version:field", "view:field", and the bare field name when only one view has it.
///
/// Built once per request shape (a service, or a feature list) and shared by all its
/// responses, so reading a response does no string work.
final class ColumnLayout: Sendable {
    let names: [String]
    /// `names`, as the decoder compares them.
    let columnNames: ColumnNames
    private let index: [String: Int]

    init(names: [String]) {
        self.names = names
        self.columnNames = ColumnNames(names)
        var index: [String: Int] = [:]
        var fieldUses: [String: Int] = [:]
        var fieldPosition: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            index[name] = position
            guard let colon = name.lastIndex(of: ":") else { continue }
            let field = String(name[name.index(after: colon)...])
            fieldUses[field, default: 0] += 1
            fieldPosition[field] = position
            if let at = name.firstIndex(of: "@"), at < colon {
                index[String(name[..<at]) + ":" + field] = position
            }
        }
        for (field, uses) in fieldUses where uses == 1 && index[field] == nil {
            index[field] = fieldPosition[field]
        }
        self.index = index
    }

    func position(of name: String) -> Int? { index[name] }
}
