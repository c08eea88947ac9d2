import Foundation
import SkewlessModel

/// Reads a CSV or JSON Lines file piece by piece and checks its rows against a view, so a
/// file far larger than memory can be ingested: memory holds one piece (`pieceBytes`, cut
/// at the last complete record) and its rows, whatever the file's size.
///
/// Problems are collected, as `WriteRowsReader` does for a whole file, and reported
/// together at the end (`problems`); a caller that must commit nothing on a bad row keeps
/// what it built from the rows uncommitted until the stream ends without problems. Reading
/// stops early at a CSV syntax error, a bad header, or after `maxProblems` problems.
///
/// Pieces are cut after a line feed outside quotes; a file whose lines end in a lone CR
/// is read as one piece.
package struct CheckedRowStream {
    /// Stop reading after this many problems.
    package static let maxProblems = 1_000

    private let read: (Int) throws -> [UInt8]
    private let file: String
    private let format: InputFormat
    private let validator: RowValidator
    private let pieceBytes: Int
    private var pending: [UInt8] = []
    private var isAtEndOfInput = false
    private var isStopped = false
    /// The line of the first byte of `pending`.
    private var nextLine = 1
    private var header: CSVRowReader.Output?
    private var collected: [InputProblem] = []
    /// Whether the rows give created times: decided by the first row, required of all.
    private var createdTimeMode: (gives: Bool, location: InputLocation)?
    /// Bytes read from the input so far.
    package private(set) var bytesRead = 0
    /// Rows that passed so far.
    package private(set) var rowCount = 0

    /// - Parameters:
    ///   - read: reads up to N bytes; an empty result is the end of the input.
    ///   - file: the file as the user named it (`-`: standard input), for problems.
    package init(file: String, format: InputFormat, validator: RowValidator, pieceBytes: Int = 8 << 20, read: @escaping (Int) throws -> [UInt8]) {
        self.file = file
        self.format = format
        self.validator = validator
        self.pieceBytes = max(1, pieceBytes)
        self.read = read
    }

    /// Reads from a file handle.
    package init(file: String, format: InputFormat, validator: RowValidator, handle: FileHandle, pieceBytes: Int = 8 << 20) {
        self.init(file: file, format: format, validator: validator, pieceBytes: pieceBytes) { count in
            [UInt8](try handle.read(upToCount: count) ?? Data())
        }
    }

    /// Every problem found (in file order), or nil when there was none.
    package var problems: InputProblems? {
        guard !collected.isEmpty else { return nil }
        let ordered = collected.enumerated().sorted { ($0.element.location.line, $0.offset) < ($1.element.location.line, $1.offset) }.map(\.element)
        var problems = InputProblems(file: file, problems: ordered, counting: format == .csv ? CSVRowReader.counting : JSONLinesRowReader.counting)
        problems.consequence = isStopped && collected.count >= Self.maxProblems ? "nothing was ingested (reading stopped after \(Self.maxProblems))" : "nothing was ingested"
        return problems
    }

    /// The rows of the next piece that passed (empty when none did), or nil at the end.
    /// - Throws: an error of `read` (the file could not be read).
    package mutating func next() throws -> [CheckedRow]? {
        guard !isStopped else { return nil }
        guard let piece = try nextPiece() else {
            if header == nil, format == .csv, collected.isEmpty {
                collected.append(InputProblem(.file, "the file is empty: it needs a header line naming the columns, then one line per row"))
            }
            return nil
        }
        var rows: [InputRow]
        switch format {
        case .csv:
            if var output = header {
                output.rows = []
                output.problems = []
                var reader = CSVReader(bytes: piece.bytes, firstLine: piece.firstLine)
                do {
                    try CSVRowReader.readRecords(&reader, into: &output)
                } catch {
                    output.problems.append(InputProblem(.line(error.line), "CSV syntax: \(error.message)"))
                    output.stoppedAtSyntaxError = true
                }
                header = output
                rows = output.rows
                collected += output.problems
                isStopped = output.stoppedAtSyntaxError
            } else {
                let output = CSVRowReader.read(piece.bytes)
                header = output
                let headerProblems = output.columns.isEmpty ? [] : validator.problems(withColumns: output.columns, at: .header(line: output.headerLine))
                guard headerProblems.isEmpty, !output.columns.isEmpty else {
                    collected += headerProblems + output.problems
                    isStopped = true
                    return nil
                }
                rows = output.rows
                collected += output.problems
                isStopped = output.stoppedAtSyntaxError
            }
        case .jsonl:
            let output = JSONLinesRowReader.read(piece.bytes, firstLine: piece.firstLine)
            rows = output.rows
            collected += output.problems
        }
        let before = collected.count
        let checked = validator.writes(from: rows, problems: &collected)
        if collected.count == before, let first = checked.first, let location = rows.first?.location {
            // `writes` holds every row of a piece to one choice; hold the pieces to the first's.
            if let mode = createdTimeMode {
                if mode.gives != (first.createdTime != nil) {
                    collected.append(InputProblem(location, column: "created_time", mode.gives
                        ? "no created time, but \(mode.location) gives one: give created_time in every row or in none (without it, rows are stamped with the ingestion time)"
                        : "a created time, but \(mode.location) has none: give created_time in every row or in none"))
                }
            } else {
                createdTimeMode = (first.createdTime != nil, location)
            }
        }
        if collected.count >= Self.maxProblems { isStopped = true }
        rowCount += checked.count
        return collected.isEmpty ? checked : []
    }

    /// The next run of complete records, with the line it starts on; nil at the end.
    private mutating func nextPiece() throws -> (bytes: [UInt8], firstLine: Int)? {
        while true {
            if isAtEndOfInput {
                guard !pending.isEmpty else { return nil }
                defer { pending = [] }
                return (pending, nextLine)
            }
            let more = try read(pieceBytes)
            bytesRead += more.count
            if more.isEmpty {
                isAtEndOfInput = true
                continue
            }
            pending += more
            guard pending.count >= pieceBytes else { continue }
            if let cut = lastRecordEnd() {
                let piece = Array(pending[..<cut])
                pending.removeFirst(cut)
                let firstLine = nextLine
                nextLine += Self.lineBreaks(in: piece)
                return (piece, firstLine)
            }
        }
    }

    /// Just after the last line feed that ends a record (outside quotes, for CSV).
    private func lastRecordEnd() -> Int? {
        switch format {
        case .jsonl:
            return pending.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 }
        case .csv:
            var isQuoted = false
            var end: Int?
            for (index, byte) in pending.enumerated() {
                if byte == UInt8(ascii: "\"") {
                    isQuoted.toggle()
                } else if byte == UInt8(ascii: "\n"), !isQuoted {
                    end = index + 1
                }
            }
            return end
        }
    }

    /// Line breaks as the readers count them: LF, CRLF and a lone CR.
    private static func lineBreaks(in bytes: [UInt8]) -> Int {
        var count = 0
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && (index + 1 == bytes.count || bytes[index + 1] != UInt8(ascii: "\n"))) {
                count += 1
            }
        }
        return count
    }
}
