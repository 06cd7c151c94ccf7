import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Testing

/// Several servers sharing one store: a client whose server dies moves to the next with the same
/// identity, mail the dead server saved is delivered once through another, and the store alone decides
/// which key holds a nickname.
@Suite("Several servers, one store")
struct ServerGroupTests {
    /// x and y registered at the main server of a group of three, each told of the other two.
    static func group() -> Simulation {
        let sim = Simulation()
        sim.startServerGroup(otherPorts: [6001, 6002])
        sim.startClient("x", host: "127.0.0.1", port: 6061)
        sim.run(for: .milliseconds(100))
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .seconds(3))  // every server announces itself; the clients are sent the others
        return sim
    }

    /// The group, with z registered at the second server (port 6001) from `host`, once every server has
    /// read the others' rows.
    static func groupWithZ(host: String = "127.0.0.1") -> (Simulation, SimulatedClient) {
        let sim = group()
        let z = sim.startClient("z", host: host, port: 6063) { $0.server = Address(host: sim.serverAddress.host, port: 6001) }
        sim.run(for: .seconds(3))
        return (sim, z)
    }

    @Test("mail the killed server saved is delivered once through the next; both clients move there and chat")
    func failover() throws {
        let sim = Self.group()
        sim.type("y", "dereg y", settle: .milliseconds(300))
        sim.type("x", "send y kept by the first server", settle: .seconds(1))
        #expect(sim["x"].shown.last == .savedByServer)
        sim.crashServer()
        let next = Address(host: sim.serverAddress.host, port: 6001)
        sim.type("y", "reg y", settle: .seconds(12))
        #expect(sim["y"].notices.contains(.movedToServer(next)), "\(sim["y"].notices)")
        #expect(sim["y"].shown.filter { $0.messageText == "kept by the first server" }.count == 1, "\(sim["y"].notices)")
        #expect(sim["y"].shown.contains(.reRegistered))
        sim.run(for: .seconds(30))  // x is idle: its keepalives meet silence, and it moves on too
        #expect(sim["x"].notices.contains(.movedToServer(next)), "\(sim["x"].notices)")
        sim.type("x", "send y on the next server", settle: .seconds(1))
        #expect(sim["y"].shown.last == .chat(from: "x", text: "on the next server"))
        #expect(sim["x"].exitStatus == nil && sim["y"].exitStatus == nil)
        #expect(try sim.store.messages(for: "y").isEmpty)
    }

    @Test("a nick pinned at one server cannot be taken at another with another key")
    func pinnedAcrossServers() throws {
        let sim = Self.group()
        let impostor = try IdentityKey(privateKey: [UInt8](repeating: 0x5A, count: 32))
        let other = Address(host: sim.serverAddress.host, port: 6002)
        let taker = sim.startClient("x", host: "127.0.0.1", port: 6070) { config in
            config.server = other
            config.identity = impostor
        }
        sim.run(for: .seconds(1))
        #expect(taker.shown.first == .problem("The server knows <x> by another key; this identity cannot register it."))
    }

    @Test("a second process of x at another server is refused while x answers its own server's probes")
    func liveHolderKeepsItsNickAcrossServers() {
        let sim = Self.group()
        let other = Address(host: sim.serverAddress.host, port: 6002)
        let first = sim["x"]
        let second = sim.startClient("x", host: "10.9.0.1", port: 6070) { $0.server = other }
        sim.run(for: .seconds(8))
        #expect(second.shown.first == .problem("The nickname <x> is already in use by another online client."), "\(second.shown)")
        #expect(sim.server?.tableByNick["x"]?.address == first.address)
        #expect(sim.groupServers[6002]?.tableByNick["x"]?.address == first.address)
        sim.type("y", "send x still yours", settle: .milliseconds(500))
        #expect(first.shown.last == .chat(from: "y", text: "still yours"))
    }

    @Test("the same user's second process on x's own host, at another server, is no restart: x answers, and it is refused")
    func secondProcessOnTheSameHost() {
        let sim = Self.group()
        let first = sim["x"]
        let second = sim.startClient("x", host: first.address.host, port: 6070) { config in
            config.server = Address(host: sim.serverAddress.host, port: 6001)
            #expect(!config.restarted, "x still runs on this host")
        }
        sim.run(for: .seconds(8))
        #expect(second.shown.first == .problem("The nickname <x> is already in use by another online client."), "\(second.shown)")
        #expect(sim.groupServers[6001]?.tableByNick["x"]?.address == first.address)
    }

    @Test("a process restarted at another server ends its dead predecessor's session at the old one, so a later second process is probed against the live one (found by the group chaos, seed 1231)")
    func restartElsewhereEndsTheOldSession() {
        let (sim, z) = Self.groupWithZ(host: "10.5.0.1")
        let second = Address(host: sim.serverAddress.host, port: 6001)
        z.crash()  // the second server does not notice yet
        let again = sim.startClient("z", host: "10.5.0.1", port: 6064)  // a restart, at the main server
        sim.run(for: .seconds(1))
        #expect(again.shown.first == .reRegistered, "\(again.shown)")
        #expect(sim.groupServers[6001]?.tableByNick["z"]?.address == again.address, "the old session ended")
        let third = sim.startClient("z", host: "10.5.0.1", port: 6065) { $0.server = second }
        sim.run(for: .seconds(8))
        #expect(third.shown.first == .problem("The nickname <z> is already in use by another online client."), "\(third.shown)")
    }

    @Test("a holder silent to its server's probes loses its nick to a newcomer at another server")
    func silentHolderLosesItsNickAcrossServers() {
        let sim = Self.group()
        let other = Address(host: sim.serverAddress.host, port: 6002)
        sim.network.setHost("127.0.0.1", up: false)  // x (and y) fall silent; their server lives on
        let second = sim.startClient("x", host: "10.9.0.1", port: 6070) { $0.server = other }
        sim.run(for: .seconds(10))
        #expect(second.shown.first == .reRegistered, "\(second.shown)")
        #expect(sim.groupServers[6002]?.tableByNick["x"]?.address == second.address)
    }

    @Test("a row left online by a server that restarted without its client keeps no newcomer waiting")
    func staleRowAfterRestart() {
        let (sim, z) = Self.groupWithZ()
        z.crash()
        sim.crashGroupServer(port: 6001)
        sim.startGroupServer(port: 6001)  // it forgets z; z's row in the store still says online there
        sim.run(for: .seconds(1))
        let again = sim.startClient("z", host: "10.9.0.1", port: 6070)
        sim.run(for: .seconds(3))
        #expect(again.shown.first == .reRegistered, "\(again.shown)")
    }

    @Test("a client that left another server for this one, then went offline here, is not shown online at the old one (found by the group chaos, seed 1024)")
    func ownRowReplacesAnotherServers() {
        let (sim, z) = Self.groupWithZ()
        z.crash()
        let again = sim.startClient("z", host: "127.0.0.1", port: 6064) { $0.restarted = true }  // here, at the main server
        sim.run(for: .seconds(1))
        #expect(again.shown.first == .reRegistered, "\(again.shown)")
        sim.type("z", "dereg z", settle: .seconds(3))
        #expect(sim.server?.tableByNick["z"]?.online == false)
        #expect(sim.groupServers[6002]?.tableByNick["z"]?.online == false)
    }

    @Test("a nick the operator released is free at every server of the group at once, not after their restart")
    func releasedAcrossServers() throws {
        let sim = Self.group()
        sim.type("x", "dereg x", settle: .milliseconds(300))
        #expect(sim.groupServers[6002]?.tableByNick["x"] != nil, "the third server knows x's key")
        try sim.store.releaseKey(of: "x")  // as `udpchat -s 6000 --database … --release-nick x` does
        let newOwner = try IdentityKey(privateKey: [UInt8](repeating: 0x5B, count: 32))
        let owner = sim.startClient("x", host: "127.0.0.1", port: 6070) { config in
            config.server = Address(host: sim.serverAddress.host, port: 6002)
            config.identity = newOwner
        }
        sim.run(for: .seconds(1))
        #expect(owner.shown.first == .registered || owner.shown.first == .reRegistered, "\(owner.shown)")
    }

    @Test("a server that came back is listed again as soon as its clients' rows arrive, so their nicks are protected at once (found by the group chaos, seed 1135)")
    func cameBackServerListedAtOnce() {
        let sim = Self.group()
        sim.crashServer()
        sim.run(for: .seconds(8))  // the others no longer list it
        sim.startServer(config: sim.groupConfig(port: sim.serverAddress.port))
        let w = sim.startClient("w", host: "127.0.0.1", port: 6065)
        sim.run(for: .milliseconds(200))
        #expect(w.shown.first == .registered)
        let second = sim.startClient("w", host: "10.9.0.1", port: 6070) { $0.server = Address(host: sim.serverAddress.host, port: 6001) }
        sim.run(for: .seconds(6))
        #expect(second.shown.first == .problem("The nickname <w> is already in use by another online client."), "\(second.shown)")
    }

    @Test("a server whose table grows past the whole-table limit through other servers' rows switches its clients to on-demand (found by the group ceiling benchmark)")
    func remoteRowsSwitchToOnDemand() {
        let sim = Simulation()
        sim.startServerGroup(otherPorts: [6001]) { $0.wholeTableLimit = 4 }
        let second = Address(host: sim.serverAddress.host, port: 6001)
        sim.startClient("z", host: "127.0.0.1", port: 6070) { $0.server = second }
        sim.run(for: .seconds(1))
        #expect(sim.groupServers[6001]?.rowsHeld(by: "z")?.count == 1, "z holds the whole table of one row")
        for index in 0..<6 {
            sim.startClient("c\(index)", host: "127.0.0.1", port: UInt16(6080 + index))
            sim.run(for: .milliseconds(100))
        }
        sim.run(for: .seconds(3))
        #expect(sim.groupServers[6001]?.tableByNick.count == 7)
        #expect(sim.groupServers[6001]?.rowsHeld(by: "z") == ["z"], "z holds its own row, on demand")
    }

    @Test("two servers asked for one new nick in the same instant give it to one key: the store decides")
    func sameInstant() throws {
        let sim = Simulation()
        sim.startServerGroup(otherPorts: [6001])
        let keys = try [0x11, 0x22].map { try IdentityKey(privateKey: [UInt8](repeating: UInt8($0), count: 32)) }
        let first = sim.startClient("n", host: "127.0.0.1", port: 6061) { $0.identity = keys[0] }
        let second = sim.startClient("n", host: "127.0.0.1", port: 6062) { config in
            config.server = Address(host: sim.serverAddress.host, port: 6001)
            config.identity = keys[1]
        }
        sim.run(for: .seconds(1))
        let welcomed = [first, second].filter { $0.shown.first == .registered }
        let refused = [first, second].filter { $0.exitStatus == 1 }
        #expect(welcomed.count == 1 && refused.count == 1, "\(first.shown) \(second.shown)")
    }

    @Test("clients of two live servers see each other, chat directly, and leave each other mail")
    func acrossServers() {
        let sim = Self.group()
        let z = sim.startClient("z", host: "127.0.0.1", port: 6063) { $0.server = Address(host: sim.serverAddress.host, port: 6001) }
        sim.run(for: .seconds(3))  // each server reads the other's presence rows at its next announce
        #expect(sim.server?.tableByNick["z"]?.online == true)
        sim.type("x", "send z hello from the first server", settle: .milliseconds(500))
        #expect(z.shown.last == .chat(from: "x", text: "hello from the first server"))
        #expect(sim["x"].shown.last == .delivered(to: "z"))
        sim.type("z", "dereg z", settle: .seconds(3))
        #expect(sim.server?.tableByNick["z"]?.online == false)
        sim.type("x", "send z kept for you", settle: .milliseconds(500))
        #expect(sim["x"].shown.last == .savedByServer)
        sim.type("z", "reg z", settle: .seconds(1))
        #expect(z.shown.filter { $0.messageText == "kept for you" }.count == 1, "\(z.shown)")
    }

    @Test("a client cut off from a live server moves on, and stays online for the group when that server times it out")
    func oldServerTimesOut() {
        let sim = Self.group()
        let second = Address(host: sim.serverAddress.host, port: 6001)
        let z = sim.startClient("z", host: "127.0.0.1", port: 6063) { $0.server = second }
        let w = sim.startClient("w", host: "127.0.0.1", port: 6064) { $0.server = Address(host: sim.serverAddress.host, port: 6002) }
        sim.run(for: .seconds(3))
        // z and the second server cannot reach each other; the server lives on, and times z out later.
        let zAddress = z.address
        sim.network.intercept { packet in
            (packet.source == zAddress && packet.destination == second) || (packet.source == second && packet.destination == zAddress)
                ? .drop : .normal
        }
        sim.run(for: .seconds(60))  // long past every timeout
        #expect(z.notices.contains { if case .movedToServer = $0 { true } else { false } })
        // The third server, where w is, still lists z online: the second's "offline" did not undo it.
        #expect(sim.groupServers[6002]?.tableByNick["z"]?.online == true)
        w.console.type("send z still here")
        sim.run(for: .milliseconds(500))
        #expect(z.shown.last == .chat(from: "w", text: "still here"), "\(z.shown)")
    }

    @Test("a save sent to a server that died is saved by the next one (found by the group chaos, seed 2)")
    func saveOutstandingAtTheMove() {
        let sim = Self.group()
        sim.type("y", "dereg y", settle: .milliseconds(300))
        sim.crashServer()
        sim.type("x", "send y sent while the first server is down", settle: .seconds(12))
        #expect(sim["x"].notices.contains(.movedToServer(Address(host: sim.serverAddress.host, port: 6001))))
        #expect(sim["x"].shown.last == .savedByServer, "\(sim["x"].shown)")
    }

    @Test("a client started while its server is down moves to another of the group it kept from an earlier run")
    func startedWhileDown() {
        let sim = Simulation()
        sim.startServerGroup(otherPorts: [6001])
        sim.run(for: .seconds(3))
        let kept = [ServerListing(host: "", port: 6001, key: sim.identity(of: "server 6001")?.publicKey ?? [])]
        sim.crashServer()
        let x = sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.serverGroup = kept }
        sim.run(for: .seconds(12))
        #expect(x.notices.contains(.movedToServer(Address(host: sim.serverAddress.host, port: 6001))))
        #expect(x.shown.contains(.registered), "\(x.shown)")
        #expect(x.exitStatus == nil)
    }

    @Test("a registration already welcomed, moved before its table came, is not welcomed twice (found by the group chaos, seed 1468)")
    func welcomedOnce() {
        let sim = Simulation()
        sim.startServerGroup(otherPorts: [6001])
        sim.run(for: .seconds(3))
        let kept = [ServerListing(host: "", port: 6001, key: sim.identity(of: "server 6001")?.publicKey ?? [])]
        // The main server welcomes x, but its tables never arrive; then it dies.
        let main = sim.serverAddress
        sim.network.intercept { packet in packet.source == main && packet.bytes.count > 3 && packet.bytes[3] == MessageKind.tableDelta.rawValue ? .drop : .normal }
        let x = sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.serverGroup = kept }
        sim.run(for: .milliseconds(300))
        sim.crashServer()
        sim.network.intercept(nil)
        sim.run(for: .seconds(12))
        #expect(x.notices.contains(.movedToServer(Address(host: main.host, port: 6001))))
        #expect(x.shown.filter { $0 == .registered || $0 == .reRegistered }.count == 1, "\(x.shown)")
    }

    @Test("two clients behind home routers, at two servers, punch through: the punch order crosses servers")
    func punchAcrossServers() {
        let sim = Simulation()
        sim.network.addRouter(publicHost: "203.0.113.1", insideHosts: ["10.1.0.2"], behaviour: .homeRouter)
        sim.network.addRouter(publicHost: "203.0.113.2", insideHosts: ["10.2.0.2"], behaviour: .homeRouter)
        sim.startServerGroup(otherPorts: [6001])
        let x = sim.startClient("x", host: "10.1.0.2", port: 6061)
        let y = sim.startClient("y", host: "10.2.0.2", port: 6062) { $0.server = Address(host: sim.serverAddress.host, port: 6001) }
        sim.run(for: .seconds(3))  // each server reads the other's client at its next announce
        sim.type("x", "send y through the routers", settle: .seconds(5))
        #expect(y.shown.contains { $0.messageText == "through the routers" }, "\(y.shown)")
        let before = x.shown.count
        sim.type("x", "send y and now directly", settle: .seconds(1))
        #expect(x.shown(after: before) == [.delivered(to: "y")], "\(x.shown(after: before))")
        #expect(y.shown.last == .chat(from: "x", text: "and now directly"))
    }

    @Test("a chat with no ACK to a client of another server is relayed through that server, not stored")
    func relayAcrossServers() {
        let (sim, z) = Self.groupWithZ()
        // x cannot reach z directly: everything between them is lost.
        let (xAddress, zAddress) = (sim["x"].address, z.address)
        sim.network.intercept { packet in
            (packet.source == xAddress && packet.destination == zAddress) || (packet.source == zAddress && packet.destination == xAddress)
                ? .drop : .normal
        }
        let before = sim["x"].shown.count
        sim.type("x", "send z through the second server", settle: .seconds(5))
        #expect(z.shown.contains(.chat(from: "x", text: "through the second server")), "\(z.shown)")
        #expect(sim["x"].shown(after: before).contains(.delivered(to: "z")), "\(sim["x"].shown(after: before))")
        #expect(sim.server?.statistics.chatsRelayed ?? 0 >= 1)
        #expect(sim.server?.statistics.messagesStored == 0)
    }
}
