/// An error with a code a program can act on and a message that tells a person what to do next.
///
/// Codes follow gRPC's status codes, so an error crosses the wire unchanged.
public struct SkewlessError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let cancelled = Code(rawValue: 1)
        public static let unknown = Code(rawValue: 2)
        /// The request is wrong: an unknown feature, a wrong type, a malformed key. Retrying will not help.
        public static let invalidArgument = Code(rawValue: 3)
        public static let deadlineExceeded = Code(rawValue: 4)
        public static let notFound = Code(rawValue: 5)
        public static let alreadyExists = Code(rawValue: 6)
        public static let permissionDenied = Code(rawValue: 7)
        /// A limit was hit (frame size, connections, batch size).
        public static let resourceExhausted = Code(rawValue: 8)
        /// The system is not in a state to serve this (for example a fail-closed view with stale rows).
        public static let failedPrecondition = Code(rawValue: 9)
        public static let aborted = Code(rawValue: 10)
        public static let outOfRange = Code(rawValue: 11)
        public static let unimplemented = Code(rawValue: 12)
        public static let `internal` = Code(rawValue: 13)
        /// The node cannot be reached or is shutting down; retrying elsewhere or later may help.
        public static let unavailable = Code(rawValue: 14)
        /// Stored data is corrupt or lost.
        public static let dataLoss = Code(rawValue: 15)
        public static let unauthenticated = Code(rawValue: 16)

        public var description: String {
            switch rawValue {
            case 1: return "cancelled"
            case 2: return "unknown"
            case 3: return "invalid argument"
            case 4: return "deadline exceeded"
            case 5: return "not found"
            case 6: return "already exists"
            case 7: return "permission denied"
            case 8: return "resource exhausted"
            case 9: return "failed precondition"
            case 10: return "aborted"
            case 11: return "out of range"
            case 12: return "unimplemented"
            case 13: return "internal"
            case 14: return "unavailable"
            case 15: return "data loss"
            case 16: return "unauthenticated"
            default: return "code \(rawValue)"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
