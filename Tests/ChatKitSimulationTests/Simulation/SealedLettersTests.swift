@testable import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Foundation
import Synchronization
import Testing
import TransportLoopback

/// What goes through the server is sealed end to end: stored and relayed messages are letters the server
/// can neither read nor write in anyone's name, and no session token goes to anyone but its owner.
@Suite("End to end: letters through the server")
struct SealedLettersTests {
    /// Records every datagram; drops those between the two peers while `cutPeers` holds.
    final class Recorder: Sendable {
        private let state = Mutex<(packets: [LoopbackPacket], cut: Set<Address>)>(([], []))
        var packets: [LoopbackPacket] { state.withLock { $0.packets } }

        init(_ sim: Simulation) {
            sim.network.intercept { [self] packet in
                state.withLock { state in
                    state.packets.append(packet)
                    return state.cut.contains(packet.source) && state.cut.contains(packet.destination) ? .drop : .normal
                }
            }
        }

        /// From now on, nothing passes directly between the addresses in `peers`.
        func cut(_ peers: Set<Address>) { state.withLock { $0.cut = peers } }

        /// Whether any datagram carried `text` in the clear.
        func carried(_ text: String) -> Bool {
            let needle = Data(text.utf8)
            return packets.contains { Data($0.bytes).range(of: needle) != nil }
        }
    }

    static func isOffline(_ notice: Notice, from sender: String, _ text: String) -> Bool {
        if case .offlineMessage(sender, _, text) = notice { true } else { false }
    }

    @Test("a stored message is ciphertext on the wire and in the store; y reads it on its return")
    func storedMessageIsSealed() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let recorder = Recorder(sim)
        sim.type("y", "dereg y")
        sim.type("x", "send y a secret for later", settle: .seconds(1))
        #expect(sim["x"].shown.last == .savedByServer)
        let stored = try sim.store.messages(for: "y")
        #expect(stored.count == 1)
        #expect(stored.allSatisfy { !$0.text.contains("secret") }, "the store holds only the letter")
        sim.type("y", "reg y", settle: .seconds(1))
        #expect(sim["y"].shown.contains { Self.isOffline($0, from: "x", "a secret for later") })
        #expect(!recorder.carried("a secret for later"))
    }

    @Test("a stored batch changed on the way, arriving twice at once, does not cost the genuine letter (group chaos, seed 1620)")
    func changedBatchAndItsDuplicate() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y kept whole", settle: .seconds(1))
        let (server, yAddress, network) = (sim.serverAddress, sim["y"].address, sim.network)
        // The first batch for y is lost, and a changed copy of it arrives twice, together.
        let changed = Mutex(false)
        sim.network.intercept { packet in
            guard packet.source == server, packet.destination == yAddress, packet.bytes.count > 40,
                packet.bytes[3] == MessageKind.offlineBatch.rawValue, changed.withLock({ first in defer { first = true }; return !first })
            else { return .normal }
            var bytes = packet.bytes
            bytes[bytes.count - 10] ^= 0x01
            network.inject(bytes, from: server, to: yAddress)
            network.inject(bytes, from: server, to: yAddress)
            return .drop
        }
        sim.type("y", "reg y", settle: .seconds(3))
        #expect(sim["y"].shown.contains { Self.isOffline($0, from: "x", "kept whole") }, "\(sim["y"].shown)")
    }

    @Test("a stored batch changed on the way twice, each time elsewhere, does not cost the genuine letter (group chaos, seed 7326)")
    func batchChangedTwiceOnTheWay() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y kept whole", settle: .seconds(1))
        let (server, yAddress, network) = (sim.serverAddress, sim["y"].address, sim.network)
        // The first two deliveries of y's batch are lost, and a copy of each arrives changed at another
        // byte; what is sent in their place passes.
        let changed = Mutex<[[UInt8]]>([])
        sim.network.intercept { packet in
            guard packet.source == server, packet.destination == yAddress, packet.bytes.count > 40,
                packet.bytes[3] == MessageKind.offlineBatch.rawValue
            else { return .normal }
            let copy: [UInt8]? = changed.withLock { changed in
                guard changed.count < 2, !changed.contains(packet.bytes) else { return nil }
                var bytes = packet.bytes
                bytes[bytes.count - 10 - changed.count] ^= 0x01
                changed.append(bytes)
                return bytes
            }
            guard let copy else { return .normal }
            network.inject(copy, from: server, to: yAddress)
            return .drop
        }
        sim.type("y", "reg y", settle: .seconds(5))
        #expect(changed.withLock { $0.count } == 2)
        #expect(sim["y"].shown.contains { Self.isOffline($0, from: "x", "kept whole") }, "\(sim["y"].shown)")
        #expect(try sim.store.messages(for: "y").isEmpty, "the genuine copy was acknowledged")
    }

    @Test("a relayed chat is a letter too: the server passes on what it cannot read, and y shows it once")
    func relayedChatIsSealed() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let recorder = Recorder(sim)
        recorder.cut([sim["x"].address, sim["y"].address])
        sim.type("x", "send y through the relay", settle: .seconds(2))
        #expect(sim["y"].shown.filter { $0 == .chat(from: "x", text: "through the relay") }.count == 1, "\(sim["y"].shown)")
        #expect(!recorder.carried("through the relay"))
    }

    @Test("a stored message changed on the server's disk, or written by the server in x's name, is not shown as x's")
    func serverCannotForge() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y genuine", settle: .seconds(1))
        let stored = try #require(try sim.store.messages(for: "y").first)
        // The operator flips one byte of the letter...
        var bytes = [UInt8](Data(base64Encoded: stored.text) ?? Data())
        bytes[bytes.count - 1] ^= 1
        var tampered = stored
        tampered.text = Data(bytes).base64EncodedString()
        // ...and writes a letter of its own in x's name, sealed to y's real prekey but signed by another key.
        let yIdentity = try #require(sim.identity(of: "y"))
        let prekey = try sim.prekeys(of: "y")[0].published(nick: "y", identity: yIdentity)
        let serverKey = try IdentityKey(privateKey: [UInt8](repeating: 9, count: 32))
        let forgedLetter = try Letter.seal(
            "from the server", envelope: Letter.Envelope(sender: "x", recipient: "y", id: 4_242), to: prekey, identity: serverKey,
            ephemeral: [UInt8](repeating: 3, count: 32))
        let forged = StoredMessage(recipient: "y", key: MessageKey(sender: "x", id: 4_242), savedAtMicroseconds: stored.savedAtMicroseconds, text: forgedLetter)
        try sim.store.remove([stored.key], for: "y")
        _ = try sim.store.save([tampered, forged], limits: MailboxLimits(perRecipient: 100))
        sim.type("y", "reg y", settle: .seconds(1))
        #expect(!sim["y"].shown.contains { if case .offlineMessage = $0 { true } else { false } })
        #expect(sim["y"].shown.filter { $0 == .unprovenMessage(from: "x") }.count == 2, "told once for each")
        // Refused once, the batch is not acknowledged (a copy changed on the way must not cost the
        // genuine one); refused again when it comes back, it was changed on the server, and is let go.
        sim.run(for: .seconds(10))
        #expect(try sim.store.messages(for: "y").isEmpty)
        #expect(sim["y"].shown.filter { $0 == .unprovenMessage(from: "x") }.count == 2)
    }

    @Test("a letter from a sender the client does not know yet waits for the table, then is shown")
    func letterWaitsForTheTable() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("y", "dereg y")
        sim.type("x", "send y before you had my key", settle: .seconds(1))
        sim["y"].crash()
        // A new process of y: no rows, no pins; its stored mail arrives before its table.
        let again = sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .seconds(1))
        #expect(again.shown.contains { Self.isOffline($0, from: "x", "before you had my key") }, "\(again.shown)")
        #expect(!again.shown.contains { if case .problem = $0 { true } else { false } })
    }

    /// The session token a server → client message carries, if any.
    static func token(in message: Message) -> UInt64? {
        switch message {
        case .registerReply(_, let token, _, _): token == 0 ? nil : token
        case .tableDelta(let delta): delta.token
        case .offlineBatch(let token, _), .probe(let token), .punchOrder(let token, _, _, _), .relayedChat(let token, _, _): token
        default: nil
        }
    }

    @Test("a session token goes only to its owner: punch orders, relays, tables and stored mail carry the recipient's own")
    func tokensGoOnlyToTheirOwners() {
        let sim = Simulation()
        let recorder = Recorder(sim)  // from the first datagram: every welcome names its token's owner
        sim.startServer()
        for (index, nick) in ["x", "y", "z"].enumerated() {
            sim.startClient(nick, host: "127.0.0.1", port: UInt16(6061 + index))
            sim.run(for: .milliseconds(100))
        }
        sim.type("z", "dereg z")
        sim.type("x", "send z kept for you", settle: .seconds(1))
        sim.type("z", "reg z", settle: .seconds(1))
        recorder.cut([sim["x"].address, sim["y"].address])
        sim.type("x", "send y punched and relayed", settle: .seconds(2))
        sim.type("y", "send x and back", settle: .seconds(2))
        var owners: [UInt64: Address] = [:]
        var carried = 0
        for packet in recorder.packets where packet.source == sim.serverAddress {
            guard let decoded = try? Packet(decoding: packet.bytes), let token = Self.token(in: decoded.message) else { continue }
            carried += 1
            if case .registerReply = decoded.message { owners[token] = owners[token] ?? packet.destination }
            #expect(owners[token] == packet.destination, "\(decoded.message) went to \(packet.destination)")
        }
        #expect(carried > 10)
        #expect(recorder.packets.contains { (try? Packet(decoding: $0.bytes)).map { if case .punchOrder = $0.message { true } else { false } } ?? false })
    }
}
