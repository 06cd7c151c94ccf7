@testable import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Foundation
import Testing

/// The parts behind end-to-end sealing, each on its own: letters, the letters that wait for a sender's
/// key, the peers' pinned keys and the prekeys a server publishes.
@Suite("Session parts: letters, pins and prekeys")
struct SessionPartsTests {
    static let x = ProtocolVectorTests.rfc8032
    static let y = SessionVectors.yIdentity
    static let yPrekey = Prekey(id: 7, privateKey: [UInt8](repeating: 0x55, count: 32), createdAtMicroseconds: 0)
    static let envelope = Letter.Envelope(sender: "x", recipient: "y", id: 42)

    static func letter(_ text: String, envelope: Letter.Envelope = envelope, from identity: IdentityKey? = x) throws -> String {
        let y = try #require(Self.y)
        let published = try yPrekey.published(nick: "y", identity: y)
        return try Letter.seal(text, envelope: envelope, to: published, identity: try #require(identity), ephemeral: [UInt8](repeating: 0x66, count: 32))
    }

    @Test("a letter opens with the prekey it names, and x's key verifies its signature")
    func letterRoundTrip() throws {
        let sealed = try Self.letter("offline?")
        let opened = try #require(Letter.open(sealed, envelope: Self.envelope, prekeys: [Self.yPrekey]))
        #expect(opened.text == "offline?")
        #expect(IdentityKey.verify(opened.signature, of: opened.signedBytes, publicKey: Self.x.publicKey))
        #expect(!sealed.contains("offline"))
    }

    @Test("a tampered letter, one moved to another message, or one for an erased prekey does not open")
    func letterRefusals() throws {
        let sealed = try Self.letter("offline?")
        var bytes = [UInt8](Data(base64Encoded: sealed) ?? Data())
        bytes[50] ^= 0x01
        #expect(Letter.open(Data(bytes).base64EncodedString(), envelope: Self.envelope, prekeys: [Self.yPrekey]) == nil)
        for moved in [
            Letter.Envelope(sender: "x", recipient: "y", id: 43), Letter.Envelope(sender: "z", recipient: "y", id: 42),
            Letter.Envelope(sender: "x", recipient: "w", id: 42),
        ] {
            #expect(Letter.open(sealed, envelope: moved, prekeys: [Self.yPrekey]) == nil)
        }
        let other = Prekey(id: 8, privateKey: [UInt8](repeating: 0x56, count: 32), createdAtMicroseconds: 0)
        #expect(Letter.open(sealed, envelope: Self.envelope, prekeys: [other]) == nil, "prekey 7 was erased")
        #expect(Letter.open("not base64!", envelope: Self.envelope, prekeys: [Self.yPrekey]) == nil)
        #expect(Letter.open("AQ==", envelope: Self.envelope, prekeys: [Self.yPrekey]) == nil)
    }

    @Test("a letter signed by another key opens, but its signature is not x's")
    func letterFromAnotherKey() throws {
        let forger = try IdentityKey(privateKey: [UInt8](repeating: 9, count: 32))
        let opened = try #require(Letter.open(try Self.letter("from the server", from: forger), envelope: Self.envelope, prekeys: [Self.yPrekey]))
        #expect(!IdentityKey.verify(opened.signature, of: opened.signedBytes, publicKey: Self.x.publicKey))
    }

    @Test("the longest message, sealed, fits a save and an offline batch from a 128-byte nick in one datagram")
    func longestLetterFits() throws {
        let nick = String(repeating: "n", count: 128)
        let text = String(repeating: "é", count: MessageText.maxBytes / 2)
        let sealed = try Self.letter(text, envelope: Letter.Envelope(sender: nick, recipient: "y", id: 1))
        #expect(sealed.utf8.count <= MessageText.maxLetterBytes)
        #expect((try? MessageText.validateLetter(sealed)) != nil)
        let save = Packet(id: 1, message: .save(SaveRequest(token: 1, recipient: nick, reason: .noAck, text: sealed)))
        let batch = Packet(id: 1, message: .offlineBatch(token: 1, messages: [
            OfflineMessage(key: MessageKey(sender: nick, id: 1), savedAtMicroseconds: 0, text: sealed),
        ]))
        #expect(try save.encoded().count <= WireLimits.maxDatagramBytes)
        #expect(try batch.encoded().count <= WireLimits.maxDatagramBytes)
    }

    @Test("docs/PROTOCOL.md's letter bytes are the base64 text of its sealed-save vector")
    func documentedLetter() throws {
        let text = try ProtocolVectorTests.documentText()
        let block = try #require(text.components(separatedBy: "<!-- letter: sealed-save -->\n```\n").dropFirst().first?
            .components(separatedBy: "```").first)
        let bytes = block.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt8($0, radix: 16) }
        let packet = try #require(SessionVectors.packets.first { $0.0 == "sealed-save" }?.1)
        guard case .save(let save) = packet.message else {
            Issue.record("sealed-save is not a save")
            return
        }
        #expect(Data(bytes).base64EncodedString() == save.text)
        #expect(bytes.count == Letter.overheadBytes + "offline?".utf8.count)
    }

    @Test("letters wait unacknowledged: a resent batch replaces the held one, relayed chats are held once and at most 64")
    func lettersAwaitingKeys() {
        var waiting = LettersAwaitingKeys()
        #expect(waiting.isEmpty)
        waiting.hold(LettersAwaitingKeys.Batch(id: 1, token: 9, messages: []))
        waiting.hold(LettersAwaitingKeys.Batch(id: 2, token: 9, messages: []))
        #expect(waiting.batch?.id == 2)
        let held = waiting.hold(LettersAwaitingKeys.Relayed(id: 5, sender: "x", letter: "l"))
        let heldAgain = waiting.hold(LettersAwaitingKeys.Relayed(id: 5, sender: "x", letter: "l"))
        #expect(held && !heldAgain, "a resent relay is held once")
        for id in 6..<100 { waiting.hold(LettersAwaitingKeys.Relayed(id: UInt64(id), sender: "x", letter: "l")) }
        #expect(waiting.relayed.count == LettersAwaitingKeys.maxRelayed)
        let firstAsk = waiting.askFor("x")
        let secondAsk = waiting.askFor("x")
        #expect(firstAsk && !secondAsk, "a row is asked for once")
        let taken = waiting.takeAll()
        #expect(taken.batch?.id == 2 && taken.relayed.first?.id == 5)
        #expect(waiting.isEmpty)
    }

    @Test("pins: the first key is pinned, the same key is nothing new, another is a change that says whether it was verified")
    func pins() {
        var pins = PeerKeyPins([])
        let first = [UInt8](repeating: 1, count: 32)
        let second = [UInt8](repeating: 2, count: 32)
        let firstSeen = pins.observe("y", publicKey: first)
        let seenAgain = pins.observe("y", publicKey: first)
        #expect(firstSeen == .pinned(PeerKeyPin(nick: "y", publicKey: first)))
        #expect(seenAgain == .same)
        let verified = pins.markVerified("y")
        #expect(verified == PeerKeyPin(nick: "y", publicKey: first, verified: true))
        let changed = pins.observe("y", publicKey: second)
        #expect(changed == .changed(PeerKeyPin(nick: "y", publicKey: second), wasVerified: true))
        #expect(pins.keys["y"]?.publicKey == second)
    }

    @Test("the server publishes an offered prekey only at the grant, and only if the nick's pinned key signed it")
    func publishedPrekeys() throws {
        let y = try #require(Self.y)
        let other = try IdentityKey(privateKey: [UInt8](repeating: 9, count: 32))
        let prekey = try Self.yPrekey.published(nick: "y", identity: y)
        var published = PublishedPrekeys()
        published.offer(prekey, nick: "y", key: other.publicKey)
        let unsigned = published.granted("y", pinnedKey: other.publicKey)
        #expect(unsigned == nil, "signed by another key than the one offered with")
        published.offer(prekey, nick: "y", key: y.publicKey)
        let notPinned = published.granted("y", pinnedKey: other.publicKey)
        #expect(notPinned == nil, "the pinned key did not sign it")
        published.offer(prekey, nick: "y", key: y.publicKey)
        let granted = published.granted("y", pinnedKey: y.publicKey)
        #expect(granted == prekey)
        #expect(published["y"] == prekey)
        let again = published.granted("y", pinnedKey: y.publicKey)
        #expect(again == nil, "nothing new to keep")
        published.forget("y")
        #expect(published["y"] == nil)
    }
}

/// The server's key as a client pins it: first contact, then only welcomes it signed.
@Suite("Session parts: the server's key")
struct ServerKeyPinTests {
    static let serverKey = try? IdentityKey(privateKey: [UInt8](repeating: 0x77, count: 32))
    static let otherKey = try? IdentityKey(privateKey: [UInt8](repeating: 0x78, count: 32))

    static func proof(_ key: IdentityKey?, requestID: UInt64 = 1, token: UInt64 = 9) -> ServerProof? {
        key.flatMap { try? ServerProof.signed(by: $0, nick: "x", requestID: requestID, token: token) }
    }

    @Test("the first welcome's key is pinned; later ones must carry it, signed over that very welcome")
    func judge() throws {
        var pin = ServerKeyPin(pinned: nil)
        let key = try #require(Self.serverKey?.publicKey)
        let first = pin.judge(ServerProof(publicKey: key, signature: []), nick: "x", requestID: 1, token: 9)
        #expect(first == .firstContact(key))
        let signed = pin.judge(Self.proof(Self.serverKey, requestID: 2), nick: "x", requestID: 2, token: 9)
        #expect(signed == .trusted)
        let replayed = pin.judge(Self.proof(Self.serverKey, requestID: 2), nick: "x", requestID: 3, token: 9)
        #expect(replayed == .unproven, "a signature over another welcome proves nothing")
        let unsigned = pin.judge(ServerProof(publicKey: key, signature: []), nick: "x", requestID: 4, token: 9)
        #expect(unsigned == .unproven)
        let missing = pin.judge(nil, nick: "x", requestID: 5, token: 9)
        #expect(missing == .unproven)
        let other = pin.judge(Self.proof(Self.otherKey, requestID: 6), nick: "x", requestID: 6, token: 9)
        #expect(other == .otherKey)
    }

    @Test("a first welcome with a bad signature is not pinned")
    func badFirstSignature() throws {
        var pin = ServerKeyPin(pinned: nil)
        var forged = try #require(Self.proof(Self.serverKey))
        forged.signature[0] ^= 1
        #expect(pin.judge(forged, nick: "x", requestID: 1, token: 9) == .unproven)
        #expect(pin.pinned == nil)
    }
}

/// The ephemeral key a client makes ahead, between chats, so a first chat does not wait for it.
@Suite("Session parts: the spare ephemeral key")
struct SpareEphemeralTests {
    @Test("a spare ephemeral key made ahead serves the next handshake, started or answered, once; then one is made on the spot")
    func spareEphemeral() throws {
        let spare = [UInt8](repeating: 0x33, count: 32), seed = [UInt8](repeating: 0x34, count: 32)
        let spareKey = try X25519Key(privateKey: spare), seedKey = try X25519Key(privateKey: seed)
        var x = PeerHandshakes(nick: "x", identity: SessionPartsTests.x, staticKey: SessionVectors.key(0x11))
        #expect(x.needsSpare)
        x.prepareSpare(seed: spare)
        #expect(!x.needsSpare)
        let started = x.initiate(with: "y", index: 1, ephemeral: seed, now: .zero)
        let first = try #require(started)
        guard case .handshakeInit(_, _, let noise, _) = first.message else { Issue.record("not an init"); return }
        #expect(noise == spareKey.publicKey, "the init carries the spare key, not one made from the seed")
        #expect(x.needsSpare, "a spare serves one handshake")
        let restarted = x.initiate(with: "z", index: 2, ephemeral: seed, now: .zero)
        let second = try #require(restarted)
        guard case .handshakeInit(_, _, let later, _) = second.message else { Issue.record("not an init"); return }
        #expect(later == seedKey.publicKey, "with no spare, the key is made from the seed")

        var y = PeerHandshakes(nick: "y", identity: SessionPartsTests.y, staticKey: SessionVectors.key(0x22))
        y.prepareSpare(seed: seed)
        let answered = y.answer(from: "x", sender: 1, noise: noise, index: 3, ephemeral: spare, now: .zero)
        let reply = try #require(answered)
        guard case .handshakeReply(_, _, let answer) = reply.message else { Issue.record("not a reply"); return }
        #expect(Array(answer.prefix(32)) == seedKey.publicKey, "the reply carries the responder's spare key")
        #expect(y.needsSpare)
        #expect(x.readReply(sender: 3, receiver: 1, noise: answer) != nil, "a handshake on spare keys completes")
    }

    @Test("a client makes its spare ephemeral key at the start and again at the next tick after a handshake used it, unless told not to")
    func clientKeepsASpare() {
        var config = ClientConfig(nick: "x", server: Address(host: "127.0.0.1", port: 9000))
        config.random = .seeded(1)
        var machine = ClientMachine(config: config)
        #expect(!machine.sessions.needsSpareEphemeral)
        _ = machine.sessions.initiate(with: "y", index: 1, ephemeral: [UInt8](repeating: 0x34, count: 32), now: .zero)
        #expect(machine.sessions.needsSpareEphemeral)
        _ = machine.handle(.tick, at: .zero)
        #expect(!machine.sessions.needsSpareEphemeral)

        config.makesEphemeralKeysAhead = false
        var storming = ClientMachine(config: config)
        #expect(storming.sessions.needsSpareEphemeral, "turned off, nothing is made ahead")
        _ = storming.handle(.tick, at: .zero)
        #expect(storming.sessions.needsSpareEphemeral)
    }
}
