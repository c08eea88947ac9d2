import SkewlessModel
import Testing
@testable import Skewless

/// The client's lifecycle as a value: which transitions take calls, run once, and shut the
/// transport down how.
@Suite struct FeatureClientStateMachineTests {
    typealias Machine = FeatureClient.StateMachine

    @Test func aClientTakesCallsFromItsInitUntilItsShutdown() throws {
        var machine = Machine()
        #expect(machine.acceptsCalls, "init and close() work without run()")
        try machine.run()
        #expect(machine.acceptsCalls)
        #expect(machine.beginGracefulShutdown().transport == .graceful)
        #expect(!machine.acceptsCalls)
        #expect(machine.beginGracefulShutdown().transport == nil, "once")
        #expect(machine.close().transport == .immediate, "a close during the drain fails what is left")
        #expect(machine.close().transport == nil)
        machine.closed()
        #expect(!machine.acceptsCalls)
    }

    @Test func runRunsOnceAndNotAfterTheShutdown() throws {
        var machine = Machine()
        try machine.run()
        let again = #expect(throws: SkewlessError.self) { try machine.run() }
        #expect(again?.code == .failedPrecondition)
        #expect(again?.message.contains("runs once") == true)

        var closed = Machine()
        _ = closed.close()
        let late = #expect(throws: SkewlessError.self) { try closed.run() }
        #expect(late == FeatureClient.shutDown)

        var drained = Machine()
        _ = drained.beginGracefulShutdown()
        drained.closed()
        #expect(throws: SkewlessError.self) { try drained.run() }
    }

    @Test func closingAnIdleClientShutsItsTransportAtOnce() {
        var machine = Machine()
        let action = machine.close()
        #expect(action.transport == .immediate)
        #expect(action.resume == nil, "nobody waits in run()")
        #expect(!machine.acceptsCalls)
    }
}
