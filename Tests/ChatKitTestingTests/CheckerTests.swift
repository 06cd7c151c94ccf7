import ChatKitCore
import ChatKitTesting
import Testing

/// The checkers on their own: each broken promise is found, and named by its class.
@Suite("Checkers")
struct CheckerTests {
    static let t0 = Instant.zero

    @Test("delivery: silence, a message shown twice, one nobody sent, one confirmed but never shown, an answer without a command")
    func delivery() {
        var checker = DeliveryChecker()
        checker.started(0, nick: "x")
        checker.started(1, nick: "y")
        for id in [0, 1] { checker.shown(.registered, by: id, at: Self.t0) }
        #expect(checker.processes[0]?.isIdle == true)
        checker.typed(.send(to: "y", text: "one"), into: 0)
        #expect(checker.processes[0]?.isIdle == false)
        checker.shown(.delivered(to: "y"), by: 0, at: Self.t0)
        checker.shown(.chat(from: "x", text: "one"), by: 1, at: Self.t0)
        #expect(checker.failures.isEmpty, "a delivered, shown message breaks nothing")
        checker.shown(.chat(from: "x", text: "one"), by: 1, at: Self.t0)
        checker.shown(.chat(from: "z", text: "forged"), by: 1, at: Self.t0)
        checker.shown(.savedByServer, by: 0, at: Self.t0)
        checker.typed(.send(to: "y", text: "two"), into: 0)
        checker.shown(.savedByServer, by: 0, at: Self.t0)
        checker.typed(.send(to: "y", text: "three"), into: 0)
        checker.finish()
        #expect(checker.failures == [
            .shownTwice(process: "y#1", text: "one"), .shownButNeverSent(process: "y#1", sender: "z", text: "forged"),
            .answerWithoutCommand(process: "x#0", notice: .savedByServer),
            .confirmedButNeverShown(recipient: "y", text: "two", outcome: .saved), .endedInSilence(sender: "x", text: "three"),
        ])
        #expect(checker.failures[0].description.hasPrefix("promise 2 (shown twice)"))
    }

    @Test("delivery: giving up counts against a healthy server only once the run settles")
    func giveUp() {
        var checker = DeliveryChecker()
        checker.started(0, nick: "x")
        checker.shown(.serverNotResponding, by: 0, at: Self.t0 + .seconds(1))
        #expect(checker.failures.isEmpty)
        checker.serverHealthy(from: Self.t0 + .seconds(2))
        checker.shown(.serverNotResponding, by: 0, at: Self.t0 + .seconds(3))
        #expect(checker.failures == [.gaveUpOnHealthyServer(process: "x#0")])
    }

    @Test("convergence: a client's rows may differ for the limit, not longer; the final table must be the server's")
    func convergence() {
        var checker = ConvergenceChecker(limit: .seconds(5))
        let row = TableEntry(nick: "x", address: Address(host: "h", port: 1), online: true, version: 1)
        let server = ["x": row]
        checker.observe("y#0", held: [:], expected: ["x"], server: server, at: Self.t0)
        checker.observe("y#0", held: [:], expected: ["x"], server: server, at: Self.t0 + .seconds(5))
        #expect(checker.failures.isEmpty)
        checker.observe("y#0", held: [:], expected: ["x"], server: server, at: Self.t0 + .seconds(6))
        checker.finish("y#0", table: [row], server: [row])
        checker.finish("z#1", table: [], server: [row])
        #expect(checker.failures == [
            .diverged(client: "y#0", limit: .seconds(5), held: [], server: [row]), .notConverged(client: "z#1", held: [], server: [row]),
        ])
    }

    @Test("impostors: a welcome under a live holder's nick is a failure; after the holder was cut off it is not")
    func impostors() {
        var checker = ImpostorChecker()
        let holder = ImpostorChecker.Holder(name: "x#0", host: "hx", alive: true, deregistered: false, gaveUpOnServer: false)
        checker.cutOff("hx", until: Self.t0 + .seconds(2))
        checker.welcomed(Address(host: "i", port: 1), startedAt: Self.t0, holder: holder, at: Self.t0 + .seconds(3))
        #expect(checker.failures.isEmpty, "cut off lately: it may rightly lose its nick")
        checker.welcomed(Address(host: "i", port: 1), startedAt: Self.t0, holder: holder, at: Self.t0 + .seconds(8))
        #expect(checker.failures == [.tookLiveHoldersNick(holder: "x#0", impostor: Address(host: "i", port: 1))] && checker.nicksLost == 1)
    }
}
