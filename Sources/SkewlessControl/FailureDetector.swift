import SkewlessCluster

/// Decides, from health probes, which nodes are down and which are back (docs/cluster.md,
/// "Failure detection"). A value: the controller feeds it every probe's outcome and asks it
/// for verdicts; it does no I/O and reads no clock.
///
/// - A node is **down** once it has not answered for `timeoutMicros`: since its last answer,
///   or since the detector first saw it when it never answered (a new controller gives every
///   node the full timeout).
/// - A node marked down is **back** once it has answered every probe for its hold-down time:
///   `recoveryMicros`, doubled for every time it was marked down within `flapWindowMicros`
///   (at most `maximumRecoveryMicros`). So a flapping node stays down for longer and longer
///   instead of being marked up and down in a loop.
package struct FailureDetector: Sendable {
    package struct Configuration: Sendable, Hashable {
        /// Silence after which a node is down.
        package var timeoutMicros: Int64 = 3_000_000
        /// Answers in a row needed, for this long, before a node marked down is up again.
        package var recoveryMicros: Int64 = 5_000_000
        package var maximumRecoveryMicros: Int64 = 300_000_000
        /// How far back earlier mark-downs count towards a longer hold-down.
        package var flapWindowMicros: Int64 = 600_000_000

        package init() {}
    }

    /// What the detector concludes about a node.
    package enum Verdict: Sendable, Hashable {
        /// Answering; for a node marked down, answering for its whole hold-down time.
        case up
        /// Silent for the timeout.
        case down
        /// Neither yet: silent for less than the timeout, or answering again for less than
        /// the hold-down time. The map's state stands.
        case undecided
    }

    private struct Record: Sendable {
        var firstSeen: Int64
        var lastAnswer: Int64?
        var lastSilence: Int64?
        /// Since when it has answered every probe.
        var answeringSince: Int64?
        /// When it was marked down, newest last, within the flap window.
        var markedDown: [Int64] = []
    }

    package let configuration: Configuration
    private var records: [NodeID: Record] = [:]

    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// One probe of `node` at `nowMicros`: it answered, or it did not (a refused connection,
    /// a timeout, an error).
    package mutating func observe(_ node: NodeID, answered: Bool, nowMicros: Int64) {
        var record = records[node] ?? Record(firstSeen: nowMicros)
        if answered {
            record.lastAnswer = nowMicros
            if record.answeringSince == nil { record.answeringSince = nowMicros }
        } else {
            record.lastSilence = nowMicros
            record.answeringSince = nil
        }
        records[node] = record
    }

    /// The controller marked `node` down at `nowMicros`: counts towards its hold-down time.
    package mutating func noteMarkedDown(_ node: NodeID, nowMicros: Int64) {
        var record = records[node] ?? Record(firstSeen: nowMicros)
        record.markedDown.append(nowMicros)
        record.markedDown.removeAll { nowMicros - $0 > configuration.flapWindowMicros }
        records[node] = record
    }

    /// Forgets nodes no longer in the map.
    package mutating func retain(only nodes: Set<NodeID>) {
        records = records.filter { nodes.contains($0.key) }
    }

    /// The verdict on `node`, whose state in the map is `state`.
    package func verdict(_ node: NodeID, state: NodeState, nowMicros: Int64) -> Verdict {
        guard let record = records[node] else { return .undecided }
        if state == .down {
            guard let since = record.answeringSince else { return .undecided }
            return nowMicros - since >= holdDownMicros(node, nowMicros: nowMicros) ? .up : .undecided
        }
        if record.answeringSince != nil { return .up }
        let silentSince = record.lastAnswer ?? record.firstSeen
        return nowMicros - silentSince >= configuration.timeoutMicros ? .down : .undecided
    }

    /// How long `node`, marked down, must answer before it is up again.
    package func holdDownMicros(_ node: NodeID, nowMicros: Int64) -> Int64 {
        let flaps = records[node]?.markedDown.count { nowMicros - $0 <= configuration.flapWindowMicros } ?? 0
        var hold = configuration.recoveryMicros
        for _ in 1..<max(1, flaps) where hold < configuration.maximumRecoveryMicros {
            hold *= 2
        }
        return min(hold, configuration.maximumRecoveryMicros)
    }

    /// Since when `node` has been silent, if it is.
    package func silentSince(_ node: NodeID) -> Int64? {
        guard let record = records[node], record.answeringSince == nil else { return nil }
        return record.lastAnswer ?? record.firstSeen
    }
}
