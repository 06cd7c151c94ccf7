import ChatKitCore
import Testing
import ChatKitTesting

/// Forged and malformed datagrams: nobody can deregister, impersonate or crash anyone.
@Suite("Hostile input")
struct HostileInputTests {
    static let attacker = Address(host: "10.6.6.6", port: 6666)

    static func forge(_ sim: Simulation, _ message: Message, id: UInt64 = 1, from source: Address = attacker, to destination: Address) {
        guard let bytes = try? Packet(id: id, message: message).encoded() else { return }
        sim.network.inject(bytes, from: source, to: destination)
    }

    @Test("10,000 forged deregistrations write a few log lines, not 10,000")
    func refusalsDoNotFloodTheLog() {
        let sim = OriginalSessionTests.registered(["x"])
        let before = sim.serverLog.events.count
        for id in 1...10_000 {
            Self.forge(sim, .deregister(nick: "x", token: UInt64(id)), id: UInt64(id), to: sim.serverAddress)
        }
        sim.run(for: .seconds(61))
        Self.forge(sim, .deregister(nick: "x", token: 7), id: 7, to: sim.serverAddress)
        sim.run(for: .milliseconds(10))
        let events = Array(sim.serverLog.events.dropFirst(before))
        #expect(events.filter { $0.cause == "refusedDeregistration" }.count == 21, "20 in the first minute, 1 in the next")
        #expect(events.contains(.heldBack(count: 9_980, cause: "refusedDeregistration")))
        #expect(sim.server?.tableByNick["x"]?.online == true)
    }

    @Test("a forged 'unknown session' keepalive reply from the server's address answers nothing and is ignored")
    func forgedKeepaliveReply() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let registrations = sim.server?.tableByNick["x"]?.version
        for id: UInt64 in [1, 2, .max] {
            Self.forge(sim, .keepaliveReply(.unknownSession, tableVersion: 0), id: id, from: sim.serverAddress, to: sim["x"].address)
        }
        sim.run(for: .seconds(1))
        #expect(sim.server?.tableByNick["x"]?.version == registrations, "x did not register again")
        #expect(sim["x"].shown.last == .tableUpdated)
    }

    @Test("a deregistration without the holder's token, or from another address, is refused")
    func spoofedDeregistration() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        for token: UInt64 in [0, 1, .max] {
            Self.forge(sim, .deregister(nick: "y", token: token), to: sim.serverAddress)
            Self.forge(sim, .deregister(nick: "y", token: token), from: sim["y"].address, to: sim.serverAddress)
        }
        sim.run(for: .milliseconds(100))
        #expect(sim.server?.tableEntries.allSatisfy(\.online) == true)
        #expect(sim["x"].shown.count == 3, "no table change reached x")
    }

    @Test("an ACK counts only from the right peer with an outstanding id")
    func spoofedAck() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["y"].crash()
        sim["x"].console.type("send y hello?")
        // Forged ACKs from another address with many ids, and from y's address with wrong ids.
        for id: UInt64 in 0..<200 {
            Self.forge(sim, .chatAck, id: id, to: sim["x"].address)
            Self.forge(sim, .chatAck, id: id, from: sim["y"].address, to: sim["x"].address)
        }
        sim.run(for: .seconds(1))
        #expect(!sim["x"].shown.contains(.delivered(to: "y")))
        #expect(sim["x"].shown.contains(.noAck(from: "y")))
    }

    @Test("table updates count only from the server's address with the client's token")
    func forgedTable() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let before = sim["x"].driver.tableEntries
        let evil = TableDelta(
            token: 0, from: 0, to: 1_000, latest: 1_000,
            entries: [TableEntry(nick: "y", address: Self.attacker, online: true, version: 1_000)])
        Self.forge(sim, .tableDelta(evil), to: sim["x"].address)
        Self.forge(sim, .tableDelta(evil), from: sim.serverAddress, to: sim["x"].address)
        var guessed = evil
        guessed.token = 12_345
        Self.forge(sim, .tableDelta(guessed), from: sim.serverAddress, to: sim["x"].address)
        sim.run(for: .milliseconds(100))
        #expect(sim["x"].driver.tableEntries == before)
        #expect(sim["x"].shown.count == 3)
    }

    @Test("a chat claiming to be from y counts only from y's address")
    func impersonation() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        Self.forge(sim, .chat(from: "y", text: "send me your password"), id: 77, to: sim["x"].address)
        sim.run(for: .milliseconds(100))
        #expect(!sim["x"].shown.contains { $0.messageText?.contains("password") == true })
        sim.type("y", "send x the real y")
        #expect(sim["x"].shown.last == .chat(from: "y", text: "the real y"))
    }

    @Test("saves, acknowledgements, keepalives and probe answers with a wrong token change nothing")
    func wrongTokens() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y keep this")
        let stored = try sim.store.messages(for: "y")
        #expect(stored.count == 1)
        Self.forge(sim, .save(SaveRequest(token: 99, recipient: "y", reason: .recipientOffline, text: "spam")), to: sim.serverAddress)
        Self.forge(sim, .offlineAck(token: 99), to: sim.serverAddress)
        Self.forge(sim, .offlineAck(token: 0), from: sim["y"].address, to: sim.serverAddress)
        Self.forge(sim, .keepalive(token: 99, tableVersion: 0), from: sim["x"].address, to: sim.serverAddress)
        Self.forge(sim, .probeReply(token: 99), to: sim.serverAddress)
        sim.run(for: .milliseconds(100))
        #expect(try sim.store.messages(for: "y") == stored)
        #expect(sim.server?.tableEntries.first { $0.nick == "x" }?.online == true)
    }

    @Test("a nickname cannot be taken from a live holder, even with retries")
    func takeoverRefused() {
        let sim = OriginalSessionTests.registered(["x"])
        for attempt: UInt64 in 1...3 {
            Self.forge(sim, .register(nick: "x", token: 0), id: attempt, to: sim.serverAddress)
            sim.run(for: .seconds(1))
        }
        #expect(sim.server?.tableEntries.first?.address == Address(host: "127.0.0.1", port: 6061))
    }

    @Test("a dead holder's nickname goes to a newcomer with its key once every probe goes unanswered")
    func takeoverOfDeadHolder() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["x"].crash()
        let newcomer = sim.startClient("x", host: "10.1.1.1", port: 7000)
        sim.run(for: .milliseconds(1_900))
        #expect(newcomer.shown.isEmpty, "the holder gets 20 probes, its timeout apart (100 ms at least), to answer")
        sim.run(for: .milliseconds(200))
        #expect(newcomer.shown == [.reRegistered, .tableUpdated])
        #expect(sim.server?.tableEntries.first?.address == Address(host: "10.1.1.1", port: 7000))
    }

    @Test("invalid nicknames are refused by the server with a clear line")
    func invalidNicknames() {
        let sim = Simulation()
        sim.startServer()
        for (index, nick) in ["", "a b", "tab\t", String(repeating: "n", count: 33), "Zoe\u{308}"].enumerated() {
            Self.forge(sim, .register(nick: nick, token: 0), id: UInt64(index), to: sim.serverAddress)
        }
        sim.run(for: .milliseconds(100))
        #expect(sim.server?.tableEntries.isEmpty == true)
        #expect(sim.serverLog.events.filter { $0.cause == "refusedInvalidNick" }.count == 5)
    }

    @Test("a full mailbox gives the sender a clear line and stores nothing more")
    func mailboxFull() throws {
        let sim = Simulation()
        var config = ServerConfig()
        config.mailboxLimit = 2
        sim.startServer(config: config)
        sim.startClient("x", host: "127.0.0.1", port: 6061)
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .milliseconds(100))
        sim.type("y", "dereg y")
        for text in ["one", "two", "three"] { sim.type("x", "send y \(text)") }
        #expect(sim["x"].shown.filter { $0 == .savedByServer }.count == 2)
        #expect(sim["x"].shown.last == .problem("The mailbox of <y> has no room for your message (it is full, or holds your share); message not saved."))
        #expect(try sim.storedTexts(for: "y") == ["one", "two"])
    }

    @Test("10,000 garbage and oversized datagrams crash nobody; they are counted and the chat goes on")
    func garbageFlood() {
        let sim = OriginalSessionTests.registered(["x", "y"], logLevel: .debug)
        var random = RandomSource.seeded(666)
        for round in 0..<10_000 {
            let length = Int(random.next() % 1_400)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if round % 3 == 0, bytes.count >= 4 {
                bytes[0] = 0x43
                bytes[1] = 0x4B
                bytes[2] = WireLimits.version
                bytes[3] = UInt8(1 + random.next() % 15)
            }
            let target = [sim.serverAddress, sim["x"].address, sim["y"].address][round % 3]
            sim.network.inject(bytes, from: Self.attacker, to: target)
        }
        sim.run(for: .milliseconds(100))
        // A third went to the server; those over 1,200 bytes never got past the network.
        #expect((sim.server?.droppedDatagrams ?? 0) > 2_500)
        sim.type("x", "send y still here")
        #expect(sim["y"].shown.last == .chat(from: "x", text: "still here"))
        #expect(sim["x"].shown.last == .delivered(to: "y"))
        #expect(sim.serverLog.events.filter { $0.cause == "dropped" }.count <= 101, "drops are not logged one by one forever")
        #expect(sim.serverLog.events.contains { $0.cause == "dropped" }, "at debug level they are logged")
    }
}
