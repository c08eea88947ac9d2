import NIOCore
import SkewlessWire

/// A request on its way to the node, with the promise its response completes.
struct OutgoingRequest: Sendable {
    /// `requestID` is assigned by the `ResponseDispatcher`.
    var frame: Skewless_V1_RequestFrame
    var response: EventLoopPromise<ResponseEnvelope>
    var deadline: NIODeadline
}
