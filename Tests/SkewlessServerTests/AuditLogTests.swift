import Logging
import SkewlessModel
import Synchronization
import Testing

@testable import SkewlessServer

/// The audit log records who was refused what, under its own label, and counts it.
@Suite struct AuditLogTests {
    /// Keeps what is logged to it.
    struct CapturingHandler: LogHandler {
        struct Entry: Sendable {
            var level: Logger.Level
            var message: String
            var metadata: Logger.Metadata
        }

        let box: EntriesBox
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        final class EntriesBox: Sendable {
            let entries = Mutex<[Entry]>([])
        }

        init(_ box: EntriesBox) {
            self.box = box
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            box.entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: merged)) }
        }
    }

    @Test func refusalsAreLoggedWithWhoAndWhatAndCounted() {
        let box = CapturingHandler.EntriesBox()
        let logger = Logger(label: AuditLog.label) { _ in CapturingHandler(box) }
        let audit = AuditLog(nodeID: "node-7", logger: logger)
        audit.refusedAuthentication(peer: "10.0.0.1:5000", reason: SkewlessError(.unauthenticated, "the bearer token expired"))
        audit.denied(principal: "recsys", peer: "10.0.0.2:6000", method: 4, reason: SkewlessError(.permissionDenied, "may not read fraud_v1"))
        audit.rateLimited(principal: "recsys", peer: "10.0.0.2:6000", nowNanos: 5_000_000_000)
        audit.rateLimited(principal: "recsys", peer: "10.0.0.2:6000", nowNanos: 5_100_000_000)  // within a second: counted, not logged
        #expect(audit.counts == AuditLog.Counts(unauthenticated: 1, denied: 1, rateLimited: 2))
        let entries = box.entries.withLock { $0 }
        #expect(entries.map(\.message) == ["authentication refused", "permission denied", "rate limited"])
        #expect(entries.allSatisfy { $0.level == .warning && $0.metadata["node"] == "node-7" })
        #expect(entries[1].metadata["principal"] == "recsys")
        #expect(entries[1].metadata["denied"] == "may not read fraud_v1")
        #expect(entries[1].metadata["method"] == "4")
        #expect(entries[0].metadata["reason"] == "the bearer token expired")
    }
}
