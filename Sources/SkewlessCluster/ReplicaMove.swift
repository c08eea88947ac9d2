/// One replica of a partition changing nodes: the node in `slot` of the partition's replica
/// list becomes `to` instead of `from`.
package struct ReplicaMove: Sendable, Hashable, Codable, CustomStringConvertible {
    package var partition: Int
    package var slot: Int
    package var from: NodeID
    package var to: NodeID

    package init(partition: Int, slot: Int, from: NodeID, to: NodeID) {
        self.partition = partition
        self.slot = slot
        self.from = from
        self.to = to
    }

    package var description: String { "partition \(partition) replica \(slot): \(from) -> \(to)" }
}
