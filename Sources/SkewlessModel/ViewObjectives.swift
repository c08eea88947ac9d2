/// What a feature view promises, as declared in its repo's `objectives:` block, for
/// `fsctl check` and `fsctl drift` to hold it to. Every part is optional: an absent one is
/// not checked.
public struct ViewObjectives: Sendable, Hashable {
    /// The newest event time of the view's rows may be at most this old (seconds).
    public var maxStalenessSeconds: Int64?
    /// The share of lookups that must find a value, 0...1.
    public var minCompleteness: Double?
    /// A feature has drifted when its population stability index against the reference is
    /// above this (0.1 is a common "watch", 0.25 a common "act").
    public var maxPSI: Double?
    /// A feature has drifted when the Kolmogorov-Smirnov distance between the reference and
    /// current distributions is above this (0...1).
    public var maxKS: Double?

    public init(maxStalenessSeconds: Int64? = nil, minCompleteness: Double? = nil, maxPSI: Double? = nil, maxKS: Double? = nil) {
        self.maxStalenessSeconds = maxStalenessSeconds
        self.minCompleteness = minCompleteness
        self.maxPSI = maxPSI
        self.maxKS = maxKS
    }

    /// The drift thresholds used when a view declares none: PSI 0.25 and KS 0.1.
    public static let defaultMaxPSI = 0.25
    public static let defaultMaxKS = 0.1
}
