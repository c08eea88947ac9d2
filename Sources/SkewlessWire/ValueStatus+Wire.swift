import SkewlessModel

extension Skewless_V1_ValueStatus {
    package init(_ status: ValueStatus) {
        switch status.storage {
        case .present: self = .present
        case .notFound: self = .notFound
        case .nullValue: self = .nullValue
        case .outsideTTL: self = .outsideTtl
        case .defaulted: self = .defaulted
        }
    }
}

extension ValueStatus {
    /// Nil for a status this build does not know (a newer peer): the caller reports it.
    package init?(wire: Skewless_V1_ValueStatus) {
        switch wire {
        case .present: self = .present
        case .notFound: self = .notFound
        case .nullValue: self = .nullValue
        case .outsideTtl: self = .outsideTTL
        case .defaulted: self = .defaulted
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}

extension Skewless_V1_StalenessPolicy {
    package init(_ policy: StalenessPolicy) {
        switch policy {
        case .serveFlagged: self = .serveFlagged
        case .serveDefault: self = .serveDefault
        case .failClosed: self = .failClosed
        }
    }
}

extension StalenessPolicy {
    package init?(wire: Skewless_V1_StalenessPolicy) {
        switch wire {
        case .serveFlagged: self = .serveFlagged
        case .serveDefault: self = .serveDefault
        case .failClosed: self = .failClosed
        case .unspecified, .UNRECOGNIZED: return nil
        }
    }
}
