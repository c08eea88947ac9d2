import SkewlessModel

/// What one node answered for some rows of a routed read: the request rows it was sent (in
/// the order sent) and its columns for them.
struct RoutedPiece: Sendable {
    let rows: [Int]
    let columns: [ServedColumn]
    /// The node that answered, for error messages.
    let endpoint: Endpoint
}
