import ChatKitCore
import Testing
import ChatKitTesting

@Suite("Recovery: server restarts, silent clients, lost datagrams")
struct RecoveryTests {
    @Test("after a server restart with an empty table, clients register again by themselves within a keepalive")
    func serverRestart() {
        let sim = OriginalSessionTests.registered(["x", "y", "z"])
        sim.crashServer()
        sim.startServer()
        #expect(sim.server?.tableEntries.allSatisfy { !$0.online } == true, "known by their pinned keys, offline")
        sim.run(for: .seconds(11))
        #expect(sim.server?.tableEntries.map(\.nick) == ["x", "y", "z"])
        #expect(sim.server?.tableEntries.allSatisfy(\.online) == true)
        sim.type("x", "send y back in business")
        #expect(sim["y"].shown.last == .chat(from: "x", text: "back in business"))
        #expect(sim["x"].shown.last == .delivered(to: "y"))
        #expect(!sim["x"].shown.contains(.reRegistered) && sim["x"].shown.filter { $0 == .registered }.count == 1, "quietly")
    }

    @Test("a message handed over while the server restarted is saved: the new server knows its recipient by its pinned key")
    func saveAcrossRestart() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.crashServer()
        sim.startServer()
        sim["y"].crash()  // y is offline on the new server, which knows it by its pinned key
        sim.type("x", "send y written while you were out", settle: .seconds(1))
        // Nothing typed is lost: the restarted server stores it for y.
        #expect(sim["x"].shown.last == .savedByServer)
        #expect(try sim.storedTexts(for: "y") == ["written while you were out"])
    }

    @Test("a message kept in the outbox for an offline nick is saved after a server restart, not dropped as unknown")
    func outboxAcrossRestart() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim["x"].crash()
        sim.crashServer()
        sim.startServer()
        // x gave up while the server was down and kept its message; it starts again with it.
        let x = sim.startClient("x", host: "127.0.0.1", port: 6061) {
            $0.keptMessages = [PendingMessage(id: 77, recipient: "y", text: "typed while the server was down")]
        }
        sim.run(for: .seconds(2))
        #expect(x.shown.contains(.resendingOutbox(count: 1)))
        #expect(x.shown.last == .savedByServer, "\(x.shown)")
        #expect(try sim.storedTexts(for: "y") == ["typed while the server was down"])
    }

    @Test("presence stays true across a server restart: a peer that crashed meanwhile is told gone once, then back once")
    func presenceAcrossRestart() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["x"].crash()
        sim.crashServer()
        sim.startServer()
        sim.run(for: .seconds(11))  // y finds the new server with its keepalive and registers again
        let presence = { sim["y"].console.notices.compactMap { if case .presence(let joined, let left) = $0 { (joined, left) } else { nil } } }
        #expect(presence().map(\.1) == [["x"]], "x, whom the new server knows only by its key, is gone: told once")
        sim.startClient("x", host: "127.0.0.1", port: 6071)
        sim.run(for: .seconds(1))
        #expect(presence().map(\.0) == [[], ["x"]], "and back once: \(presence())")
    }

    @Test("a message saved in the same batch as its recipient's return is delivered, not left in storage")
    func saveAndReturnTogether() {
        // Found by the chaos simulation: the server loaded y's mailbox before the batch's durable write.
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y first, so x holds y's prekey")  // the race below is the save alone
        sim["x"].console.type("send y while you were away")
        sim["y"].console.type("reg y")  // arrives at the server at the same instant as x's save
        sim.run(for: .seconds(1))
        #expect(sim["x"].shown.contains(.savedByServer))
        #expect(sim["y"].shown.contains { if case .offlineMessage("x", _, "while you were away") = $0 { true } else { false } })
    }

    @Test("a client that falls silent is marked offline after the client timeout")
    func silentClient() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["y"].crash()
        sim.run(for: .seconds(30))
        #expect(sim.server?.tableEntries.first { $0.nick == "y" }?.online == true)
        sim.run(for: .seconds(15))
        #expect(sim.server?.tableEntries.first { $0.nick == "y" }?.online == false)
        #expect(sim["x"].driver.tableEntries.first { $0.nick == "y" }?.online == false)
        sim.type("x", "send y later")
        #expect(sim["x"].shown.contains(.savedByServer))
    }

    @Test("one lost chat datagram is covered by the retransmission at 250 ms, not by the server")
    func retransmission() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let dropped = Counter()
        sim.network.intercept { packet in
            packet.destination.port == 6062 && packet.source.port == 6061 && dropped.increment() == 1 ? .drop : .normal
        }
        sim.type("x", "send y second time lucky", settle: .milliseconds(400))
        #expect(sim["y"].shown.last == .chat(from: "x", text: "second time lucky"))
        #expect(sim["x"].shown.last == .delivered(to: "y"))
        #expect(!sim["x"].shown.contains { $0.isNoAck })
    }

    @Test("a delivery stalled by lost acknowledgements resumes at the next keepalive")
    func stalledDelivery() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y patience")
        // Every offline-batch acknowledgement from y is lost while y comes back.
        let blocking = Counter()
        sim.network.intercept { packet in
            blocking.count == 0 && packet.source.port == 6062 && packet.destination == Address(host: "server", port: 6000)
                && packet.bytes.count > 3 && packet.bytes[3] == MessageKind.offlineAck.rawValue ? .drop : .normal
        }
        sim.type("y", "reg y", settle: .seconds(3))
        #expect(sim["y"].shown.filter { $0.messageText == "patience" }.count == 1)
        #expect(try sim.store.messages(for: "y").count == 1, "not acknowledged, so still stored")
        blocking.increment()
        sim.run(for: .seconds(11))
        #expect(try sim.store.messages(for: "y").isEmpty, "delivered again at the keepalive, acknowledged, removed")
        #expect(sim["y"].shown.filter { $0.messageText == "patience" }.count == 1, "and not shown twice")
    }
}

@Suite("Server log")
struct ServerLogTests {
    @Test("info shows registrations and saves; drops and probes only at debug; the summary counts it all")
    func levels() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y stored")
        sim.network.inject([1, 2, 3], from: HostileInputTests.attacker, to: sim.serverAddress)
        sim.type("y", "reg y", settle: .seconds(1))
        let events = sim.serverLog.events
        #expect(events.contains(.registered(nick: "x", at: Address(host: "127.0.0.1", port: 6061), returning: false)))
        #expect(events.contains(.saved(sender: "x", recipient: "y")))
        #expect(events.contains(.delivered(count: 1, recipient: "y")))
        #expect(!events.contains { $0.cause == "dropped" }, "drops are debug lines")
        #expect(sim.server?.summary == "summary: 2 client(s) known, 2 online; 3 registration(s), 1 deregistration(s); 1 message(s) stored, 1 delivered from storage; 1 datagram(s) dropped")
    }
}
