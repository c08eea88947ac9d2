/// What a live node publishes about itself in the control plane (`nodes/<node-id>` in
/// `ControlStore`), attached to its lease so it disappears when the node stops renewing it.
///
/// JSON, keys snake_case: `{"address": "10.0.0.5:7421", "started_micros": 1765100000000000, "version": "0.1.0"}`.
package struct NodeRegistration: Sendable, Hashable, Codable {
    /// Where the node serves, `host:port` (`[v6]:port` for an IPv6 address).
    package var address: String
    /// When the node's process started, in µs since the Unix epoch: a new value means the
    /// node restarted (and may have lost what it held only in memory).
    package var startedMicros: Int64
    /// The node's software version.
    package var version: String

    package init(address: String, startedMicros: Int64, version: String) {
        self.address = address
        self.startedMicros = startedMicros
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case address
        case startedMicros = "started_micros"
        case version
    }
}
