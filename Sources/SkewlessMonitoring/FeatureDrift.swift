import Foundation

import SkewlessModel

/// How far one feature's current distribution is from its reference, as `fsctl drift`
/// reports it.
package struct FeatureDrift: Sendable, Hashable, Codable {
    package var feature: String
    package var type: String
    /// Non-null values in each window.
    package var referenceCount: Int
    package var currentCount: Int
    /// The share of rows in each window whose value was null.
    package var referenceNullShare: Double
    package var currentNullShare: Double
    package var psi: Double
    /// nil for categorical features (strings, bools), which have no order.
    package var ks: Double?
    /// Whether PSI or KS is above the view's threshold (or a window is empty: nothing to compare).
    package var drifted: Bool
    /// Why, in words, when `drifted`.
    package var reason: String?
    /// The bins PSI compared, for plots: each bin's label and its share in each window.
    package var bins: [Bin]

    package struct Bin: Sendable, Hashable, Codable {
        package var label: String
        package var reference: Double
        package var current: Double
    }
}
