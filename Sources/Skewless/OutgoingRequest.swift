import NIOCore
import SkewlessWire

/// A request on its way to the node, with the promise its response completes.
struct OutgoingRequest: Sendable {
    var method: Skewless_V1_Method
    /// The encoded request message; the `ResponseDispatcher` wraps it in a `RequestFrame`
    /// with the request id it assigns and the time left until `deadline`.
    var payload: [UInt8]
    var response: EventLoopPromise<ResponseEnvelope>
    var deadline: NIODeadline
}
