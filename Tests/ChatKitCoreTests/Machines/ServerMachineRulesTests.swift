import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Testing

/// The server machine on its own: datagrams in, effects out, one test per liveness rule.
@Suite("Server machine rules")
struct ServerMachineRulesTests {
    static let x = Address(host: "10.0.0.1", port: 6061)
    static let y = Address(host: "10.0.0.2", port: 6062)
    static let newcomer = Address(host: "10.0.0.9", port: 7000)

    typealias Harness = ServerHarness

    @Test("a table change not acknowledged is resent after the client's timeout (62.5 ms on a fast path), then twice as long each time, and no more once acknowledged")
    func resendsWithBackoff() {
        var server = Harness()
        let tokenX = server.register("x", at: Self.x, id: 1)
        _ = server.register("y", at: Self.y, id: 2)
        // x does not acknowledge the delta that announced y.
        let times: [Duration] = [.milliseconds(62), .milliseconds(1), .milliseconds(124), .milliseconds(1), .milliseconds(249), .milliseconds(1)]
        var deltasToX: [Int] = []
        for step in times {
            deltasToX.append(server.advance(by: step).filter { $0.1 == Self.x && $0.0.message.kind == .tableDelta }.count)
        }
        #expect(deltasToX == [0, 1, 0, 1, 0, 1])
        _ = server.receive(.tableAck(token: tokenX, version: 1_000), id: 5, from: Self.x)
        #expect(server.advance(by: .seconds(10)).filter { $0.1 == Self.x && $0.0.message.kind == .tableDelta }.isEmpty)
    }

    @Test("a newcomer for a live nick hears 'checking' while the holder is probed; any answer keeps the nick")
    func probesKeepLiveHolder() {
        var server = Harness()
        let token = server.register("x", at: Self.x, id: 1)
        let first = server.asks(for: "x", id: 7, from: Self.newcomer)
        #expect(first.contains { $0.0.message == .registerReply(.checking, token: 0) && $0.1 == Self.newcomer })
        let probe = first.first { $0.1 == Self.x }
        #expect(probe?.0.message == .probe(token: token))
        // Ten probes go unanswered (lost), 100 ms apart (the holder's path is fast), then the holder's
        // keepalive arrives: it is alive.
        let probes = server.advance(by: .milliseconds(1_000)).filter { $0.1 == Self.x }
        #expect(probes.count == 10)
        let verdict = server.receive(.keepalive(token: token, tableVersion: 0), id: 8, from: Self.x)
        #expect(verdict.contains { $0.0 == Packet(id: 7, message: .registerReply(.nickInUse, token: 0)) && $0.1 == Self.newcomer })
        #expect(server.machine.tableByNick["x"]?.address == Self.x)
    }

    @Test("a holder silent to all 20 probes, its timeout apart (100 ms at least), loses the nick to the newcomer")
    func silentHolderLosesNick() {
        var server = Harness()
        _ = server.register("x", at: Self.x, id: 1)
        _ = server.asks(for: "x", id: 7, from: Self.newcomer)
        #expect(server.advance(by: .milliseconds(1_900)).allSatisfy { $0.0.message.kind == .probe })
        let verdict = server.advance(by: .milliseconds(100))
        #expect(verdict.contains { $0.0.id == 7 && $0.0.message.kind == .registerReply && $0.1 == Self.newcomer })
        #expect(server.machine.tableByNick["x"]?.address == Self.newcomer)
    }

    @Test("a holder that deregisters while a newcomer waits for its probes hands the nick over at once (the session's close tells the probes)")
    func holderLeavingHandsOver() {
        var server = Harness()
        let token = server.register("x", at: Self.x, id: 1)
        _ = server.asks(for: "x", id: 7, from: Self.newcomer)
        let closed = server.receive(.deregister(nick: "x", token: token), id: 8, from: Self.x)
        #expect(closed.contains { $0.0 == Packet(id: 8, message: .deregisterReply(.deregistered)) && $0.1 == Self.x })
        #expect(closed.contains { $0.0.id == 7 && $0.0.message.kind == .registerReply && $0.1 == Self.newcomer })
        #expect(server.machine.tableByNick["x"]?.address == Self.newcomer)
        #expect(server.advance(by: .seconds(5)).allSatisfy { $0.0.message.kind != .probe }, "no probe outlives the session")
    }

    @Test("a peer's 'no ACK' is relayed, not stored: the recipient's ACK of the relayed chat answers the sender 'relayed'")
    func noAckIsRelayed() {
        var server = Harness()
        let tokenX = server.register("x", at: Self.x, id: 1)
        let tokenY = server.register("y", at: Self.y, id: 2)
        let sent = server.receive(.save(SaveRequest(token: tokenX, recipient: "y", reason: .noAck, text: "hi")), id: 3, from: Self.x)
        #expect(sent.contains { $0.0 == Packet(id: 3, message: .relayedChat(token: tokenY, from: "x", text: "hi")) && $0.1 == Self.y })
        let answer = server.receive(.relayedChatAck(token: tokenY), id: 3, from: Self.y)
        #expect(answer.contains { $0.0 == Packet(id: 3, message: .saveReply(.relayed, peer: nil)) && $0.1 == Self.x })
        _ = server.advance(by: .seconds(5))
        #expect(server.machine.tableByNick["y"]?.online == true)
        #expect(server.machine.statistics.messagesStored == 0)
    }

    @Test("a relay unanswered 5 times is stored, and only then is the recipient probed; an answer to the probe keeps it online")
    func unansweredRelayIsStoredThenProbed() {
        var server = Harness()
        let tokenX = server.register("x", at: Self.x, id: 1)
        let tokenY = server.register("y", at: Self.y, id: 2)
        _ = server.receive(.save(SaveRequest(token: tokenX, recipient: "y", reason: .noAck, text: "hi")), id: 3, from: Self.x)
        // y acknowledged its table at once: its round trip is short, so the relay's tries are 50 ms apart
        // (the floor), and the fifth goes unanswered at 250 ms.
        let relays = server.advance(by: .milliseconds(249))
        #expect(relays.filter { if case .relayedChat = $0.0.message { true } else { false } }.count == 4, "5 sends in all")
        let effects = server.machine.handle(.tick, at: server.now + .milliseconds(1), wallClockMicroseconds: 0)
        server.now = server.now + .milliseconds(1)
        #expect(effects.contains { if case .save = $0 { true } else { false } }, "stored once the relay went unanswered")
        #expect(effects.contains { if case .send(let packet, Self.y) = $0 { packet.message == .probe(token: tokenY) } else { false } })
        _ = server.receive(.probeReply(token: tokenY), id: 4, from: Self.y)
        _ = server.advance(by: .seconds(5))
        #expect(server.machine.tableByNick["y"]?.online == true)
    }

    @Test("a signed registration's welcome carries the server's key and its signature over that welcome; an unsigned one the key alone")
    func welcomeCarriesServerKey() throws {
        var server = Harness()
        let replies = server.asks(for: "x", id: 1, from: Self.x)
        guard case .registerReply(.registered, let token, _, let proof?)? = replies.first?.0.message else {
            Issue.record("no welcome: \(replies)")
            return
        }
        #expect(proof.publicKey == server.machine.serverPublicKey)
        #expect(proof.isValid(nick: "x", requestID: 1, token: token))
        // A new nick that echoes its cookie without signing (as the storm benchmark's clients do).
        let key = try IdentityKey(privateKey: [UInt8](repeating: 5, count: 32))
        let first = server.receive(.register(nick: "n", token: 0, proof: IdentityProof(publicKey: key.publicKey)), id: 2, from: Self.y)
        guard case .registerReply(.challenge, _, let cookie, _)? = first.first?.0.message else {
            Issue.record("no challenge: \(first)")
            return
        }
        let unsigned = server.receive(.register(nick: "n", token: 0, proof: IdentityProof(publicKey: key.publicKey, cookie: cookie)), id: 2, from: Self.y)
        guard case .registerReply(.registered, _, _, let keyOnly?)? = unsigned.first?.0.message else {
            Issue.record("no welcome: \(unsigned)")
            return
        }
        #expect(keyOnly.publicKey == proof.publicKey && keyOnly.signature.isEmpty)
    }

    @Test("a lookup answers the row with its signed prekey (deltas leave it out), or 'no such client'; an unknown token is told to register")
    func lookups() {
        var server = Harness()
        let token = server.register("x", at: Self.x, id: 1)
        _ = server.register("y", at: Self.y, id: 2)
        let found = server.receive(.lookup(token: token, nick: "y"), id: 3, from: Self.x)
        guard case .lookupReply(.found, let entry?)? = found.first?.0.message else {
            Issue.record("no row found: \(found)")
            return
        }
        #expect(entry.listed == server.machine.tableByNick["y"])
        #expect(entry.prekey != nil && entry.prekey == server.keys["y"].flatMap { ServerHarness.prekey(of: "y", key: $0) })
        let none = server.receive(.lookup(token: token, nick: "nobody"), id: 4, from: Self.x)
        #expect(none.first?.0.message == .lookupReply(.noSuchClient, entry: nil))
        let stranger = server.receive(.lookup(token: 12_345, nick: "y"), id: 5, from: Self.newcomer)
        #expect(stranger.first?.0.message == .lookupReply(.notRegistered, entry: nil))
    }

    @Test("above the whole-table limit a registration reaches only the row's holders")
    func onDemandAboveLimit() {
        var server = Harness()
        var config = ServerConfig()
        config.random = .seeded(5)
        config.wholeTableLimit = 2
        server.machine = ServerMachine(config: config)
        _ = server.register("a", at: Address(host: "10.1.0.1", port: 1), id: 1)
        _ = server.register("b", at: Address(host: "10.1.0.2", port: 1), id: 2)
        _ = server.asks(for: "c", id: 3, from: Address(host: "10.1.0.3", port: 1))
        let pushes = server.advance(by: .zero).filter { $0.0.message.kind == .tableDelta }
        // a and b switch to on-demand mode (an empty delta each); c gets its own row only.
        for (packet, _) in pushes {
            guard case .tableDelta(let delta) = packet.message else { continue }
            #expect(delta.mode == .onDemand)
            #expect(delta.entries.count <= 1)
        }
        #expect(server.machine.rowsHeld(by: "a") == ["a"])
        #expect(server.machine.rowsHeld(by: "c") == ["c"])
    }

    @Test("one address registers at most 30 new nicks a minute; its own nicks still come back")
    func newNicksPerAddress() {
        var server = Harness()
        let flooder = Address(host: "10.9.9.9", port: 1)
        var outcomes: [RegisterOutcome] = []
        for index in 0..<31 {
            let replies = server.asks(for: "n\(index)", id: UInt64(100 + index), from: flooder)
            if case .registerReply(let outcome, _, _, _)? = replies.first?.0.message { outcomes.append(outcome) }
        }
        #expect(outcomes.prefix(30).allSatisfy { $0 == .registered })
        #expect(outcomes.last == .tooManyNewNicks)
        #expect(server.machine.clientCounts.known == 30, "the flood stops growing the table")
        let again = server.asks(for: "n0", id: 200, from: Address(host: "10.9.9.9", port: 2))
        var againOutcome: RegisterOutcome?
        for (packet, _) in again {
            if case .registerReply(let outcome, _, _, _) = packet.message { againOutcome = outcome }
        }
        #expect(againOutcome == .checking, "a known nick is not new: its holder is probed")
        _ = server.advance(by: .seconds(61))
        let later = server.asks(for: "n31", id: 300, from: flooder)
        var laterOutcome: RegisterOutcome?
        if case .registerReply(let outcome, _, _, _)? = later.first?.0.message { laterOutcome = outcome }
        #expect(laterOutcome == .registered, "a minute later the address may register new nicks again")
    }

    @Test("stored messages older than 30 days are removed unread, newer ones delivered")
    func messagesExpire() {
        var server = ServerMachine()
        let day: Int64 = 24 * 3_600 * 1_000_000
        let old = StoredMessage(recipient: "x", key: MessageKey(sender: "y", id: 1), savedAtMicroseconds: 0, text: "old")
        let fresh = StoredMessage(recipient: "x", key: MessageKey(sender: "y", id: 2), savedAtMicroseconds: 30 * day, text: "fresh")
        let effects = server.handle(.loaded(recipient: "x", .success([old, fresh])), at: .zero, wallClockMicroseconds: 31 * day)
        #expect(effects.contains(.remove([old.key], recipient: "x")))
        #expect(!effects.contains(.remove([fresh.key], recipient: "x")))
    }
}
