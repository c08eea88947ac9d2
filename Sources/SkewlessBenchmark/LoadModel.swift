/// How requests are sent.
package enum LoadModel: Sendable, Hashable, CustomStringConvertible {
    /// Each of `connections` connections keeps `inFlight` requests outstanding: a new request
    /// goes out as soon as one completes. Latency is from send to response. Measures
    /// throughput; hides stalls (a slow response delays the requests behind it unrecorded).
    case closed(connections: Int, inFlight: Int)
    /// Requests are due at a fixed rate, spread over `connections` with up to `inFlight`
    /// outstanding on each. Latency is from each request's intended send time, so a stall
    /// counts against every request that should have gone out during it (no coordinated
    /// omission).
    case open(rate: Double, connections: Int, inFlight: Int)

    package var connections: Int {
        switch self {
        case .closed(let connections, _), .open(_, let connections, _): return connections
        }
    }

    package var inFlight: Int {
        switch self {
        case .closed(_, let inFlight), .open(_, _, let inFlight): return inFlight
        }
    }

    package var description: String {
        switch self {
        case .closed(let connections, let inFlight):
            return "closed loop, \(connections) connection\(connections == 1 ? "" : "s") x \(inFlight) in flight"
        case .open(let rate, let connections, let inFlight):
            return "open loop at \(Int(rate)) req/s, \(connections) connection\(connections == 1 ? "" : "s") x up to \(inFlight) in flight"
        }
    }
}
