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
    @Test func theThreadCarriesItsNameInTheKernel() async throws {
        let loop = BackgroundLoop(name: "test-named-loop") { .upTo(seconds: 3_600) }
        loop.start()
        defer { loop.stop() }
        let names = {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).compactMap { task in
                try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        #expect(try await Self.eventually { names().contains("test-named-loop") })
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
