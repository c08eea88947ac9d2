import Synchronization

/// Completed and failed requests of the running slice, read by the progress line.
package final class ProgressCounter: Sendable {
    private let completedCount = Atomic<Int>(0)
    private let failedCount = Atomic<Int>(0)

    package init() {}

    package func record(_ outcome: FetchOutcome) {
        if case .success = outcome {
            completedCount.add(1, ordering: .relaxed)
        } else {
            failedCount.add(1, ordering: .relaxed)
        }
    }

    package var completed: Int { completedCount.load(ordering: .relaxed) }
    package var failed: Int { failedCount.load(ordering: .relaxed) }

    package func reset() {
        completedCount.store(0, ordering: .relaxed)
        failedCount.store(0, ordering: .relaxed)
    }
}

/// Hands out request indexes 0..<limit once each across workers.
package final class TicketCounter: Sendable {
    private let next = Atomic<Int>(0)

    package init() {}

    package func take(below limit: Int) -> Int? {
        let ticket = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return ticket < limit ? ticket : nil
    }
}
