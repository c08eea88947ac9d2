/// Why one piece of input text (a cell, a JSON value, an argument) is not a value of the
/// type it must have. The message names the text and says what would be accepted; the
/// caller adds where the text was (file, row, column).
package struct InvalidValue: Error, Sendable, Hashable, CustomStringConvertible {
    package var message: String

    init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
