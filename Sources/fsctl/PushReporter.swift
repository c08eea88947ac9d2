import Foundation
import SkewlessIngest
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes what `fsctl push` reports while it runs to standard error: bad rows, retries,
/// and a progress line every second (rows acknowledged, rows per second over the last
/// second, batches in flight, bad rows). On a terminal the progress line is redrawn in
/// place and cleared before any other message; elsewhere (`--progress` into a log) each
/// is a line of its own.
final class PushReporter: Sendable {
    let showsProgress: Bool
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private struct State {
        var isLineDrawn = false
        var lastProgress: (at: ContinuousClock.Instant, rows: Int)?
    }
    private let state: Mutex<State>

    init(showsProgress: Bool) {
        self.showsProgress = showsProgress
        state = Mutex(State(lastProgress: (ContinuousClock.now, 0)))
    }

    func report(_ event: PushEvent) {
        switch event {
        case .badRow(let problems):
            write(problems.joined(separator: "\n"))
        case .retrying(let message):
            write("retrying \(message)")
        case .progress(let totals):
            guard showsProgress else { return }
            progress(totals)
        }
    }

    /// A message of the command's own.
    func note(_ text: String) {
        write(text)
    }

    /// Clears the progress line before the summary.
    func finish() {
        state.withLock { state in
            if state.isLineDrawn { StandardError.rewriteLine("") }
            state.isLineDrawn = false
        }
    }

    private func progress(_ totals: PushTotals) {
        state.withLock { state in
            let now = ContinuousClock.now
            var rate = 0
            if let last = state.lastProgress {
                let elapsed = now - last.at
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                if seconds > 0 { rate = Int((Double(totals.rowsAcknowledged - last.rows) / seconds).rounded()) }
            }
            state.lastProgress = (now, totals.rowsAcknowledged)
            let line = "pushed \(totals.rowsAcknowledged) rows, \(rate) rows/s, \(totals.inFlight) in flight, \(totals.badRows) bad"
            if isTerminal {
                StandardError.rewriteLine(line)
                state.isLineDrawn = true
            } else {
                StandardError.write(line)
            }
        }
    }

    private func write(_ text: String) {
        state.withLock { state in
            if state.isLineDrawn { StandardError.rewriteLine("") }
            state.isLineDrawn = false
            StandardError.write(text)
        }
    }
}
