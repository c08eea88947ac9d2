import SkewlessCluster
import SkewlessModel

/// Which reads of one feature service a node records in its served-feature log
/// (docs/served-log.md, "Sampling"): those whose request id hashes below the service's
/// `log_sample_rate` of the hash's range. Every node computes the same hash of the same id,
/// so a read is logged, or not, as a whole on every node it touches, and its retries too.
struct ServedLogPolicy: Sendable {
    let service: String
    let rate: Double
    /// A read is logged when `hash(requestID) < threshold`; every read when `rate` is 1.
    private let threshold: UInt64
    private let everyRead: Bool

    /// - Returns: nil for a service that logs nothing (rate 0).
    init?(service: FeatureService) {
        guard service.logSampleRate > 0 else { return nil }
        self.service = service.name
        self.rate = service.logSampleRate
        self.everyRead = service.logSampleRate >= 1
        // rate x 2^64, below 2^64 since rate < 1 here.
        self.threshold = everyRead ? .max : UInt64(service.logSampleRate * 18_446_744_073_709_551_616.0)
    }

    /// Whether the read named `requestID` is logged.
    func samples(requestID: String) -> Bool {
        everyRead || Self.hash(requestID) < threshold
    }

    /// xxHash64 (seed 0) of the id's UTF-8 bytes.
    static func hash(_ requestID: String) -> UInt64 {
        var id = requestID
        return id.withUTF8 { XXHash64.hash(UnsafeRawBufferPointer($0)) }
    }
}
