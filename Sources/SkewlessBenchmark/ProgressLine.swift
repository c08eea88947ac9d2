import Foundation
import SkewlessModel

/// One line on the terminal, rewritten twice a second while a slice runs: what runs, how far
/// along, requests so far. Only when stderr is a terminal, so logs and pipes stay clean.
package struct ProgressLine: Sendable {
    package let isEnabled: Bool

    package init(enabled: Bool = isatty(STDERR_FILENO) == 1) {
        isEnabled = enabled
    }

    /// Shows progress of `counter` until `body` returns.
    package func track<T: Sendable>(
        _ label: String, seconds: Double, counter: ProgressCounter, _ body: () async throws(SkewlessError) -> T
    ) async throws(SkewlessError) -> T {
        guard isEnabled else { return try await body() }
        counter.reset()
        let ticker = Task {
            let start = MonotonicClock().now()
            while !Task.isCancelled {
                let elapsed = Double(MonotonicClock().now() - start) / 1e9
                let failed = counter.failed
                let text = String(format: "%@  %4.1f/%.0f s  %d requests", label, min(elapsed, seconds), seconds, counter.completed)
                    + (failed > 0 ? "  \(failed) failed" : "")
                Self.write("\r\u{1B}[2K" + text)
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        defer {
            ticker.cancel()
            Self.write("\r\u{1B}[2K")
        }
        return try await body()
    }

    /// A line that stays (progress of a long step).
    package func note(_ text: String) {
        guard isEnabled else { return }
        Self.write("\r\u{1B}[2K" + text + "\n")
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
