import Synchronization

/// The write log records this node applied as a replica, by (view, coordinator node,
/// sequence number), most recent first forgotten last: what its `LogFollower` need not apply
/// again. Bounded (`capacity` per view, oldest forgotten first), so a record it forgot is
/// just applied twice, which changes nothing.
final class AppliedRecords: Sendable {
    struct Record: Hashable, Sendable {
        var node: String
        var sequence: UInt64
    }

    private struct Recent {
        var set: Set<Record> = []
        var order: [Record] = []
        var head = 0
    }

    private let views = Mutex<[String: Recent]>([:])
    private let capacity: Int

    init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    func note(view: String, node: String, sequence: UInt64) {
        guard !node.isEmpty, sequence > 0 else { return }
        views.withLock { views in
            var recent = views[view] ?? Recent()
            let record = Record(node: node, sequence: sequence)
            guard recent.set.insert(record).inserted else { return }
            recent.order.append(record)
            if recent.order.count - recent.head > capacity {
                recent.set.remove(recent.order[recent.head])
                recent.head += 1
                if recent.head * 2 > recent.order.count {
                    recent.order.removeFirst(recent.head)
                    recent.head = 0
                }
            }
            views[view] = recent
        }
    }

    func contains(view: String, node: String, sequence: UInt64) -> Bool {
        views.withLock { $0[view]?.set.contains(Record(node: node, sequence: sequence)) ?? false }
    }
}
