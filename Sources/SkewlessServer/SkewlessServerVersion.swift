/// The version of this build of the node, reported in the handshake.
package enum SkewlessServerVersion {
    package static let current = "0.1.0"
}
