import Foundation
import SkewlessModel

/// What the active controller is doing, as it publishes it in etcd (`controller-status`,
/// JSON with these snake_case keys) for `fsctl status`.
package struct ControllerStatus: Sendable, Hashable, Codable {
    package struct DownNode: Sendable, Hashable, Codable {
        package var node: String
        /// When the controller first saw it silent, in microseconds since the Unix epoch.
        package var silentSinceMicros: Int64
        /// When its partitions are due to be re-replicated (0: they hold none, or now).
        package var reReplicationAtMicros: Int64

        package init(node: String, silentSinceMicros: Int64, reReplicationAtMicros: Int64) {
            self.node = node
            self.silentSinceMicros = silentSinceMicros
            self.reReplicationAtMicros = reReplicationAtMicros
        }

        enum CodingKeys: String, CodingKey {
            case node
            case silentSinceMicros = "silent_since_micros"
            case reReplicationAtMicros = "re_replication_at_micros"
        }
    }

    package struct Action: Sendable, Hashable, Codable {
        package var timeMicros: Int64
        package var epoch: UInt64
        package var text: String

        enum CodingKeys: String, CodingKey {
            case timeMicros = "time_micros"
            case epoch, text
        }
    }

    package var controller: String
    package var leadingSinceMicros: Int64
    package var updatedMicros: Int64
    package var epoch: UInt64
    package var downNodes: [DownNode] = []
    /// The nodes down because a controller marked them so (not an operator): a controller
    /// marks them up again once they answer for their hold-down time.
    package var markedDown: [String] = []
    /// Partitions with fewer than R replicas on nodes up, and since when (0: none).
    package var underReplicatedPartitions: Int = 0
    package var underReplicatedSinceMicros: Int64 = 0
    /// Replicas in motion, by phase.
    package var moves: [String: Int] = [:]
    /// The newest last, at most `ControllerStatus.keptActions`.
    package var recentActions: [Action] = []

    package static let keptActions = 20

    enum CodingKeys: String, CodingKey {
        case controller
        case leadingSinceMicros = "leading_since_micros"
        case updatedMicros = "updated_micros"
        case epoch
        case downNodes = "down_nodes"
        case markedDown = "marked_down"
        case underReplicatedPartitions = "under_replicated_partitions"
        case underReplicatedSinceMicros = "under_replicated_since_micros"
        case moves
        case recentActions = "recent_actions"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        controller = try container.decode(String.self, forKey: .controller)
        leadingSinceMicros = try container.decode(Int64.self, forKey: .leadingSinceMicros)
        updatedMicros = try container.decode(Int64.self, forKey: .updatedMicros)
        epoch = try container.decode(UInt64.self, forKey: .epoch)
        downNodes = try container.decodeIfPresent([DownNode].self, forKey: .downNodes) ?? []
        markedDown = try container.decodeIfPresent([String].self, forKey: .markedDown) ?? []
        underReplicatedPartitions = try container.decodeIfPresent(Int.self, forKey: .underReplicatedPartitions) ?? 0
        underReplicatedSinceMicros = try container.decodeIfPresent(Int64.self, forKey: .underReplicatedSinceMicros) ?? 0
        moves = try container.decodeIfPresent([String: Int].self, forKey: .moves) ?? [:]
        recentActions = try container.decodeIfPresent([Action].self, forKey: .recentActions) ?? []
    }

    package init(controller: String, leadingSinceMicros: Int64) {
        self.controller = controller
        self.leadingSinceMicros = leadingSinceMicros
        self.updatedMicros = leadingSinceMicros
        self.epoch = 0
    }

    package mutating func record(_ text: String, epoch: UInt64, nowMicros: Int64) {
        recentActions.append(Action(timeMicros: nowMicros, epoch: epoch, text: text))
        if recentActions.count > Self.keptActions {
            recentActions.removeFirst(recentActions.count - Self.keptActions)
        }
    }

    /// For people: what `fsctl status` prints under "Controller".
    package func summary(nowMicros: Int64) -> String {
        func ago(_ micros: Int64) -> String { "\(max(0, (nowMicros - micros) / 1_000_000)) s ago" }
        var lines = ["Controller: \(controller), leading since \(ago(leadingSinceMicros)), last report \(ago(updatedMicros)) at epoch \(epoch)"]
        for down in downNodes {
            var line = "  \(down.node) silent since \(ago(down.silentSinceMicros))"
            if down.reReplicationAtMicros > nowMicros {
                line += "; its partitions are re-replicated in \((down.reReplicationAtMicros - nowMicros) / 1_000_000 + 1) s"
            }
            lines.append(line)
        }
        if underReplicatedPartitions > 0 {
            lines.append("  \(underReplicatedPartitions) partitions under-replicated since \(ago(underReplicatedSinceMicros))")
        }
        if !moves.isEmpty {
            lines.append("  moving: " + moves.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
        for action in recentActions.suffix(5) {
            lines.append("  \(ago(action.timeMicros)), epoch \(action.epoch): \(action.text)")
        }
        return lines.joined(separator: "\n")
    }
}
