/// One key of etcd as a range answers it (etcd's `mvccpb.KeyValue`).
package struct EtcdKeyValue: Sendable, Hashable {
    /// The key, as UTF-8 (every key this project writes is text).
    package var key: String
    /// The value's bytes.
    package var value: [UInt8]
    /// The revision of the put that created the key (since it was last deleted).
    package var createRevision: Int64
    /// The revision of the last put to the key: what `compareAndSwap` compares.
    package var modRevision: Int64
    /// How many times the key was put since it was created (1 after the first put).
    package var version: Int64
    /// The lease the key is attached to; 0 when none.
    package var lease: Int64

    package init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}
