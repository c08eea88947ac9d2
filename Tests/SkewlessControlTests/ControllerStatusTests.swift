import Foundation
import SkewlessControl
import Testing

struct ControllerStatusTests {
    @Test func roundTripsWithTheDocumentedKeysAndKeepsTheNewestActions() throws {
        var status = ControllerStatus(controller: "node-1", leadingSinceMicros: 1_000_000)
        status.epoch = 7
        status.downNodes = [.init(node: "node-2", silentSinceMicros: 2_000_000, reReplicationAtMicros: 62_000_000)]
        status.markedDown = ["node-2"]
        status.underReplicatedPartitions = 12
        status.underReplicatedSinceMicros = 2_500_000
        status.moves = ["loading": 3]
        for index in 0..<25 {
            status.record("action \(index)", epoch: UInt64(index), nowMicros: Int64(index))
        }
        #expect(status.recentActions.count == ControllerStatus.keptActions)
        #expect(status.recentActions.first?.text == "action 5")
        let json = try JSONEncoder().encode(status)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == [
            "controller", "leading_since_micros", "updated_micros", "epoch", "down_nodes", "marked_down",
            "under_replicated_partitions", "under_replicated_since_micros", "moves", "recent_actions",
        ])
        #expect(try JSONDecoder().decode(ControllerStatus.self, from: json) == status)
    }

    @Test func aStatusWithoutTheOptionalKeysStillDecodes() throws {
        let json = #"{"controller":"c","leading_since_micros":1,"updated_micros":2,"epoch":3}"#
        let status = try JSONDecoder().decode(ControllerStatus.self, from: Data(json.utf8))
        #expect(status.markedDown.isEmpty)
        #expect(status.recentActions.isEmpty)
        #expect(status.epoch == 3)
    }

    @Test func theSummarySaysWhoLeadsWhatIsDownAndWhenItIsReReplicated() {
        var status = ControllerStatus(controller: "node-1", leadingSinceMicros: 0)
        status.updatedMicros = 10_000_000
        status.epoch = 4
        status.downNodes = [.init(node: "node-3", silentSinceMicros: 5_000_000, reReplicationAtMicros: 65_000_000)]
        status.underReplicatedPartitions = 300
        status.underReplicatedSinceMicros = 5_000_000
        status.record("marked node-3 down: it stopped answering", epoch: 4, nowMicros: 8_000_000)
        let text = status.summary(nowMicros: 10_000_000)
        #expect(text.contains("Controller: node-1, leading since 10 s ago"))
        #expect(text.contains("node-3 silent since 5 s ago; its partitions are re-replicated in 56 s"))
        #expect(text.contains("300 partitions under-replicated since 5 s ago"))
        #expect(text.contains("2 s ago, epoch 4: marked node-3 down"))
    }
}
