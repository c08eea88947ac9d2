import Foundation
import Synchronization
import Testing
@testable import SkewlessServer

/// The node's background thread: it pauses as each round asks, `wake` ends a pause at once,
/// a finished round ends the thread, and `stop` returns only once the thread has ended.
@Suite(.timeLimit(.minutes(1)))
struct BackgroundLoopTests {
    /// Rounds run so far, counted on the loop's thread.
    final class Rounds: Sendable {
        private let count = Atomic<Int>(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    static func eventually(within seconds: Int = 20, _ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 100) {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func aRoundThatWaitsForAWakeUpRunsAgainOnlyWhenWoken() async throws {
        let rounds = Rounds()
        let loop = BackgroundLoop(name: "test-wake") {
            rounds.add()
            return .untilWoken
        }
        loop.start()
        defer { loop.stop() }
        #expect(try await Self.eventually { rounds.value == 1 })
        try await Task.sleep(for: .milliseconds(200))
        #expect(rounds.value == 1)
        loop.wake()
        #expect(try await Self.eventually { rounds.value == 2 })
    }

    @Test func aWakeUpEndsATimedPauseEarly() async throws {
        let rounds = Rounds()
        let loop = BackgroundLoop(name: "test-pause") {
            rounds.add()
            return .upTo(seconds: 3_600)
        }
        loop.start()
        defer { loop.stop() }
        #expect(try await Self.eventually { rounds.value == 1 })
        loop.wake()
        #expect(try await Self.eventually { rounds.value == 2 })
    }

    @Test func aFinishedRoundEndsTheThread() async throws {
        let loop = BackgroundLoop(name: "test-finish") { .finished }
        loop.start()
        #expect(try await Self.eventually { !loop.isRunning })
        loop.stop()
    }

    #if os(Linux)
    /// `top -H` and /proc show the loop's name (bench/servedlog.sh finds the served log's
    /// writer by it).
    @Test func theThreadCarriesItsNameAndNiceValueInTheKernel() async throws {
        let loop = BackgroundLoop(name: "test-named-loop", niceness: 7) { .upTo(seconds: 3_600) }
        loop.start()
        defer { loop.stop() }
        /// The nice value of the thread named so, from /proc (field 19 of its stat).
        let nice = { () -> Int? in
            for task in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [] {
                let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                guard comm?.trimmingCharacters(in: .whitespacesAndNewlines) == "test-named-loop",
                    let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                    let end = stat.lastIndex(of: ")")
                else { continue }
                // After "pid (comm) ", field 3 on: the nice value is field 19.
                let fields = stat[stat.index(after: end)...].split(separator: " ")
                return fields.count > 16 ? Int(fields[16]) : nil
            }
            return nil
        }
        #expect(try await Self.eventually { nice() == 7 })
    }
    #endif

    @Test func stopEndsAPauseAndWaitsForTheThread() async throws {
        let loop = BackgroundLoop(name: "test-stop") { .upTo(seconds: 3_600) }
        loop.start()
        #expect(loop.isRunning)
        loop.stop()
        #expect(!loop.isRunning)
        #expect(loop.isStopping)
        loop.start()  // refused after stop
        #expect(!loop.isRunning)
    }
}
