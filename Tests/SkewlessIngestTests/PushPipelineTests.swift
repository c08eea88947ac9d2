import Foundation
import SkewlessModel
import Synchronization
import Testing
@testable import SkewlessIngest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The push pipeline with a real reader thread on a file or a pipe, and a scripted node.
@Suite(.timeLimit(.minutes(1)))
struct PushPipelineTests {
    /// Stands in for the node: records every attempt, fails the ones the test scripts,
    /// and counts how many sends are in progress at once.
    actor Node {
        struct Attempt: Sendable {
            var number: Int
            var key: String
            var users: [Int64]
        }

        private(set) var attempts: [Attempt] = []
        private(set) var acknowledged: [Attempt] = []
        private(set) var mostAtOnce = 0
        private var atOnce = 0
        /// (batch number, attempt) -> the error that attempt gets.
        private let failures: [Int: [SkewlessError?]]
        private let failAlways: SkewlessError?
        private let delay: Duration

        init(failures: [Int: [SkewlessError?]] = [:], failAlways: SkewlessError? = nil, delay: Duration = .zero) {
            self.failures = failures
            self.failAlways = failAlways
            self.delay = delay
        }

        func write(_ batch: PushBatch) async throws(SkewlessError) -> PushAcknowledgement {
            let attempt = Attempt(number: batch.number, key: batch.key, users: batch.rows.map {
                if case .int64(let id)? = $0.entity["user_id"]?.storage { return id }
                return -1
            })
            let earlier = attempts.filter { $0.number == batch.number }.count
            attempts.append(attempt)
            atOnce += 1
            mostAtOnce = max(mostAtOnce, atOnce)
            if delay > .zero { try? await Task.sleep(for: delay) }
            atOnce -= 1
            if let error = failAlways { throw error }
            if let scripted = failures[batch.number], earlier < scripted.count, let error = scripted[earlier] { throw error }
            acknowledged.append(attempt)
            return PushAcknowledgement(rowsWritten: batch.rows.count, rowsIgnoredOlder: 0, isDuplicate: earlier > 0)
        }

        var acknowledgedUsers: [Int64] { acknowledged.sorted { $0.number < $1.number }.flatMap(\.users) }
    }

    /// Collects what the pipeline reports.
    final class Reports: Sendable {
        private let events = Mutex<[PushEvent]>([])
        func record(_ event: PushEvent) { events.withLock { $0.append(event) } }
        var badRows: [String] {
            events.withLock { $0 }.flatMap { event -> [String] in
                if case .badRow(let lines) = event { return lines }
                return []
            }
        }
    }

    static func options(batchRows: Int = 2, maxInFlight: Int = 4, configure: (inout PushOptions) -> Void = { _ in }) -> PushOptions {
        var options = PushOptions(runID: "run")
        options.batchRows = batchRows
        options.maxInFlight = maxInFlight
        options.firstBackoff = .milliseconds(1)
        options.maxBackoff = .milliseconds(4)
        configure(&options)
        return options
    }

    static func pipeline(_ node: Node, _ reports: Reports, format: InputFormat = .jsonl, options: PushOptions) -> PushPipeline {
        PushPipeline(
            file: "data.\(format.rawValue)", format: format, validator: Fixtures.validator(refusesCreatedTime: true), options: options,
            send: { batch throws(SkewlessError) in try await node.write(batch) }, report: reports.record)
    }

    /// Pushes `text` from a temporary file.
    static func push(_ text: String, format: InputFormat = .jsonl, node: Node, reports: Reports = Reports(), options: PushOptions) async throws -> PushOutcome {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("push-\(UUID().uuidString).\(format.rawValue)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        return await pipeline(node, reports, format: format, options: options).run(reading: FileDescriptorReader(descriptor: descriptor))
    }

    static func line(_ user: Int, count: String = "1") -> String {
        "{\"user_id\": \(user), \"event_time\": \"now\", \"txn_count_24h\": \(count)}"
    }

    /// Waits until `condition` holds (or fails the test after 5 s).
    static func eventually(_ condition: () async -> Bool) async throws {
        for _ in 0..<500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out")
    }

    @Test func goodRowsArePushedAndEachBadRowIsReportedWithItsLineAndLeftOut() async throws {
        let node = Node()
        let reports = Reports()
        let text = [Self.line(1), Self.line(2), Self.line(3, count: "\"many\""), Self.line(4), "{oops", Self.line(6)].joined(separator: "\n") + "\n"
        let outcome = try await Self.push(text, node: node, reports: reports, options: Self.options())
        #expect(outcome.failure == nil)
        #expect(await node.acknowledgedUsers == [1, 2, 4, 6])
        #expect(await node.attempts.map(\.key) == ["push-run-1", "push-run-2"])
        #expect(outcome.totals.rowsAcknowledged == 4)
        #expect(outcome.totals.badRows == 2)
        #expect(reports.badRows.count == 2)
        #expect(reports.badRows[0].hasPrefix("data.jsonl: line 3, column 'txn_count_24h': "))
        #expect(reports.badRows[1].hasPrefix("data.jsonl: line 5: not valid JSON"))
    }

    @Test func aBatchThatFailsForWantOfANodeIsSentAgainWithTheSameKey() async throws {
        let node = Node(failures: [1: [SkewlessError(.unavailable, "down"), SkewlessError(.deadlineExceeded, "slow")]])
        let outcome = try await Self.push(Self.line(1) + "\n" + Self.line(2) + "\n", node: node, options: Self.options())
        #expect(outcome.failure == nil)
        #expect(await node.attempts.map(\.key) == ["push-run-1", "push-run-1", "push-run-1"])
        #expect(outcome.totals.retries == 2)
        #expect(outcome.totals.rowsAcknowledged == 2)
        #expect(outcome.totals.duplicateBatches == 1)  // this stand-in calls every retry a duplicate
    }

    @Test func aBatchTheNodeRefusesIsNotRetriedAndTheRowsFromItOnAreNamed() async throws {
        let node = Node(failures: [2: [SkewlessError(.invalidArgument, "no such field")]])
        let text = (1...6).map { Self.line($0) }.joined(separator: "\n")
        let outcome = try await Self.push(text, node: node, options: Self.options(batchRows: 1, maxInFlight: 1))
        guard case .node(let error, let batch)? = outcome.failure else {
            Issue.record("expected a node failure, got \(String(describing: outcome.failure))")
            return
        }
        #expect(error.code == .invalidArgument)
        #expect(batch == "batch 2 (line 2, 1 rows)")
        #expect(await node.attempts.filter { $0.number == 2 }.count == 1)
        #expect(await node.acknowledgedUsers == [1])
        #expect(outcome.storedBefore == "line 2")
        #expect(outcome.totals.rowsNotSent >= 1)
    }

    @Test func retriesEndWhenTheRetryTimeHasPassed() async throws {
        let node = Node(failAlways: SkewlessError(.unavailable, "down"))
        let outcome = try await Self.push(Self.line(1) + "\n", node: node, options: Self.options { $0.retryFor = .milliseconds(50) })
        guard case .node(let error, _)? = outcome.failure else {
            Issue.record("expected a node failure")
            return
        }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("still failing after"))
        #expect(await node.attempts.count > 1)
        #expect(outcome.totals.rowsAcknowledged == 0)
        #expect(outcome.storedBefore == "line 1")
    }

    @Test func noMoreThanMaxInFlightBatchesAwaitTheirAcknowledgement() async throws {
        let node = Node(delay: .milliseconds(5))
        let text = (1...40).map { Self.line($0) }.joined(separator: "\n")
        let outcome = try await Self.push(text, node: node, options: Self.options(batchRows: 1, maxInFlight: 3))
        #expect(outcome.failure == nil)
        #expect(await node.mostAtOnce == 3)
        #expect(await node.acknowledgedUsers == (1...40).map(Int64.init))
    }

    @Test func stoppingAtTheFirstBadRowPushesTheRowsBeforeIt() async throws {
        let node = Node()
        let text = [Self.line(1), Self.line(2), Self.line(3, count: "true"), Self.line(4)].joined(separator: "\n")
        let outcome = try await Self.push(text, node: node, options: Self.options(batchRows: 10) { $0.maxBadRows = 0 })
        guard case .tooManyBadRows(let limit, let location)? = outcome.failure else {
            Issue.record("expected to stop at the bad row")
            return
        }
        #expect(limit == 0)
        #expect(location == "line 3")
        #expect(await node.acknowledgedUsers == [1, 2])
    }

    @Test func aCreatedTimeStopsThePushBeforeItsRowAndSaysWhereSuchRowsGo() async throws {
        let node = Node()
        let text = Self.line(1) + "\n{\"user_id\": 2, \"event_time\": \"now\", \"created_time\": \"now\"}\n" + Self.line(3)
        let outcome = try await Self.push(text, node: node, options: Self.options())
        guard case .input(let problems)? = outcome.failure else {
            Issue.record("expected an input failure")
            return
        }
        #expect(problems.report() == "data.jsonl: line 2, column 'created_time': \(RowValidator.createdTimeRefusal)")
        #expect(await node.acknowledgedUsers == [1])
    }

    @Test func aCSVHeaderThatDoesNotFitSendsNothing() async throws {
        let node = Node()
        let outcome = try await Self.push("user_id,event_time,txn_count_42h\n1,now,3\n", format: .csv, node: node, options: Self.options())
        guard case .input(let problems)? = outcome.failure else {
            Issue.record("expected an input failure")
            return
        }
        #expect(problems.headline.contains("nothing was pushed"))
        #expect(problems.report().contains("header, column 'txn_count_42h'"))
        #expect(await node.attempts.isEmpty)
    }

    @Test func aLoneRowOnAQuietPipeGoesWithoutWaitingForMore() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let node = Node()
        let pipeline = Self.pipeline(node, Reports(), options: Self.options(batchRows: 10_000) { $0.batchWait = .milliseconds(5) })
        let reader = FileDescriptorReader(descriptor: ends[0])
        let running = Task { await pipeline.run(reading: reader) }
        let row = Array((Self.line(1) + "\n").utf8)
        #expect(write(ends[1], row, row.count) == row.count)
        try await Self.eventually { await node.acknowledgedUsers == [1] }  // the pipe is still open
        close(ends[1])  // the end of the input ends the push
        let outcome = await running.value
        close(ends[0])
        #expect(outcome.failure == nil)
        #expect(!outcome.wasInterrupted)
        #expect(outcome.totals.rowsAcknowledged == 1)
    }

    @Test func anInterruptSendsWhatWasReadAndLeavesAnUnfinishedLineOut() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        let node = Node()
        // Batches wait a minute for more rows: only the interrupt sends them.
        let pipeline = Self.pipeline(node, Reports(), options: Self.options(batchRows: 10_000) { $0.batchWait = .seconds(60) })
        let reader = FileDescriptorReader(descriptor: ends[0])
        let running = Task { await pipeline.run(reading: reader) }
        let bytes = Array((Self.line(1) + "\n" + Self.line(2) + "\n{\"user_id\": 3").utf8)
        #expect(write(ends[1], bytes, bytes.count) == bytes.count)
        try await Task.sleep(for: .milliseconds(200))
        #expect(await node.attempts.isEmpty)
        pipeline.interrupt()
        let outcome = await running.value
        #expect(outcome.wasInterrupted)
        #expect(outcome.failure == nil)
        #expect(await node.acknowledgedUsers == [1, 2])
        #expect(outcome.unfinishedBytes == 13)
    }
}
