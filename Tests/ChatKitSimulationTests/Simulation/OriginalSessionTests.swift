import ChatKitCore
import Testing

/// The original program's README sample executions (../shared/seed-README.md), replayed on the loopback network with the virtual clock.
@Suite("The original program's sample sessions")
struct OriginalSessionTests {
    /// Starts a server and registers `nicks` one after another, as in the original program's first sample.
    static func registered(_ nicks: [String], seed: UInt64 = 1, logLevel: LogLevel = .info) -> Simulation {
        let sim = Simulation(seed: seed)
        sim.logLevel = logLevel
        sim.startServer()
        for (index, nick) in nicks.enumerated() {
            sim.startClient(nick, host: "127.0.0.1", port: UInt16(6061 + index))
            sim.run(for: .milliseconds(100))
        }
        return sim
    }

    @Test("three clients register; every client sees each table change")
    func threeClientsRegister() {
        let sim = Self.registered(["c1", "c2", "c3"])
        #expect(sim["c1"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
        ])
        #expect(sim["c2"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
        ])
        #expect(sim["c3"].lines == [">>> [Welcome, You are registered.]", ">>> [Client table updated.]"])
        #expect(sim.server?.tableEntries.map(\.nick) == ["c1", "c2", "c3"])
        #expect(sim["c1"].driver.tableEntries == sim.server?.tableEntries)
    }

    @Test("chatting, then offline chat with dereg and reg")
    func offlineChat() throws {
        let sim = Self.registered(["x", "y", "z"])
        sim.type("x", "send y hello")
        sim.type("x", "send z hello")
        sim.type("y", "send x hello2")
        sim.type("y", "send z hello 2")
        sim.type("z", "send x hello 3")
        sim.type("z", "send y hello 3")
        sim.type("x", "dereg x")
        sim.run(for: .seconds(17))
        sim.type("y", "send x offline?")
        sim.run(for: .seconds(13))
        sim.type("z", "send x offline?!")
        sim.type("x", "reg x")

        #expect(sim["x"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> [Message received by <y>.]",
            ">>> [Message received by <z>.]",
            ">>> y: hello2",
            ">>> z: hello 3",
            ">>> [You are Offline. Bye.]",
            ">>> [Welcome back, you are re-registered.]",
            ">>> [Client table updated.]",
            ">>> [You have messages.]",
            ">>> y: <2017-06-14 02:40:18.003000> offline?",
            ">>> z: <2017-06-14 02:40:31.103000> offline?!",
        ])
        #expect(sim["y"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> x: hello",
            ">>> [Message received by <x>.]",
            ">>> [Message received by <z>.]",
            ">>> z: hello 3",
            ">>> [Client table updated.]",
            ">>> <x> is offline, message sent to server.",
            ">>> [Messages received by the server and saved.]",
            ">>> [Client table updated.]",
        ])
        #expect(sim["z"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> x: hello",
            ">>> y: hello 2",
            ">>> [Message received by <x>.]",
            ">>> [Message received by <y>.]",
            ">>> [Client table updated.]",
            ">>> <x> is offline, message sent to server.",
            ">>> [Messages received by the server and saved.]",
            ">>> [Client table updated.]",
        ])
        // Delivered messages are removed from the store once x acknowledged them.
        #expect(try sim.store.messages(for: "x").isEmpty)
    }

    @Test("recipient and server both down: tries again and again (at most 500 ms apart), then after 8 s of silence [Server not responding] and [Exiting]")
    func recipientAndServerDown() throws {
        let sim = Self.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.crashServer()
        let before = sim.clock.now
        sim.type("x", "send y hello?", settle: .zero)
        sim.run(for: .milliseconds(7_999))
        #expect(sim["x"].exitStatus == nil, "the client still tries before the server has been silent for 8 s")
        sim.run(for: .milliseconds(1))
        #expect(sim["x"].exitStatus == 1)
        #expect(sim.clock.now - before == .seconds(8))
        #expect(sim["x"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> [Client table updated.]",
            ">>> <y> is offline, message sent to server.",
            ">>> [Server not responding]",
            ">>> [Exiting]",
        ])
        #expect(sim["y"].lines == [
            ">>> [Welcome, You are registered.]",
            ">>> [Client table updated.]",
            ">>> [You are Offline. Bye.]",
        ])
        #expect(sim.network.statistics.sent >= 16)
    }

    @Test("a peer that vanishes without dereg: no ACK, server stores, peer comes back elsewhere and gets it")
    func vanishedPeer() throws {
        let sim = Self.registered(["x", "y"])
        sim["y"].crash()
        sim.type("x", "send y are you there?", settle: .milliseconds(499))
        #expect(sim["x"].shown.last == .tableUpdated, "no verdict before 500 ms")
        sim.run(for: .milliseconds(100))
        #expect(sim["x"].shown.last == .noAck(from: "y"))
        // Hard to reach is not gone: the server relays the chat to y, 5 times 200 ms apart, and stores it
        // only when none is answered.
        sim.run(for: .milliseconds(1_000))
        #expect(sim["x"].shown.last == .savedByServer)
        // x's word alone does not make y offline: the server probes y first, 20 times, 200 ms apart.
        #expect(sim.server?.tableEntries.first { $0.nick == "y" }?.online == true)
        sim.run(for: .milliseconds(4_000))
        #expect(sim["x"].shown.last == .tableUpdated)
        #expect(sim.server?.tableEntries.first { $0.nick == "y" }?.online == false)

        let y = sim.startClient("y", host: "10.9.9.9", port: 7000)
        sim.run(for: .milliseconds(100))
        try #require(y.shown.count == 4)
        #expect(Array(y.shown.prefix(3)) == [.reRegistered, .tableUpdated, .youHaveMessages])
        guard case .offlineMessage("x", let savedAt, "are you there?") = y.shown[3] else { return #expect(Bool(false), "\(y.shown[3])") }
        #expect(savedAt.hasPrefix("2017-06-14 02:40:0"))
        #expect(sim.server?.tableEntries.first { $0.nick == "y" }?.address == Address(host: "10.9.9.9", port: 7000))
        #expect(try sim.store.messages(for: "y").isEmpty)
    }
}
