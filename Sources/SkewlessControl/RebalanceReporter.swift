/// Where the rebalance coordinator tells how it is doing: fsctl prints, the controller logs.
package protocol RebalanceReporter: AnyObject {
    /// A step began or ended: "epoch 5: flipped 512 partitions".
    func step(_ text: String)
    /// What a wait stands at (redrawn in place on a terminal).
    func waiting(_ text: String)
    /// Something to know that is not a step.
    func warn(_ text: String)
}
