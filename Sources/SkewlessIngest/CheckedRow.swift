import SkewlessModel

/// A row that passed `RowValidator`: what `put` sends as one `FeatureWrite`. Its own type
/// so that reading and checking input needs only the model, not the networking SDK.
package struct CheckedRow: Sendable, Hashable {
    /// Join key name -> value, for every join key of the view.
    package var entity: [String: KeyPart]
    /// Microseconds since the epoch.
    package var eventTime: Int64
    /// Microseconds since the epoch; nil lets the node stamp its receive time.
    package var createdTime: Int64?
    /// Field name -> value; nil (or absent) is null.
    package var values: [String: FeatureValue?]
}
