import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import StoreFiles
import Testing

/// Keys protect nicks and mailboxes, and no address is trusted on its own word: each attack from the
/// identity issue, tried against the server and clients.
@Suite("Identity: keys, cookies and pins")
struct IdentityTests {
    /// A process claiming `nick` with a key of its own (not the user's), from another address.
    static func impostor(_ sim: Simulation, _ nick: String, port: UInt16 = 7000) -> SimulatedClient {
        sim.startClient(nick, host: "10.6.6.6", port: port) { config in
            config.identity = try? IdentityKey.generate()
        }
    }

    @Test("mailbox theft: after x deregisters, another key cannot register x and read its mail; x can")
    func mailboxTheft() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let x = sim["x"]
        sim.type("x", "dereg")
        sim.type("y", "send x for x only")
        let thief = Self.impostor(sim, "x")
        sim.run(for: .seconds(1))
        #expect(thief.shown == [.problem("The server knows <x> by another key; this identity cannot register it."), .exitingAfterFailure])
        #expect(!thief.shown.contains { $0.messageText == "for x only" })
        x.console.type("reg")
        sim.run(for: .seconds(1))
        #expect(x.shown.contains { $0.messageText == "for x only" }, "the real x still gets its mail")
    }

    @Test("hijack: a registration of a live nick with another key is refused; the holder keeps it and its messages")
    func hijackOfLiveNick() {
        let sim = OriginalSessionTests.registered(["x", "y", "a"])
        let x = sim["x"]
        let attacker = sim["a"]
        attacker.console.type("send x are you there")  // x answers: a "no ACK" claim has nothing to stand on (Machines: probes)
        sim.run(for: .seconds(1))
        let hijacker = Self.impostor(sim, "x", port: 7001)
        sim.run(for: .seconds(5))
        #expect(hijacker.exitStatus == 1)
        sim.type("y", "send x still you?", settle: .seconds(1))
        #expect(x.shown.contains(.chat(from: "y", text: "still you?")))
        #expect(sim.server?.tableByNick["x"]?.address == Address(host: "127.0.0.1", port: 6061))
    }

    @Test("a pinned key survives a server restart on files")
    func pinSurvivesRestart() throws {
        let folder = try TemporaryFolder()
        let sim = Simulation(store: try FileStore(directory: folder.path))
        sim.startServer()
        sim.startClient("x", host: "127.0.0.1", port: 6061)
        sim.run(for: .milliseconds(100))
        sim.type("x", "dereg")
        sim.crashServer()
        let reopened = Simulation(store: try FileStore(directory: folder.path))
        reopened.startServer()
        let thief = Self.impostor(reopened, "x")
        reopened.run(for: .seconds(1))
        #expect(thief.exitStatus == 1)
        #expect(reopened.server?.tableByNick["x"]?.online == false, "nothing was granted: x is known, offline")
        #expect(reopened.server?.tableByNick["x"]?.address == Address(host: "", port: 0))
    }

    @Test("amplification: a forged registration gets a challenge no bigger than itself, and nothing more")
    func noAmplification() throws {
        var server = ServerMachine()
        let victim = Address(host: "192.0.2.7", port: 4444)
        let key = try IdentityKey.generate()
        let request = try Packet(id: 1, message: .register(nick: "x", token: 0, proof: IdentityProof(publicKey: key.publicKey))).encoded()
        let effects = server.handle(.datagram(Datagram(bytes: request, source: victim)), at: .zero, wallClockMicroseconds: 0)
        let sent = try effects.compactMap { if case .send(let packet, let to) = $0 { (try packet.encoded(), to) } else { nil } }
        #expect(sent.count == 1 && sent[0].1 == victim)
        #expect(sent[0].0.count <= request.count, "\(sent[0].0.count) bytes out for \(request.count) in")
        let later = server.handle(.tick, at: .zero + .seconds(5), wallClockMicroseconds: 0)
        #expect(!later.contains { if case .send = $0 { true } else { false } }, "no table goes to an unvalidated address")
    }

    @Test("for a pinned nick, a signature by another key, or over another address's cookie, gets nothing")
    func forgedProofs() throws {
        var server = ServerMachine()
        let key = try IdentityKey.generate()
        let other = try IdentityKey.generate()
        let owner = Address(host: "192.0.2.1", port: 1)
        let attacker = Address(host: "192.0.2.9", port: 1)
        func register(_ proof: IdentityProof, id: UInt64, from source: Address) throws -> Message? {
            let bytes = try Packet(id: id, message: .register(nick: "x", token: 0, proof: proof)).encoded()
            let effects = server.handle(.datagram(Datagram(bytes: bytes, source: source)), at: .zero, wallClockMicroseconds: 0)
            return effects.compactMap { if case .send(let reply, source) = $0 { reply.message } else { nil } }.first
        }
        func cookie(for source: Address, id: UInt64) throws -> [UInt8] {
            guard case .registerReply(.challenge, _, let cookie, _)? = try register(IdentityProof(publicKey: key.publicKey), id: id, from: source)
            else { return [] }
            return cookie
        }
        // The owner registers x and goes offline: x is pinned to `key`.
        let ownerCookie = try cookie(for: owner, id: 1)
        _ = try register(.signed(cookie: ownerCookie, nick: "x", key: key), id: 1, from: owner)
        _ = try register(.signed(cookie: ownerCookie, nick: "x", key: key), id: 1, from: owner)
        #expect(server.tableByNick["x"]?.address == owner)
        // The attacker names the pinned key but signs with its own: dropped, no answer.
        var wrongKey = IdentityProof.signed(cookie: try cookie(for: attacker, id: 2), nick: "x", key: other)
        wrongKey.publicKey = key.publicKey
        #expect(try register(wrongKey, id: 2, from: attacker) == nil)
        // The owner's signed proof replayed from the attacker's address: its cookie is not the attacker's.
        let replayed = try register(.signed(cookie: ownerCookie, nick: "x", key: key), id: 3, from: attacker)
        guard case .registerReply(let outcome, _, _, _)? = replayed else { return #expect(Bool(false), "an answer") }
        #expect(outcome == .challenge, "a new challenge, nothing more")
        #expect(server.tableByNick["x"]?.address == owner)
    }

    @Test("floods: one sender's bytes are capped over every mailbox; it is told once per message, and others still store")
    func senderByteQuota() {
        let sim = Simulation(seed: 3)
        var config = ServerConfig()
        // Room for four sealed messages of 60 bytes (a 236-byte letter, the sender's nick and 24 bytes each).
        config.senderByteQuota = 4 * (236 + "flooder".utf8.count + 24) + 20
        sim.startServer(config: config)
        for (index, nick) in ["flooder", "a", "b", "c", "friend"].enumerated() {
            // The friend writes from another network: the flooder's network has used up its quota too.
            sim.startClient(nick, host: nick == "friend" ? "127.0.0.2" : "127.0.0.1", port: UInt16(6061 + index))
            sim.run(for: .milliseconds(100))
        }
        for nick in ["a", "b", "c"] { sim.type(nick, "dereg") }
        let before = sim["flooder"].shown.count
        for index in 0..<12 { sim.type("flooder", "send \(["a", "b", "c"][index % 3]) \(String(repeating: "z", count: 60))") }
        sim.run(for: .seconds(5))
        let told = sim["flooder"].shown(after: before)
        let saved = told.filter { $0 == .savedByServer }.count
        let refused = told.filter { $0.problemText?.contains("storage quota for your messages is used up") == true }.count
        #expect(saved == 4 && refused == 8, "\(told)")
        sim.type("friend", "send a still room for me")
        #expect(sim["friend"].shown.last == .savedByServer)
    }

    @Test("look-alikes: a client cannot register Cyrillic х beside Latin x, and is told why")
    func lookalikeNick() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let fake = Self.impostor(sim, "\u{0445}")
        sim.run(for: .seconds(1))
        #expect(fake.shown == [.problem("The nickname <\u{0445}> looks like one someone else holds; choose another."), .exitingAfterFailure])
    }
}
