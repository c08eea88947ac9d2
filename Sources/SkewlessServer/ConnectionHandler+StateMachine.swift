import NIOCore
import SkewlessModel

extension ConnectionHandler {
    /// What one connection does next, decided from what happened to it (bytes read, a
    /// request decoded or answered, writes settled, a timer fired, quiesce, close), as a
    /// value: each event returns the action the handler carries out (read or hold reading,
    /// write an answer, settle writes, schedule a check, close). It holds no channel, no
    /// clock and no timer, so tests drive it step by step; `ConnectionHandler` keeps only
    /// the NIO plumbing.
    ///
    /// - The first request must be answered by the handshake; a refused handshake closes.
    /// - In flight (`inFlight`): long-running requests not yet answered, plus answers the
    ///   socket may not have taken yet. Answers are written without a promise each; at the
    ///   limit reading is held and the handler *settles* the writes (an empty write with a
    ///   promise after them, which completes once the socket has taken every write before it)
    ///   to learn how many were taken, and reading resumes below the limit.
    /// - A request's deadline counts from the read its bytes arrived in: all reads of one
    ///   read pass (up to `channelReadComplete`) share the time of the first.
    /// - The error budget: `maxInvalidRequestsInARow` answers in a row that refuse their
    ///   request as invalid or not allowed (`INVALID_ARGUMENT`, `UNIMPLEMENTED` or
    ///   `PERMISSION_DENIED`, undecodable frames included) close the connection after the
    ///   last of them; any other answer but `DEADLINE_EXCEEDED` and a rate limit's refusal
    ///   (which judge no payload) starts the count again.
    /// - A credential that expires (a JWT's `exp`) ends the connection at its next request,
    ///   answered `UNAUTHENTICATED`.
    /// - Fair turns: one connection keeps its event loop for at most `turnBudget` of requests
    ///   at a time (at least one request); the frames it sent beyond that wait, with reading
    ///   held, for its next turn, after the loop has served its other connections. One
    ///   pipelining client cannot monopolize a loop with a megabyte of requests.
    /// - Slowing down: after `slowAfterInvalid` invalid answers in a row, each next request of
    ///   the connection waits before it is read (1 ms, doubling, at most 250 ms), with reading
    ///   held: a client that only sends what fails costs the node almost nothing while its
    ///   error budget runs out, and its bytes wait in the socket.
    /// - Draining (quiesce): the connection keeps answering, and closes once nothing is in
    ///   flight and no bytes have arrived for the drain's quiet period.
    /// - Idle: no bytes for `idleTimeout` and no long-running request left closes it.
    ///
    /// No event allocates: the actions are enums and small structs.
    struct StateMachine {
        struct Limits: Sendable, Hashable {
            /// `NodeConfiguration.maxInFlightPerConnection`.
            var maxInFlight: Int
            /// `NodeConfiguration.idleTimeoutSeconds`.
            var idleTimeout: TimeAmount
            /// `NodeConfiguration.maxInvalidRequestsPerConnection`.
            var maxInvalidRequestsInARow: Int
            /// `NodeConfiguration.turnBudgetMicroseconds`.
            var turnBudget: TimeAmount
            /// `NodeConfiguration.slowDownAfterInvalidRequests`; 0: never.
            var slowAfterInvalid: Int

            init(
                maxInFlight: Int, idleTimeout: TimeAmount, maxInvalidRequestsInARow: Int, turnBudget: TimeAmount = .microseconds(200),
                slowAfterInvalid: Int = 4
            ) {
                self.maxInFlight = maxInFlight
                self.idleTimeout = idleTimeout
                self.maxInvalidRequestsInARow = maxInvalidRequestsInARow
                self.turnBudget = turnBudget
                self.slowAfterInvalid = slowAfterInvalid
            }

            init(_ configuration: NodeConfiguration) {
                self.init(
                    maxInFlight: configuration.maxInFlightPerConnection,
                    idleTimeout: .seconds(configuration.idleTimeoutSeconds),
                    maxInvalidRequestsInARow: configuration.maxInvalidRequestsPerConnection,
                    turnBudget: .microseconds(configuration.turnBudgetMicroseconds),
                    slowAfterInvalid: configuration.slowDownAfterInvalidRequests)
            }

            /// The longest pause of a connection being slowed down. Long enough that a client
            /// sending only garbage spends ~22 s reaching the default error budget: closing it
            /// sooner only lets it reconnect and fill a new socket with garbage (bench/README.md).
            static let longestSlowdownMilliseconds: Int64 = 250

            /// How long the next request waits after `invalidInARow` invalid answers in a row.
            func slowdown(afterInvalid invalidInARow: Int) -> TimeAmount? {
                guard slowAfterInvalid > 0, invalidInARow >= slowAfterInvalid else { return nil }
                let doublings = min(invalidInARow - slowAfterInvalid, 8)
                return .milliseconds(min(Int64(1) << Int64(doublings), Self.longestSlowdownMilliseconds))
            }
        }

        private enum Phase: Equatable {
            /// The channel is not active yet.
            case inactive
            /// Active; the first request must be a HANDSHAKE.
            case awaitingHandshake
            case serving
            /// The handler is closing the connection (after an error, a refused handshake,
            /// the error budget, idleness or a finished drain) or refused it: nothing more
            /// is read or answered. `holdsSlot`: it took one of the node's connection slots.
            case closing(holdsSlot: Bool)
            case closed
        }

        private enum Reading {
            case flowing
            /// At the in-flight limit: the pipeline's read requests are held until answers
            /// are written.
            case held
        }

        private enum Drain {
            case off
            /// Quiescing; `checkScheduled`: a drain check is pending (it closes the
            /// connection if it is still quiet and has nothing in flight then).
            case draining(checkScheduled: Bool)
        }

        private enum Barrier {
            case none
            /// A settling write is pending; it covers this many of the unwritten answers.
            case pending(covering: Int)
        }

        let limits: Limits
        private var phase = Phase.inactive
        private var reading = Reading.flowing
        private var drain = Drain.off
        private var barrier = Barrier.none
        /// Long-running requests (MATERIALIZE, WRITE_FEATURES, ...) not yet answered.
        private(set) var running = 0
        /// Answers handed to the pipeline that the socket may not have taken yet.
        private(set) var unwritten = 0
        /// Of `unwritten`, those written since the last settling write.
        private var unsettled = 0
        /// Answers in a row that refused their request as invalid.
        private(set) var invalidInARow = 0
        /// When bytes last arrived (at first: when the connection opened).
        private var lastArrival = NIODeadline.uptimeNanoseconds(0)
        /// When the first read of the current read pass happened; nil between passes.
        private(set) var readArrival: NIODeadline?
        /// When the connection's current turn (a read pass, or a resumed backlog) began.
        private var turnStart: NIODeadline?
        /// Requests answered in the current turn.
        private var answeredThisTurn = 0
        /// Frames the connection sent that wait for a later turn (`frameDecoded` said
        /// `.wait`): nil when none do. `arrival`: when they were read, for their deadlines.
        private var backlog: (arrival: NIODeadline, slowedDown: Bool)?
        /// The next frame is read without the slowdown: it is the one that waited for it.
        private var slowdownServed = false

        init(limits: Limits) {
            self.limits = limits
        }

        /// What counts against the in-flight limit: requests not yet answered (a backlog of
        /// frames waiting for a turn counts as one) and answers the socket may not have taken yet.
        var inFlight: Int { running + unwritten + (backlog == nil ? 0 : 1) }

        /// Whether frames wait for a later turn: bytes read meanwhile are kept behind them.
        var hasBacklog: Bool { backlog != nil }

        /// True once the handler is closing (or has closed) the connection: frames still
        /// being split from the last read are not answered.
        var isClosing: Bool {
            switch phase {
            case .closing, .closed: return true
            case .inactive, .awaitingHandshake, .serving: return false
            }
        }

        // MARK: - Opening and closing

        enum OnActive: Equatable {
            /// Serve the connection; check for idleness then.
            case serve(idleCheckAt: NIODeadline)
            /// The node is at its connection limit: tell the client (`RESOURCE_EXHAUSTED`) and close.
            case refuse
        }

        /// The channel became active at `now`; `slotAcquired`: the node had a connection slot for it.
        mutating func channelActive(slotAcquired: Bool, now: NIODeadline) -> OnActive {
            assert(phase == .inactive, "a channel becomes active once")
            guard slotAcquired else {
                phase = .closing(holdsSlot: false)
                return .refuse
            }
            phase = .awaitingHandshake
            lastArrival = now
            return .serve(idleCheckAt: now + limits.idleTimeout)
        }

        struct OnInactive: Equatable {
            /// Give the connection slot back to the node.
            var releaseSlot: Bool
            /// The client closed the connection (not the handler): check whether it did so
            /// inside a frame, to log it.
            var checkForPartialFrame: Bool
        }

        /// The channel became inactive. The handler cancels its checks.
        mutating func channelInactive() -> OnInactive {
            let action: OnInactive
            switch phase {
            case .inactive, .closed:
                action = OnInactive(releaseSlot: false, checkForPartialFrame: false)
            case .awaitingHandshake, .serving:
                action = OnInactive(releaseSlot: true, checkForPartialFrame: true)
            case .closing(let holdsSlot):
                action = OnInactive(releaseSlot: holdsSlot, checkForPartialFrame: false)
            }
            phase = .closed
            return action
        }

        enum OnClose: Equatable {
            case close
            /// The connection is already closing: do nothing more.
            case none
        }

        /// The handler must close the connection (an error in the pipeline, a stream that can
        /// no longer be split into frames, a response it could not encode).
        mutating func closeRequested() -> OnClose {
            switch phase {
            case .awaitingHandshake, .serving:
                phase = .closing(holdsSlot: true)
                return .close
            case .inactive:
                phase = .closing(holdsSlot: false)
                return .close
            case .closing, .closed:
                return .none
            }
        }

        // MARK: - Reading

        enum OnRead: Equatable {
            /// The connection is closing: drop the bytes.
            case ignore
            /// Split the bytes into frames and answer them. `cancelDrainCheck`: bytes arrived,
            /// so the drain's quiet period starts again once they are answered.
            case decode(cancelDrainCheck: Bool)
        }

        /// The socket delivered bytes at `now`.
        mutating func bytesRead(now: NIODeadline) -> OnRead {
            guard !isClosing else { return .ignore }
            let arrival = readArrival ?? now
            readArrival = arrival
            lastArrival = arrival
            if turnStart == nil {
                turnStart = now
                answeredThisTurn = 0
            }
            if case .draining(checkScheduled: true) = drain {
                drain = .draining(checkScheduled: false)
                return .decode(cancelDrainCheck: true)
            }
            return .decode(cancelDrainCheck: false)
        }

        /// The read pass ended: the handler flushes the answers, then carries out the result.
        mutating func readComplete() -> WriteProgress {
            readArrival = nil
            turnStart = nil
            guard case .draining = drain else { return WriteProgress() }
            return progress()
        }

        enum OnReadRequest: Equatable {
            /// Pass the read request on.
            case read
            /// Hold it (the connection is at its in-flight limit, or closing); `settleWrites`:
            /// write a settling barrier to learn when answers are written.
            case hold(settleWrites: Bool)
        }

        /// The pipeline asks to read more from the socket.
        mutating func readRequested() -> OnReadRequest {
            guard !isClosing else { return .hold(settleWrites: false) }
            if backlog != nil {
                // The backlog's resumption reads again once it is answered.
                reading = .held
                return .hold(settleWrites: false)
            }
            guard inFlight >= limits.maxInFlight else { return .read }
            reading = .held
            return .hold(settleWrites: startSettling())
        }

        // MARK: - Turns

        /// When the frames left wait until.
        enum Resume: Equatable {
            /// The loop's next turn: after its other connections have been served.
            case nextTurn
            /// The slowdown of a connection sending invalid requests.
            case after(TimeAmount)
        }

        enum OnFrame: Equatable {
            /// Answer it now (then report `requestDecoded` and its answer as usual).
            case answer
            /// Keep it, and every byte read after it, for a later turn; hold reading; resume
            /// then (`resumeFired`).
            case wait(Resume)
            /// The connection is closing: drop it and stop splitting frames.
            case stop
        }

        /// A frame was split from the bytes read, at `now`: answer it now or in a later turn.
        mutating func frameDecoded(now: NIODeadline) -> OnFrame {
            guard !isClosing else { return .stop }
            if !slowdownServed, let delay = limits.slowdown(afterInvalid: invalidInARow) {
                backlog = (readArrival ?? now, true)
                return .wait(.after(delay))
            }
            if answeredThisTurn > 0, let start = turnStart, now - start >= limits.turnBudget {
                backlog = (readArrival ?? now, false)
                return .wait(.nextTurn)
            }
            slowdownServed = false
            answeredThisTurn += 1
            return .answer
        }

        enum OnResume: Equatable {
            /// Answer the frame that waited (through `frameDecoded`), then the bytes read
            /// after it; then report `resumeFinished`.
            case decode
            /// The connection is closing, or nothing waits.
            case none
        }

        /// A waiting backlog's turn came at `now`.
        mutating func resumeFired(now: NIODeadline) -> OnResume {
            guard !isClosing, let waiting = backlog else { return .none }
            backlog = nil
            slowdownServed = waiting.slowedDown
            turnStart = now
            answeredThisTurn = 0
            // The frames keep the deadline of the read they arrived in.
            readArrival = waiting.arrival
            return .decode
        }

        /// The resumed turn ended: the handler flushes, then carries out the result (reading
        /// again when nothing waits any more).
        mutating func resumeFinished() -> WriteProgress {
            readArrival = nil
            turnStart = nil
            guard !isClosing, backlog == nil else { return WriteProgress() }
            return progress()
        }

        // MARK: - Requests and answers

        enum OnRequest: Equatable {
            /// The connection is closing: drop it.
            case ignore
            /// The first request: answer it with the handshake, then report `handshakeAnswered`.
            case handshake
            /// It waited on the node for its whole `timeout_micros`: answer `DEADLINE_EXCEEDED`
            /// without executing it, then report `answered(failure: .deadlineExceeded)`.
            case answerDeadlineExceeded(waitedMicros: Int64)
            /// Execute it, then report `answered` (or `longRequestStarted` for one answered later).
            case execute
        }

        /// A request frame was decoded at `now`; `timeoutMicros` is its deadline (0: none),
        /// counted from the read its bytes arrived in.
        mutating func requestDecoded(timeoutMicros: UInt64, now: NIODeadline) -> OnRequest {
            switch phase {
            case .inactive, .closing, .closed:
                return .ignore
            case .awaitingHandshake:
                return .handshake
            case .serving:
                guard timeoutMicros > 0, let arrival = readArrival else { return .execute }
                let waitedMicros = (now - arrival).nanoseconds / 1_000
                return waitedMicros >= Int64(clamping: timeoutMicros) ? .answerDeadlineExceeded(waitedMicros: waitedMicros) : .execute
            }
        }

        /// Why the connection closes after an answer.
        enum CloseReason: Equatable {
            /// The answer refused the handshake.
            case handshakeRefused
            /// The answer was the last of this many invalid requests in a row: the handler
            /// tells the client why (request id 0) after it.
            case invalidRequests(inARow: Int)
            /// The answer said the connection's credential has expired.
            case credentialExpired
        }

        enum OnAnswer: Equatable {
            /// Write the answer (flushed at the end of the read pass).
            case write
            /// Write the answer, then close the connection once it is written.
            case writeThenClose(CloseReason)
            /// The connection is closing: drop the answer.
            case drop
        }

        /// The handshake was answered: accepted, or refused (the connection then closes).
        mutating func handshakeAnswered(accepted: Bool) -> OnAnswer {
            guard phase == .awaitingHandshake else { return .drop }
            countWrite()
            if accepted {
                phase = .serving
                invalidInARow = 0
                return .write
            }
            phase = .closing(holdsSlot: true)
            return .writeThenClose(.handshakeRefused)
        }

        /// A frame's body is not a valid RequestFrame: it is answered `INVALID_ARGUMENT`
        /// (request id 0), and counts against the error budget.
        mutating func frameUndecodable() -> OnAnswer {
            answered(failure: .invalidArgument)
        }

        /// A request was refused for its principal's rate limit (`RESOURCE_EXHAUSTED`): it
        /// neither counts against the error budget nor starts it again.
        mutating func rateLimited() -> OnAnswer {
            guard !isClosing else { return .drop }
            countWrite()
            return .write
        }

        /// A request arrived after the connection's credential expired: answer it
        /// `UNAUTHENTICATED` and close.
        mutating func credentialExpired() -> OnAnswer {
            guard !isClosing else { return .drop }
            countWrite()
            phase = .closing(holdsSlot: true)
            return .writeThenClose(.credentialExpired)
        }

        /// A request was answered at once; `failure`: the answer's status code, nil when OK.
        mutating func answered(failure: SkewlessError.Code?) -> OnAnswer {
            guard !isClosing else { return .drop }
            countWrite()
            if let close = judge(failure) {
                return .writeThenClose(close)
            }
            return .write
        }

        /// A request will be answered later, off the event loop: it counts as in flight
        /// until its answer is written, so a drain waits for it and idleness is not checked.
        mutating func longRequestStarted() {
            running += 1
        }

        enum OnLateAnswer: Equatable {
            /// Write and flush the answer, then carry out the progress.
            case write(WriteProgress)
            case writeThenClose(CloseReason)
            /// The connection is closing: drop the answer.
            case drop
        }

        /// A long-running request has its answer; `failure`: its status code, nil when OK.
        mutating func longRequestFinished(failure: SkewlessError.Code?) -> OnLateAnswer {
            running -= 1
            guard !isClosing else { return .drop }
            countWrite()
            if let close = judge(failure) {
                return .writeThenClose(close)
            }
            return .write(progress())
        }

        private mutating func countWrite() {
            unwritten += 1
            unsettled += 1
        }

        /// Applies the error budget to an answer: the reason to close after it, if any.
        private mutating func judge(_ failure: SkewlessError.Code?) -> CloseReason? {
            guard let failure else {
                invalidInARow = 0
                return nil
            }
            if failure == .invalidArgument || failure == .unimplemented || failure == .permissionDenied {
                invalidInARow += 1
                guard invalidInARow >= limits.maxInvalidRequestsInARow else { return nil }
                phase = .closing(holdsSlot: true)
                return .invalidRequests(inARow: invalidInARow)
            }
            if failure != .deadlineExceeded {
                invalidInARow = 0
            }
            return nil
        }

        // MARK: - Writes

        /// What follows from answers having been written, or maybe written.
        struct WriteProgress: Equatable {
            enum Next: Equatable {
                case none
                /// Write a settling barrier: an empty write with a promise, after the answers;
                /// report `writesSettled` when it completes.
                case settleWrites
                /// The draining connection has nothing in flight: close it if it is still
                /// quiet after the drain's quiet period (report `drainCheckFired` then),
                /// replacing a check already scheduled.
                case scheduleDrainCheck
            }

            /// Reading was held at the in-flight limit and may resume: pass a read request on.
            var resumeReading = false
            var next = Next.none
        }

        /// The settling barrier completed: every answer written before it has been taken by
        /// the socket (or the channel failed).
        mutating func writesSettled() -> WriteProgress {
            guard case .pending(let covered) = barrier else { return WriteProgress() }
            barrier = .none
            unwritten -= covered
            guard !isClosing else { return WriteProgress() }
            return progress()
        }

        /// Resumes held reading once below the limit, and lets a draining connection close once
        /// nothing is in flight; settles the writes again when that is still unknown.
        private mutating func progress() -> WriteProgress {
            var result = WriteProgress()
            // Frames waiting for a turn keep reading held until they are answered.
            if case .held = reading, backlog == nil {
                // Reading resumes during a drain too: requests already in the socket must
                // still be answered during a graceful shutdown.
                if inFlight < limits.maxInFlight {
                    reading = .flowing
                    result.resumeReading = true
                } else if startSettling() {
                    result.next = .settleWrites
                }
            }
            if case .draining = drain {
                if inFlight == 0 {
                    drain = .draining(checkScheduled: true)
                    result.next = .scheduleDrainCheck
                } else if startSettling() {
                    result.next = .settleWrites
                }
            }
            return result
        }

        /// Starts a settling barrier when there are answers it would cover and none is pending.
        private mutating func startSettling() -> Bool {
            guard unsettled > 0, case .none = barrier else { return false }
            barrier = .pending(covering: unsettled)
            unsettled = 0
            return true
        }

        // MARK: - Drain and idleness

        enum OnQuiesce: Equatable {
            /// Start draining: flush, and schedule a drain check.
            case startDraining
            /// Already draining or closing.
            case none
        }

        /// The node shuts down gracefully: keep answering what arrives, close once quiet.
        mutating func quiesce() -> OnQuiesce {
            guard !isClosing, case .off = drain else { return .none }
            drain = .draining(checkScheduled: true)
            return .startDraining
        }

        enum OnDrainCheck: Equatable {
            /// Quiet with nothing in flight: close the connection.
            case close
            /// Answers may still be unwritten: write a settling barrier (its completion
            /// schedules the next check).
            case settleWrites
            case none
        }

        /// A drain check fired.
        mutating func drainCheckFired() -> OnDrainCheck {
            guard !isClosing, case .draining = drain else { return .none }
            drain = .draining(checkScheduled: false)
            if inFlight == 0 {
                phase = .closing(holdsSlot: true)
                return .close
            }
            // A long-running request still running schedules the next check when answered.
            return startSettling() ? .settleWrites : .none
        }

        enum OnIdleCheck: Equatable {
            /// Check again then.
            case reschedule(at: NIODeadline)
            /// No bytes for the idle timeout and nothing running: close the connection.
            case close
            case none
        }

        /// The idle check fired at `now`.
        mutating func idleCheckFired(now: NIODeadline) -> OnIdleCheck {
            guard !isClosing, phase != .inactive else { return .none }
            if running > 0 || backlog != nil {  // a long request (MATERIALIZE), or frames waiting for a turn
                return .reschedule(at: now + limits.idleTimeout)
            }
            if now - lastArrival < limits.idleTimeout {
                return .reschedule(at: lastArrival + limits.idleTimeout)
            }
            phase = .closing(holdsSlot: true)
            return .close
        }
    }
}
