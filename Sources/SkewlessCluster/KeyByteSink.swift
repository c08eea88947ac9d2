/// Where an entity key's canonical bytes go: straight into the routing hash on the hot path,
/// or into an array when the bytes themselves are wanted (tests, docs, debugging).
package protocol KeyByteSink {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
}

extension XXHash64: KeyByteSink {}

extension Array: KeyByteSink where Element == UInt8 {
    package mutating func append(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }
}
