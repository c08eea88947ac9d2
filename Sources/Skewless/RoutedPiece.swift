import SkewlessModel
import SkewlessWire

/// What one node answered for some rows of a routed read: the request rows it was sent (in
/// the order sent) and its answer for them.
struct RoutedPiece: Sendable {
    let rows: [Int]
    let answer: ReceivedFeatures
    /// The node that answered, for error messages.
    let endpoint: Endpoint
}
