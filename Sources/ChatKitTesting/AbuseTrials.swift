import ChatKitCore
import ChatKitCrypto
import StoreMemory

/// What an attacker with a registered nickname can make the server, or an honest peer, send toward
/// someone who did not ask; how many log lines it can cause; and whether honest senders still get their
/// mail stored during its flood. Each trial runs the real machines with no network; the tests and the
/// benchmark share them.
public enum AbuseTrials {
    /// Bytes sent toward a target over the bytes the attacker sent to cause them.
    public struct Amplification: Sendable, CustomStringConvertible {
        /// What the attacker drove.
        public var mechanism: String
        /// The bytes of every datagram the attacker sent.
        public var attackerBytes: Int
        /// The bytes of every datagram sent toward the target.
        public var targetBytes: Int
        /// `targetBytes / attackerBytes`: at most 1 is the goal (QUIC allows 3 before validation).
        public var ratio: Double { attackerBytes == 0 ? 0 : Double(targetBytes) / Double(attackerBytes) }

        public var description: String { "\(mechanism): \(targetBytes) bytes toward the target for \(attackerBytes) sent" }
    }

    static let server = Address(host: "10.0.0.100", port: 6000)
    static let target = Address(host: "10.0.0.1", port: 6061)
    static let attacker = Address(host: "10.0.0.66", port: 6066)
    /// An address on the attacker's local network that never asked for anything.
    static let victim = Address(host: "10.0.0.77", port: 9)

    /// 300 punch requests toward an honest online client x, padded as little as still gets an order
    /// through, from an attacker that named `victim` five times among its host candidates: the orders
    /// x gets, and the punches x then sends to the victim.
    public static func punches(requests: Int = 300) -> (orders: Amplification, punches: Amplification) {
        var harness = ServerHarness()
        var x = Peer(nick: "x", at: target, server: server)
        x.start(&harness)
        let token = harness.register("a", at: attacker, id: 1, candidates: Array(repeating: victim, count: 5))
        var sent = 0
        var orderBytes = 0
        var victimBytes = 0
        let padding = Message.punchRequestPadding(asker: "a", peer: "x", candidates: [victim])
        for index in 0..<requests {
            let bytes = (try? Packet(id: UInt64(1_000 + index), message: .punchRequest(token: token, peer: "x", nonce: UInt64(index + 1), padding: padding)).encoded()) ?? []
            sent += bytes.count
            for (packet, destination) in harness.receive(bytes: bytes, from: attacker) + harness.advance(by: .milliseconds(10)) where destination == target {
                orderBytes += packet.wireBytes
                victimBytes += x.take(packet, &harness).filter { $0.destination == victim }.reduce(0) { $0 + $1.bytes }
            }
        }
        return (Amplification(mechanism: "punch orders", attackerBytes: sent, targetBytes: orderBytes),
            Amplification(mechanism: "punches", attackerBytes: sent, targetBytes: victimBytes))
    }

    /// 300 saves ("no ACK") for a registered client gone silent, 10 ms apart: the relays and probes
    /// the server sends it over the next 10 s. Every save is still answered.
    public static func relaysToSilentRecipient(saves: Int = 300) -> (relays: Amplification, probes: Amplification, answered: Int) {
        var harness = ServerHarness()
        harness.store = MemoryStore()
        _ = harness.register("x", at: target, id: 1)
        let token = harness.register("a", at: attacker, id: 2)
        var sent = 0
        var relayBytes = 0
        var probeBytes = 0
        var answered = Set<UInt64>()
        func tally(_ packets: [(Packet, Address)]) {
            for (packet, destination) in packets {
                if destination == attacker, case .saveReply = packet.message { answered.insert(packet.id) }
                guard destination == target else { continue }
                if case .probe = packet.message { probeBytes += packet.wireBytes } else { relayBytes += packet.wireBytes }
            }
        }
        for index in 0..<saves {
            let save = SaveRequest(token: token, recipient: "x", reason: .noAck, text: "hi x, it's a")
            let bytes = (try? Packet(id: UInt64(1_000 + index), message: .save(save)).encoded()) ?? []
            sent += bytes.count
            tally(harness.receive(bytes: bytes, from: attacker) + harness.advance(by: .milliseconds(10)))
        }
        tally(harness.advance(by: .seconds(10)))
        return (Amplification(mechanism: "relays to a silent recipient", attackerBytes: sent, targetBytes: relayBytes),
            Amplification(mechanism: "probes", attackerBytes: sent, targetBytes: probeBytes), answered.count)
    }

    /// A registered client re-registers `count` times, 100 ms apart, each time with a fresh request (and
    /// so a fresh cookie round trip), alternating its host candidates: the table pushes each of
    /// `holders` honest clients gets (the most any one gets), and what goes back to the attacker itself.
    public static func reRegistrations(count: Int = 300, holders: Int = 20) -> (pushes: Amplification, toAttacker: Amplification) {
        var harness = ServerHarness()
        let holderAddresses = (0..<holders).map { Address(host: "10.0.1.\($0 + 1)", port: 6061) }
        var tokens: [Address: UInt64] = [:]
        for (index, address) in holderAddresses.enumerated() {
            tokens[address] = harness.register("h\(index)", at: address, id: UInt64(100 + index))
        }
        _ = harness.register("a", at: attacker, id: 1)
        let key = harness.keys["a"]
        var sent = 0
        var perHolder: [Address: Int] = [:]
        var toAttacker = 0
        func tally(_ packets: [(Packet, Address)]) {
            for (packet, destination) in packets {
                if destination == attacker { toAttacker += packet.wireBytes }
                guard let token = tokens[destination] else { continue }
                perHolder[destination, default: 0] += packet.wireBytes
                if case .tableDelta(let delta) = packet.message {
                    tally(harness.receive(.tableAck(token: token, version: delta.to), id: 0, from: destination))
                }
            }
        }
        for index in 0..<count {
            guard let key else { break }
            let candidates = [Address(host: index % 2 == 0 ? "10.0.0.5" : "10.0.0.6", port: 6066)]
            let id = UInt64(10_000 + index)
            let prekey = ServerHarness.prekey(of: "a", key: key)
            let first = Message.register(nick: "a", token: 0, proof: IdentityProof(publicKey: key.publicKey), candidates: candidates, prekey: prekey)
            sent += first.datagramBytes
            let challenge = harness.receive(first, id: id, from: attacker)
            guard case .registerReply(.challenge, _, let cookie, _)? = challenge.first?.0.message else { continue }
            toAttacker += challenge.reduce(0) { $0 + $1.0.wireBytes }
            let signed = Message.register(nick: "a", token: 0, proof: .signed(cookie: cookie, nick: "a", key: key), candidates: candidates, prekey: prekey)
            sent += signed.datagramBytes
            tally(harness.receive(signed, id: id, from: attacker) + harness.advance(by: .milliseconds(100)))
        }
        tally(harness.advance(by: .seconds(10)))
        return (Amplification(mechanism: "table pushes (re-registrations)", attackerBytes: sent, targetBytes: perHolder.values.max() ?? 0),
            Amplification(mechanism: "re-registrations (replies to the attacker)", attackerBytes: sent, targetBytes: toAttacker))
    }

    /// `saves` saves ("recipient offline") for a recipient that is online, over 2 s: how many log lines
    /// the server writes over the next 20 s, of any cause (the clients' own silence is logged later).
    public static func logLines(saves: Int = 5_000) -> Int {
        var harness = ServerHarness()
        _ = harness.register("x", at: target, id: 1)
        let token = harness.register("a", at: attacker, id: 2)
        let before = harness.logged.count
        for index in 0..<saves {
            let save = SaveRequest(token: token, recipient: "x", reason: .recipientOffline, text: "flood")
            _ = harness.receive(.save(save), id: UInt64(1_000 + index), from: attacker)
            _ = harness.advance(by: .microseconds(400))
        }
        _ = harness.advance(by: .seconds(18))
        return harness.logged.count - before
    }

    /// What an offline recipient's mailbox takes while four nicks from one network flood it
    /// (`floodPerNick` saves each): the flood's stored count, and how many of an honest sender's
    /// messages (from another network) and of a contact's (on the flood's network; the recipient wrote
    /// to it first) were stored, of `honest` each.
    public static func mailboxFlood(floodPerNick: Int = 300, honest: Int = 20) -> (flooded: Int, honestStored: Int, contactStored: Int) {
        var harness = ServerHarness()
        let store = MemoryStore()
        harness.store = store
        let xToken = harness.register("x", at: target, id: 1)
        let contact = Address(host: attacker.host, port: 7000)
        let contactToken = harness.register("friend", at: contact, id: 2)
        let honestToken = harness.register("y", at: Address(host: "10.0.0.2", port: 6062), id: 3)
        // x wrote to its friend once (the friend was away), then went offline.
        _ = harness.receive(.deregister(nick: "friend", token: contactToken), id: 4, from: contact)
        _ = harness.receive(.save(SaveRequest(token: xToken, recipient: "friend", reason: .recipientOffline, text: "call me")), id: 5, from: target)
        _ = harness.register("friend", at: contact, id: 6)
        let friendToken = harness.register("friend", at: contact, id: 7)
        _ = harness.receive(.deregister(nick: "x", token: xToken), id: 8, from: target)
        _ = harness.advance(by: .seconds(1))
        var id: UInt64 = 1_000
        for flooder in 0..<4 {
            let address = Address(host: attacker.host, port: UInt16(6100 + flooder))
            let token = harness.register("f\(flooder)", at: address, id: id)
            for _ in 0..<floodPerNick {
                id += 1
                _ = harness.receive(.save(SaveRequest(token: token, recipient: "x", reason: .recipientOffline, text: "flood")), id: id, from: address)
            }
        }
        func stored(_ token: UInt64, from address: Address) -> Int {
            var saved = 0
            for _ in 0..<honest {
                id += 1
                let replies = harness.receive(.save(SaveRequest(token: token, recipient: "x", reason: .recipientOffline, text: "hello")), id: id, from: address)
                if replies.contains(where: { $0.0.message == .saveReply(.saved, peer: nil) }) { saved += 1 }
            }
            return saved
        }
        let honestStored = stored(honestToken, from: Address(host: "10.0.0.2", port: 6062))
        let contactStored = stored(friendToken, from: contact)
        let all = (try? store.messages(for: "x")) ?? []
        return (all.filter { $0.key.sender.hasPrefix("f") && $0.key.sender != "friend" }.count, honestStored, contactStored)
    }
}

extension Packet {
    /// The bytes of this packet's datagram.
    var wireBytes: Int { message.datagramBytes }
}

/// An honest client machine wired to a `ServerHarness` by hand: what it sends the server is handled at
/// once, and what the server sends it comes back.
struct Peer {
    var machine: ClientMachine
    let address: Address
    let server: Address
    var now = Instant.zero

    init(nick: String, at address: Address, server: Address) {
        var config = ClientConfig(nick: nick, server: server)
        config.random = .seeded(11)
        machine = ClientMachine(config: config)
        self.address = address
        self.server = server
    }

    /// Starts the client and registers it.
    mutating func start(_ harness: inout ServerHarness) {
        _ = deliver(machine.handle(.start, at: harness.now), &harness)
    }

    /// Hands the client `packet` from the server; returns what it sent elsewhere (to peers).
    mutating func take(_ packet: Packet, _ harness: inout ServerHarness) -> [(destination: Address, bytes: Int)] {
        let bytes = (try? packet.encoded()) ?? []
        return deliver(machine.handle(.datagram(Datagram(bytes: bytes, source: server)), at: harness.now), &harness)
    }

    private mutating func deliver(_ effects: [ClientEffect], _ harness: inout ServerHarness) -> [(destination: Address, bytes: Int)] {
        var elsewhere: [(destination: Address, bytes: Int)] = []
        for case .send(let packet, let destination) in effects {
            let bytes = (try? packet.encoded()) ?? []
            guard destination == server else {
                elsewhere.append((destination, bytes.count))
                continue
            }
            for (packet, to) in harness.receive(bytes: bytes, from: address) + harness.advance(by: .zero) where to == address {
                elsewhere += take(packet, &harness)
            }
        }
        return elsewhere
    }
}
