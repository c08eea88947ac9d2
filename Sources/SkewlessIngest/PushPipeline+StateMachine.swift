import SkewlessModel

extension PushPipeline {
    /// What a push does next, decided from what happened (input arrived, a batch was
    /// acknowledged, a timer fired, an interrupt), as a value: the pipeline performs the
    /// actions it returns (send, read more, wake up later, report) and feeds back the
    /// results. No clock and no I/O of its own, so tests can drive it step by step.
    ///
    /// A push reads until the input ends, an interrupt, or a failure, then drains: the open
    /// batch is sent at once and the push finishes when every batch is acknowledged. A bad
    /// row is reported and left out whole; a failure of the node stops the reading and
    /// drops what was not sent yet (batches in flight still complete).
    struct StateMachine {
        enum Action: Sendable {
            case send(PushBatch)
            /// Ask the input for one more chunk.
            case readMore
            /// A batch falls due then: deliver `woke(now:)` at that time.
            case wakeUp(at: ContinuousClock.Instant)
            case report(PushEvent)
            /// Nothing is left to do: the outcome is final.
            case finish
        }

        /// A checked row and where it came from.
        struct Row: Sendable {
            var checked: CheckedRow
            var location: InputLocation
        }

        private enum Phase {
            case reading
            /// No more input will be read; the held rows are being sent.
            case draining
            case finished
        }

        let file: String
        let options: PushOptions
        private var validator: RowValidator
        private var reader: IncrementalRowReader
        private var batcher: WriteBatcher<Row>
        private var phase = Phase.reading
        private var isReadRequested = false
        /// The wake-up asked for, so as not to ask twice.
        private var wakeUpAt: ContinuousClock.Instant?
        /// The first row of each batch in flight, by number.
        private var unacknowledged: [Int: InputLocation] = [:]
        /// The first row of each batch that failed, and the first row dropped unsent.
        private var notStored: [InputLocation] = []
        private(set) var outcome = PushOutcome(totals: PushTotals())

        init(file: String, format: InputFormat, validator: RowValidator, options: PushOptions) {
            self.file = file
            self.options = options
            self.validator = validator
            self.reader = IncrementalRowReader(format: format, maxRecordBytes: options.maxRecordBytes)
            self.batcher = WriteBatcher(limits: .init(
                maxRows: options.batchRows, maxBytes: options.batchBytes, maxWait: options.batchWait, maxInFlight: options.maxInFlight))
        }

        var totals: PushTotals { outcome.totals }

        private var fileName: String { file == "-" ? "<stdin>" : file }

        mutating func start(now: ContinuousClock.Instant) -> [Action] {
            pump(now: now)
        }

        /// A chunk of input (or its end), at `now`; `wallClock` is what `now` means in its
        /// rows' times (microseconds since the epoch).
        mutating func received(_ chunk: FileDescriptorReader.Chunk, now: ContinuousClock.Instant, wallClock: Int64) -> [Action] {
            isReadRequested = false
            guard phase == .reading else { return pump(now: now) }  // read before the stop
            validator.now = wallClock
            var actions: [Action] = []
            do throws(InputProblem) {
                switch chunk {
                case .bytes(let bytes):
                    outcome.totals.bytesRead += bytes.count
                    actions += consume(try reader.append(bytes), now: now)
                case .end:
                    actions += consume(try reader.finish(), now: now)
                    drain()
                case .failed(let message):
                    stop(.read("\(fileName): \(message)"))
                }
            } catch {
                stop(.input(problems([error], consequence: stoppedConsequence)))
            }
            return actions + pump(now: now)
        }

        /// The result of sending `batch`.
        mutating func completed(_ batch: PushBatch, _ result: Result<PushAcknowledgement, SkewlessError>, now: ContinuousClock.Instant) -> [Action] {
            batcher.completed()
            unacknowledged[batch.number] = nil
            switch result {
            case .success(let acknowledgement):
                outcome.totals.add(acknowledgement, rows: batch.rows.count)
            case .failure(let error):
                notStored.append(batch.firstLocation)
                outcome.totals.rowsNotSent += batch.rows.count
                let range = batch.firstLocation == batch.lastLocation ? "\(batch.firstLocation)" : "\(batch.firstLocation) to \(batch.lastLocation)"
                stop(.node(error, batch: "batch \(batch.number) (\(range), \(batch.rows.count) rows)"))
                let dropped = batcher.discardUnsent()
                outcome.totals.rowsNotSent += dropped.count
                if let first = dropped.first { notStored.append(first.location) }
            }
            return pump(now: now)
        }

        /// An attempt of a batch failed and it will be sent again.
        mutating func retrying(_ message: String) -> [Action] {
            outcome.totals.retries += 1
            return [.report(.retrying(message))]
        }

        /// A wake-up asked for by `.wakeUp` (or a late one).
        mutating func woke(now: ContinuousClock.Instant) -> [Action] {
            wakeUpAt = nil
            return pump(now: now)
        }

        /// Stop reading (SIGINT, SIGTERM): send what was read, wait for it, finish. A last
        /// line without its line break is left unread, never sent half-written.
        mutating func interrupted(now: ContinuousClock.Instant) -> [Action] {
            guard phase == .reading else { return [] }
            outcome.wasInterrupted = true
            outcome.unfinishedBytes = reader.heldByteCount
            drain()
            return pump(now: now)
        }

        // MARK: - Rows

        /// Checks the rows (and reports the problems) of one read, in input order.
        private mutating func consume(_ output: IncrementalRowReader.Output, now: ContinuousClock.Instant) -> [Action] {
            if let header = output.header {
                let problems = validator.problems(withColumns: header.columns, at: header.location)
                guard problems.isEmpty else {
                    stop(.input(self.problems(problems, consequence: "nothing was pushed")))
                    return []
                }
            }
            enum Item {
                case row(IncrementalRowReader.Row)
                case problem(InputProblem)
                var location: InputLocation {
                    switch self {
                    case .row(let row): return row.input.location
                    case .problem(let problem): return problem.location
                    }
                }
            }
            let items = (output.rows.map(Item.row) + output.problems.map(Item.problem)).enumerated()
                .sorted { ($0.element.location.line, $0.offset) < ($1.element.location.line, $1.offset) }.map(\.element)
            var actions: [Action] = []
            var index = 0
            while index < items.count, phase == .reading {
                var problems: [InputProblem] = []
                switch items[index] {
                case .row(let row):
                    index += 1
                    if validator.refusesCreatedTime, row.input.cell(RowValidator.createdTimeColumn) != nil {
                        let problem = InputProblem(row.input.location, column: RowValidator.createdTimeColumn, RowValidator.createdTimeRefusal)
                        stop(.input(self.problems([problem], consequence: stoppedConsequence)))
                        return actions
                    }
                    if let checked = validator.write(from: row.input, problems: &problems) {
                        outcome.totals.rowsRead += 1
                        batcher.append(Row(checked: checked, location: row.input.location), byteCount: row.byteCount, now: now)
                        continue
                    }
                case .problem(let first):
                    // A record's problems come together; they are one bad row.
                    problems = [first]
                    index += 1
                    while index < items.count, case .problem(let next) = items[index], next.location == first.location {
                        problems.append(next)
                        index += 1
                    }
                }
                actions.append(badRow(problems))
            }
            return actions
        }

        private mutating func badRow(_ problems: [InputProblem]) -> Action {
            outcome.totals.badRows += 1
            if let limit = options.maxBadRows, outcome.totals.badRows > limit, let location = problems.first?.location {
                stop(.tooManyBadRows(limit: limit, at: "\(location)"))
            }
            return .report(.badRow(problems.map { "\(fileName): \($0)" }))
        }

        /// What a problem that stops the input left undone.
        private var stoppedConsequence: String {
            outcome.totals.rowsRead == 0 ? "nothing was pushed" : "reading stopped there; the good rows before it were pushed"
        }

        private func problems(_ problems: [InputProblem], consequence: String) -> InputProblems {
            var all = InputProblems(file: file, problems: problems, counting: reader.format == .csv ? CSVRowReader.counting : JSONLinesRowReader.counting)
            all.consequence = consequence
            return all
        }

        // MARK: - Sending

        /// Sends what can go, asks for a wake-up or more input, or finishes.
        private mutating func pump(now: ContinuousClock.Instant) -> [Action] {
            guard phase != .finished else { return [] }
            var actions: [Action] = []
            while let batch = batcher.next(now: now) {
                guard let first = batch.rows.first, let last = batch.rows.last else { continue }
                unacknowledged[batch.number] = first.location
                actions.append(.send(PushBatch(
                    number: batch.number, key: "push-\(options.runID)-\(batch.number)", rows: batch.rows.map(\.checked),
                    firstLocation: first.location, lastLocation: last.location)))
            }
            outcome.totals.inFlight = batcher.inFlight
            if let deadline = batcher.deadline, wakeUpAt.map({ deadline < $0 }) ?? true {
                wakeUpAt = deadline
                actions.append(.wakeUp(at: deadline))
            }
            switch phase {
            case .reading where !isReadRequested && batcher.acceptsRows:
                isReadRequested = true
                actions.append(.readMore)
            case .draining where batcher.isIdle:
                phase = .finished
                if outcome.failure != nil {
                    let missing = notStored + unacknowledged.values
                    outcome.storedBefore = missing.min { $0.line < $1.line }.map { "\($0)" }
                }
                actions.append(.finish)
            default:
                break
            }
            return actions
        }

        /// No more reading: send what is held.
        private mutating func drain() {
            guard phase == .reading else { return }
            phase = .draining
            batcher.flush()
        }

        /// Stops reading for `failure` (the first one is the one reported).
        private mutating func stop(_ failure: PushOutcome.Failure) {
            if outcome.failure == nil { outcome.failure = failure }
            drain()
        }
    }
}
