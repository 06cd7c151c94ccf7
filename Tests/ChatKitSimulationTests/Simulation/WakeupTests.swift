import ChatKitCore
import Testing
import ChatKitTesting

/// Timers: a stream of chats, each acknowledged, leaves nothing behind that wakes a client once per chat
/// later on (a deadline of a chat already acknowledged, a path refresh pushed back by every ACK).
@Suite("Wake-ups after a stream of chats")
struct WakeupTests {
    @Test("after 400 acknowledged chats, the next second wakes the clients a few times, not once per chat")
    func streamLeavesNoPerChatWakeups() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("x", "send y hello")
        let before = sim["x"].shown.count
        for index in 1...400 {
            sim["x"].console.type("send y stream \(index)")
            sim.run(for: .microseconds(25))
        }
        sim.run(for: .milliseconds(10))
        #expect(sim["x"].shown(after: before) == Array(repeating: .delivered(to: "y"), count: 400))
        let fired = sim.clock.firedTimers
        sim.run(for: .seconds(1))
        #expect(sim.clock.firedTimers - fired < 10, "timers fired in the quiet second after the stream")
        let quiet = sim.clock.firedTimers
        sim.run(for: .seconds(30))
        #expect(sim.clock.firedTimers - quiet < 60, "timers fired in the next 30 s, when the path refreshes fall due")
    }

    @Test("after 100 chats through the relay, the next second wakes the server and the clients a few times")
    func relayedStreamLeavesNoPerChatWakeups() {
        let sim = Simulation(seed: 1)
        sim.startServer()
        sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.relayOnly = true }
        sim.run(for: .milliseconds(100))
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .milliseconds(100))
        sim.type("x", "send y hello")
        let before = sim["x"].shown.count
        for index in 1...100 {
            sim["x"].console.type("send y relayed \(index)")
            sim.run(for: .microseconds(100))
        }
        sim.run(for: .milliseconds(50))
        #expect(sim["x"].shown(after: before).filter { $0 == .delivered(to: "y") }.count == 100)
        let fired = sim.clock.firedTimers
        sim.run(for: .seconds(1))
        #expect(sim.clock.firedTimers - fired < 10, "timers fired in the quiet second after the stream")
    }
}
