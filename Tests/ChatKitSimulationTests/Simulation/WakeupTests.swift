import ChatKitCore
import Testing
import ChatKitTesting

/// Timers: a stream of chats, each acknowledged, leaves nothing behind that wakes a client or the server
/// once per chat later on (a deadline of a chat or request already answered, a relay's next send, a path
/// refresh pushed back by every ACK).
@Suite("Wake-ups after a stream of chats")
struct WakeupTests {
    @Test("after 400 acknowledged chats, the next second wakes the clients a few times, not once per chat")
    func streamLeavesNoPerChatWakeups() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let delivered = Self.stream(400, every: .microseconds(25), in: sim)
        #expect(delivered == 400)
        #expect(Self.timersFired(in: sim, during: .seconds(1)) < 10, "timers fired in the quiet second after the stream")
        #expect(Self.timersFired(in: sim, during: .seconds(30)) < 60, "timers fired in the next 30 s, when the path refreshes fall due")
    }

    @Test("after 100 chats through the relay, the next second wakes the server and the clients a few times")
    func relayedStreamLeavesNoPerChatWakeups() {
        let sim = Simulation(seed: 1)
        sim.startServer()
        sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.relayOnly = true }
        sim.run(for: .milliseconds(100))
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .milliseconds(100))
        let delivered = Self.stream(100, every: .microseconds(100), in: sim)
        #expect(delivered == 100)
        #expect(Self.timersFired(in: sim, during: .seconds(1)) < 10, "timers fired in the quiet second after the stream")
    }

    /// x greets y (so the session and path exist), then sends `count` chats `every` apart and lets them
    /// settle; returns how many x saw delivered.
    static func stream(_ count: Int, every spacing: Duration, in sim: Simulation) -> Int {
        sim.type("x", "send y hello")
        let before = sim["x"].shown.count
        for index in 1...count {
            sim["x"].console.type("send y stream \(index)")
            sim.run(for: spacing)
        }
        sim.run(for: .milliseconds(50))
        return sim["x"].shown(after: before).filter { $0 == .delivered(to: "y") }.count
    }

    /// How many timers (every client's, the server's and the network's) fired while `duration` passed.
    static func timersFired(in sim: Simulation, during duration: Duration) -> Int {
        let before = sim.clock.firedTimers
        sim.run(for: duration)
        return sim.clock.firedTimers - before
    }
}
