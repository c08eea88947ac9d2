/// Cuts a stream of CSV or JSON Lines bytes into whole records as the bytes arrive, in
/// whatever pieces a pipe or a growing file delivers them: a record split across two reads
/// comes out once both halves are in, and a partial last record is held until its line
/// break arrives (or the input ends).
///
/// Record ends are those of the readers that parse the records: for JSON Lines a line feed
/// (a `\r` before it is the reader's to strip); for CSV a line break outside double quotes:
/// LF, CRLF or a lone CR, as `CSVReader` reads them. A CR that is the last byte so far is
/// held until the next byte says whether an LF follows, so a CRLF split between two reads
/// is one line break. Blank lines are not records: they are kept at the front of the next
/// record, whose reader skips them and counts their lines.
///
/// The CSV quote tracking follows RFC 4180 closely enough to find record ends: a quote opens
/// a quoted field only at the start of a field. A stray quote elsewhere is left for
/// `CSVReader` to report as that record's syntax error, so one bad record costs one record.
/// An unclosed quote makes the rest of the stream one record, so `maxRecordBytes` bounds
/// what is held.
struct RecordSplitter {
    /// One complete record and what precedes it since the last one (blank lines).
    struct Record: Sendable, Hashable {
        var bytes: [UInt8]
        /// The 1-based line of `bytes[0]`.
        var firstLine: Int
    }

    /// A record longer than the limit: the stream cannot be cut (a missing line break or
    /// an unclosed quote), and holding more would grow without bound.
    struct OversizedRecord: Error, Sendable, Hashable {
        /// The line the record starts on (after any blank lines).
        var line: Int
        var limit: Int
    }

    private enum State {
        /// At the start of a CSV field (also of a record).
        case fieldStart
        /// In an unquoted CSV field.
        case unquoted
        /// In a quoted CSV field.
        case quoted
        /// After a quote in a quoted field: its end, or the first half of `""`.
        case quoteInQuoted
    }

    let format: InputFormat
    let maxRecordBytes: Int
    /// Bytes not yet cut into records; `pending[0]` is the first byte of the next record.
    private var pending: [UInt8] = []
    /// How far `pending` has been scanned.
    private var scanned = 0
    /// The line of `pending[0]`.
    private var line = 1
    /// Line breaks in `pending[..<scanned]`.
    private var lineBreaks = 0
    /// Line breaks before the first byte of content of the pending record.
    private var blankLines = 0
    /// Whether the pending record has any content (CSV: a byte that is not a line break;
    /// JSON Lines: a byte other than space, tab or CR).
    private var hasContent = false
    private var state = State.fieldStart

    init(format: InputFormat, maxRecordBytes: Int = 16 << 20) {
        self.format = format
        self.maxRecordBytes = max(1, maxRecordBytes)
    }

    /// Bytes held: a partial record (or blank lines) waiting for more input.
    var heldByteCount: Int { pending.count }

    /// Whether the held bytes hold more than line breaks and blanks.
    var holdsPartialRecord: Bool { hasContent }

    /// The records `bytes` completes, in order.
    /// - Throws: `OversizedRecord` when the held record passes `maxRecordBytes`.
    mutating func append(_ bytes: [UInt8]) throws(OversizedRecord) -> [Record] {
        pending += bytes
        scan(isAtEnd: false)
        let records = takeRecords()
        if pending.count > maxRecordBytes {
            throw OversizedRecord(line: line + blankLines, limit: maxRecordBytes)
        }
        return records
    }

    /// The end of the input: the held bytes as a last record (one without a final line
    /// break); none when they are only blank lines.
    mutating func finish() -> [Record] {
        scan(isAtEnd: true)
        var records = takeRecords()
        if hasContent {
            records.append(Record(bytes: pending, firstLine: line))
        }
        pending = []
        scanned = 0
        lineBreaks = 0
        blankLines = 0
        hasContent = false
        state = .fieldStart
        return records
    }

    /// Record ends found by `scan` and not yet taken: the index just after each record's
    /// last line break, and the line its bytes start on.
    private var ends: [(end: Int, firstLine: Int)] = []

    /// Cuts the records `scan` found out of `pending`.
    private mutating func takeRecords() -> [Record] {
        guard let last = ends.last else { return [] }
        var records: [Record] = []
        records.reserveCapacity(ends.count)
        var start = 0
        for (end, firstLine) in ends {
            records.append(Record(bytes: Array(pending[start..<end]), firstLine: firstLine))
            start = end
        }
        pending.removeSubrange(0..<last.end)
        scanned -= last.end
        ends.removeAll(keepingCapacity: true)
        return records
    }

    /// Scans `pending` from `scanned`, noting each record end in `ends`. Stops before a
    /// final CR unless `isAtEnd`.
    private mutating func scan(isAtEnd: Bool) {
        let lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        while scanned < pending.count {
            let byte = pending[scanned]
            if byte == lineFeed {
                lineBreak(endingAt: scanned)
                continue
            }
            if byte == carriageReturn, format == .csv {
                if scanned + 1 < pending.count, pending[scanned + 1] == lineFeed {
                    scanned += 1  // CRLF: one line break, which the LF ends
                    continue
                }
                // A lone CR is a line break; a CR last so far may be the first half of CRLF.
                guard scanned + 1 < pending.count || isAtEnd else { return }
                lineBreak(endingAt: scanned)
                continue
            }
            scanned += 1
            switch format {
            case .jsonl:
                if byte != 0x20, byte != 0x09, byte != carriageReturn { hasContent = true }
            case .csv:
                hasContent = true
                switch (state, byte) {
                case (.fieldStart, quote): state = .quoted
                case (.fieldStart, comma), (.unquoted, comma), (.quoteInQuoted, comma): state = .fieldStart
                case (.quoted, quote): state = .quoteInQuoted
                case (.quoteInQuoted, quote): state = .quoted
                case (.quoted, _): break
                default: state = .unquoted  // a stray quote included: CSVReader reports it
                }
            }
        }
    }

    /// A line break whose last byte is `pending[index]`: a record end outside quotes when
    /// the record has content; otherwise a line inside a quoted field, or a blank line.
    private mutating func lineBreak(endingAt index: Int) {
        scanned = index + 1
        lineBreaks += 1
        if state == .quoted { return }
        state = .fieldStart
        guard hasContent else {
            blankLines += 1
            return
        }
        ends.append((scanned, line))
        // The next record starts after this one's lines.
        line += lineBreaks
        lineBreaks = 0
        blankLines = 0
        hasContent = false
    }
}
