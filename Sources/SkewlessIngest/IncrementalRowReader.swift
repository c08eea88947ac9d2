/// Reads the rows of a CSV or JSON Lines stream as its bytes arrive (`fsctl push`): each
/// `append` returns the rows its bytes complete, so a row is available as soon as its line
/// is, whatever the size of the reads, and nothing waits for the end of the input.
///
/// Records are cut by `RecordSplitter` and parsed one at a time by the readers `fsctl put`
/// uses (`CSVRowReader`, `JSONLinesRowReader`), so rows and problems read and are numbered
/// exactly as there: lines of the file for JSON Lines, data rows after the header (and
/// their line) for CSV. A problem costs its record only: a CSV syntax error is that row's
/// problem, and reading goes on at the next record.
struct IncrementalRowReader {
    /// A row as read, with the size of its record (a batch's byte budget).
    struct Row: Sendable, Hashable {
        var input: InputRow
        var byteCount: Int
    }

    struct Output: Sendable {
        /// The CSV header when these bytes completed it: the columns and their place.
        var header: (columns: [String], location: InputLocation)?
        var rows: [Row] = []
        /// Problems of records that are not rows: unparseable JSON, a CSV syntax error, a
        /// CSV record with the wrong number of fields.
        var problems: [InputProblem] = []
    }

    let format: InputFormat
    private var splitter: RecordSplitter
    /// After the CSV header: the columns and the count of data records so far.
    private var csv: CSVRowReader.Output?

    init(format: InputFormat, maxRecordBytes: Int = 16 << 20) {
        self.format = format
        self.splitter = RecordSplitter(format: format, maxRecordBytes: maxRecordBytes)
    }

    /// Bytes of an unfinished last record held until its line break arrives.
    var heldByteCount: Int { splitter.holdsPartialRecord ? splitter.heldByteCount : 0 }

    /// Whether a CSV stream is still waiting for its header (a JSON Lines stream never is).
    var awaitsHeader: Bool { format == .csv && csv == nil }

    /// The rows and problems of the records `bytes` completes.
    /// - Throws: a problem that stops the stream: a record over the size limit, or a CSV
    ///   header that cannot be read.
    mutating func append(_ bytes: [UInt8]) throws(InputProblem) -> Output {
        let records: [RecordSplitter.Record]
        do {
            records = try splitter.append(bytes)
        } catch {
            let what = format == .csv ? "a record (an unclosed double quote?)" : "a line without a line feed"
            throw InputProblem(.line(error.line), "\(what) of over \(error.limit >> 20) MiB: reading stopped")
        }
        return try read(records)
    }

    /// The end of the input: the rows and problems of a last record without a line break,
    /// and, for CSV, a missing header.
    mutating func finish() throws(InputProblem) -> Output {
        let output = try read(splitter.finish())
        if awaitsHeader {
            throw InputProblem(.file, "the input is empty: it needs a header line naming the columns, then one line per row")
        }
        return output
    }

    private mutating func read(_ records: [RecordSplitter.Record]) throws(InputProblem) -> Output {
        var output = Output()
        for record in records {
            switch format {
            case .jsonl:
                let lines = JSONLinesRowReader.read(record.bytes, firstLine: record.firstLine)
                output.rows += lines.rows.map { Row(input: $0, byteCount: record.bytes.count) }
                output.problems += lines.problems
            case .csv:
                guard var state = csv else {
                    let header = CSVRowReader.read(record.bytes)
                    if let problem = header.problems.first { throw problem }
                    output.header = (header.columns, .header(line: header.headerLine))
                    csv = header
                    continue
                }
                state.rows = []
                state.problems = []
                var reader = CSVReader(bytes: record.bytes, firstLine: record.firstLine)
                do {
                    try CSVRowReader.readRecords(&reader, into: &state)
                } catch {
                    // One record, so the error is its own: count it and go on.
                    state.recordCount += 1
                    state.problems.append(InputProblem(.record(number: state.recordCount, line: error.line), "CSV syntax: \(error.message)"))
                }
                output.rows += state.rows.map { Row(input: $0, byteCount: record.bytes.count) }
                output.problems += state.problems
                state.rows = []
                state.problems = []
                csv = state
            }
        }
        return output
    }
}
