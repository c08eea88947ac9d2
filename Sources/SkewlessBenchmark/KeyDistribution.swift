import SkewlessModel
/// How entity ids are drawn from the loaded key space.
package enum KeyDistribution: Sendable, Hashable, CustomStringConvertible {
    /// Every loaded id equally likely.
    case uniform
    /// Hot keys: rank r drawn with probability proportional to 1 / r^skew; ranks are
    /// scattered over the id space so hot ids are not neighbours.
    case zipfian(skew: Double)

    /// Parses "uniform", "zipfian" (skew 0.99) or "zipfian:1.2".
    package init(parsing text: String) throws(SkewlessError) {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "uniform" where parts.count == 1:
            self = .uniform
        case "zipfian", "zipf":
            guard parts.count == 2 else {
                self = .zipfian(skew: 0.99)
                return
            }
            guard let skew = Double(parts[1]), skew > 0, skew.isFinite else {
                throw SkewlessError(.invalidArgument, "'\(text)': the Zipfian skew after ':' must be a number above 0, as in zipfian:0.99")
            }
            self = .zipfian(skew: skew)
        default:
            throw SkewlessError(.invalidArgument, "unknown key distribution '\(text)'; use uniform, zipfian or zipfian:SKEW (e.g. zipfian:0.99)")
        }
    }

    package var description: String {
        switch self {
        case .uniform: return "uniform"
        case .zipfian(let skew): return "zipfian:\(skew)"
        }
    }
}
