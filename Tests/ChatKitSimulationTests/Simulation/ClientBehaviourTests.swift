import ChatKitCore
import StoreFiles
import Testing
import ChatKitTesting

@Suite("Client behaviour")
struct ClientBehaviourTests {
    @Test("bad commands get one clear line and change nothing")
    func badCommands() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let before = sim["x"].shown.count
        for line in ["send", "send y", "send y   ", "send nobody hi", "send x hi", "dereg y", "reg y", "reg x", "frobnicate", "dereg x y"] {
            sim.type("x", line)
        }
        #expect(sim["x"].shown(after: before) == [
            .problem("Usage: send <nick> <message>"),
            .problem("Usage: send <nick> <message>"),
            .problem("Usage: send <nick> <message>"),
            .problem("<nobody> is not in the client table. Type who to list clients."),
            .problem("You cannot send a message to yourself."),
            .problem("You can only deregister yourself: dereg x"),
            .problem("You can only register as yourself: reg x"),
            .problem("You are already registered."),
            .problem("Unknown command frobnicate. Commands: send <nick> <message>, reg, dereg, who, key, verify, help, quit (also /msg, /who, /help, /quit)"),
            .problem("Usage: dereg [your nick]"),
        ])
        #expect(sim["y"].shown.count == 2)
    }

    @Test("a message over 640 bytes is refused, not cut (a sealed letter of 640 bytes still fits one datagram)")
    func longMessage() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("x", "send y " + String(repeating: "a", count: 641))
        #expect(sim["x"].shown.last == .problem("Message not sent: a message has at most 640 bytes, this one has 641."))
        #expect(!sim["y"].shown.contains { $0.messageText != nil })
    }

    @Test("who lists the table")
    func who() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "who")
        #expect(Array(sim["x"].shown.suffix(2)) == [.info("x  127.0.0.1:6061  online   (you)"), .info("y  127.0.0.1:6062  offline, seen 0 s ago")])
        sim.run(for: .seconds(125))
        sim.type("x", "who y")
        #expect(sim["x"].shown.last == .info("y  127.0.0.1:6062  offline, seen 2 min ago"))
    }

    @Test("extra notices for terminals: connecting, who joined or left; piped output leaves them out")
    func terminalNotices() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        #expect(sim["x"].console.notices.first == .connecting(to: sim.serverAddress))
        sim.type("y", "dereg")
        #expect(sim["x"].console.notices.last == .presence(joined: [], left: ["y"]))
        sim.type("y", "reg")
        #expect(sim["x"].console.notices.last == .presence(joined: ["y"], left: []))
        #expect(!sim["x"].shown.contains { $0.isTerminalOnly } && !sim["x"].lines.contains { $0.contains("joined") || $0.contains("connecting") })
    }

    @Test("a server that stops answering keepalives is shown once, and so is its return")
    func serverQuietAndBack() {
        let sim = OriginalSessionTests.registered(["x"])
        sim.network.setHost("server", up: false)
        sim.run(for: .seconds(20))
        #expect(sim["x"].console.notices.filter { $0 == .serverQuiet }.count == 1)
        #expect(sim["x"].exitStatus == nil, "an idle client does not give up")
        sim.network.setHost("server", up: true)
        sim.run(for: .seconds(11))
        #expect(sim["x"].console.notices.last == .serverBack)
    }

    @Test("who aligns its columns, marks your row, and shows you offline after dereg")
    func whoAligned() {
        let sim = OriginalSessionTests.registered(["x", "yolanda"])
        sim.type("x", "DEREG")
        sim.type("x", "/who")
        #expect(Array(sim["x"].shown.suffix(2)) == [
            .info("x        127.0.0.1:6061  offline  (you)"),
            .info("yolanda  127.0.0.1:6062  online"),
        ])
        sim.type("x", "reg")
        #expect(sim["x"].shown.contains(.reRegistered))
    }

    @Test("IRC habits work: /msg, /help, /quit; commands ignore case")
    func aliases() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("x", "/MSG y hi there")
        #expect(sim["y"].shown.last == .chat(from: "x", text: "hi there"))
        sim.type("x", "/help")
        #expect(sim["x"].shown.last?.infoText?.contains("quit") == true)
    }

    @Test("lines after quit are not run, and leaving tells the server at once")
    func quitStopsInput() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["x"].console.paste(["quit", "send y after quit"])
        sim.run(for: .milliseconds(100))
        #expect(sim["x"].exitStatus == 0)
        #expect(!sim["y"].shown.contains(.chat(from: "x", text: "after quit")))
        #expect(sim.server?.tableByNick["x"]?.online == false, "peers see x offline at once, not after 35 s")
        #expect(sim["y"].shown.last == .tableUpdated)
    }

    @Test("sending while deregistered asks to reg first")
    func sendWhileOffline() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("x", "dereg x")
        sim.type("x", "send y hi")
        #expect(sim["x"].shown.last == .problem("You are offline. Type reg x to come back online first."))
    }

    @Test("a nickname whose holder answers the probe is refused, and the newcomer exits with 1")
    func nicknameTaken() {
        let sim = OriginalSessionTests.registered(["x"])
        let impostor = sim.startClient("x", host: "10.0.0.66", port: 6666)
        sim.run(for: .milliseconds(700))
        #expect(impostor.shown == [
            .problem("The nickname <x> is already in use by another online client."),
            .exitingAfterFailure,
        ])
        #expect(impostor.exitStatus == 1)
        #expect(sim.server?.tableEntries.first?.address == Address(host: "127.0.0.1", port: 6061))
    }

    @Test("a client restarted at the same address gets its nickname back")
    func restartAtSameAddress() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["x"].crash()
        let again = sim.startClient("x", host: "127.0.0.1", port: 6061)
        sim.run(for: .milliseconds(100))
        #expect(again.shown == [.reRegistered, .tableUpdated])
    }

    @Test("a stale 'offline' table: the server says the client exists and the sender tries it directly")
    func clientExists() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        // x misses the table push that says y is back.
        let server = sim.serverAddress
        sim.network.intercept { $0.destination.port == 6061 && $0.source == server ? .drop : .normal }
        sim.type("y", "reg y")
        sim.network.intercept(nil)
        let before = sim["x"].shown.count
        sim.type("x", "send y hi again")
        #expect(sim["x"].shown(after: before) == [
            .recipientOffline("y"),
            .recipientExists("y"),
            .delivered(to: "y"),
            // The missed push is resent after x's timeout (62.5 ms on this fast path), doubling, until x
            // acknowledges it.
            .tableUpdated,
        ])
        #expect(sim["y"].shown.last == .chat(from: "x", text: "hi again"))
        #expect(sim["x"].driver.tableByNick["y"]?.online == true)
    }

    @Test("a lost registration reply is retried and answered the same way")
    func lostRegistrationReply() {
        let sim = Simulation()
        sim.startServer()
        let server = sim.serverAddress
        let dropped = Counter()
        sim.network.intercept { packet in
            packet.source == server && dropped.increment() <= 2 ? .drop : .normal
        }
        let x = sim.startClient("x")
        sim.run(for: .seconds(2))
        #expect(x.shown == [.registered, .tableUpdated])
        #expect(x.exitStatus == nil)
    }

    @Test("lines typed before registration completes wait for it")
    func heldLines() {
        let sim = OriginalSessionTests.registered(["y"])
        let x = sim.startClient("x", host: "127.0.0.1", port: 6070)
        x.console.type("send y early bird")
        sim.run(for: .milliseconds(100))
        #expect(x.shown == [
            .registered, .tableUpdated, .delivered(to: "y"),
        ])
    }

    @Test("end of input waits for pending sends, then prints [exiting] and exits 0")
    func endOfInput() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["y"].crash()
        sim["x"].console.type("send y anyone?")
        sim["x"].console.endInput()
        sim.run(for: .milliseconds(400))
        #expect(sim["x"].exitStatus == nil)
        // No ACK at 500 ms; the server relays to y five times, 200 ms apart, then stores the message.
        sim.run(for: .milliseconds(1_300))
        #expect(Array(sim["x"].shown.suffix(3)) == [
            .noAck(from: "y"),
            .savedByServer,
            .exiting,
        ])
        #expect(sim["x"].exitStatus == 0)
    }

    @Test("Ctrl-C prints [exiting], exits 0 at once, and peers see the client offline at once")
    func interrupt() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim["x"].driver.handle(.interrupt)
        #expect(sim["x"].shown.last == .exiting)
        #expect(sim["x"].exitStatus == 0)
        sim.run(for: .milliseconds(50))
        #expect(sim.server?.tableByNick["x"]?.online == false)
        #expect(sim["y"].console.notices.last == .presence(joined: [], left: ["x"]))
    }

    @Test("a message duplicated by the network is shown once and ACKed each time")
    func duplicatedChat() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.network.intercept { packet in packet.destination.port == 6062 ? .copies(3) : .normal }
        sim.type("x", "send y echo")
        #expect(sim["y"].shown.filter { $0 == .chat(from: "x", text: "echo") }.count == 1)
        #expect(sim["x"].shown.filter { $0 == .delivered(to: "y") }.count == 1)
    }

    @Test("a lost ACK: the message goes to the server, which relays it to y; x hears it arrived, and y never shows it twice")
    func lostAck() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.network.intercept { packet in packet.source.port == 6062 && packet.destination.port == 6061 ? .drop : .normal }
        sim.type("x", "send y once only", settle: .seconds(1))
        sim.network.intercept(nil)
        sim.run(for: .seconds(1))
        #expect(Array(sim["x"].shown.suffix(2)) == [
            .noAck(from: "y"),
            .delivered(to: "y"),
        ])
        // y acknowledged the relayed copy (without showing it again), so it stays online and nothing is stored.
        #expect(sim["y"].shown == [
            .registered,
            .tableUpdated,
            .chat(from: "x", text: "once only"),
        ])
        #expect(sim.server?.tableEntries.allSatisfy(\.online) == true)
        #expect(try sim.store.messages(for: "y").isEmpty)
    }

    @Test("stored messages survive a server restart and are delivered on the next registration")
    func serverRestartKeepsMessages() throws {
        let folder = try TemporaryFolder()
        let store = try FileStore(directory: folder.path)
        let sim = Simulation(store: store)
        sim.startServer()
        sim.startClient("x", host: "127.0.0.1", port: 6061)
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .milliseconds(100))
        sim.type("y", "dereg y")
        sim.type("x", "send y kept on disk")
        sim.crashServer()
        sim["y"].crash()

        // A new server process on the same folder, and y comes back as a new process.
        let reopened = try FileStore(directory: folder.path)
        let sim2 = Simulation(store: reopened)
        sim2.useKeys(of: sim)
        sim2.startServer()
        let y = sim2.startClient("y", host: "127.0.0.1", port: 6062)
        sim2.run(for: .milliseconds(200))
        #expect(y.shown.count == 4)
        #expect(y.shown[0] == .reRegistered, "the restarted server knows y by its pinned key")
        #expect(y.shown[2] == .youHaveMessages)
        #expect(y.shown[3].messageText == "kept on disk")
        #expect(try reopened.messages(for: "y").isEmpty)
    }
}
