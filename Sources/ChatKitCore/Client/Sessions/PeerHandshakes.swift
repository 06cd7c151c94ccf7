import ChatKitCrypto

/// The Noise XX handshakes under way, both those this client started (one per peer) and those it
/// answers (at most `maxAnswering`, oldest dropped first, so a flood of first messages holds little).
/// Each side's payload is its `SessionProof`; a handshake ends only if the proof is good for the nick.
struct PeerHandshakes {
    /// A handshake that finished: the session's cipher and who is at the other end.
    struct Result {
        let nick: String
        let identity: [UInt8]
        let cipher: SessionCipher
    }

    /// The initiator's view of a finished handshake: its result, and the third message to send.
    struct Finished {
        let result: Result
        let finish: [UInt8]
        let finishID: UInt64
    }

    private struct Pending {
        let nick: String
        var state: NoiseHandshake
        let startedAt: Instant
        /// The message to send again when the same step is asked for again: the first (initiator), or
        /// the reply to a repeated first message (responder).
        let packet: Packet
        /// Responder: the initiator's index and its first message, to know a repeat.
        let remoteIndex: UInt32
        let firstMessage: [UInt8]
    }

    /// The AEAD of peer sessions: AES-256-GCM, about half the cost of ChaCha20-Poly1305 per message on
    /// processors with AES instructions (docs/BENCHMARKS.md).
    static let cipher = AEADAlgorithm.aesGCM
    /// Most handshakes answered at once.
    static let maxAnswering = 64
    /// How long a handshake this client started is repeated before a fresh one replaces it.
    static let initiationLifetime: Duration = .seconds(5)

    let nick: String
    let staticKey: X25519Key?
    /// Our payload in every handshake: the identity key's signature over the nick and the static key,
    /// which never change, so it is signed once (an Ed25519 signature costs tens of microseconds, on the
    /// first chat's path twice).
    private let proof: SessionProof?
    /// An ephemeral key made ahead, between chats: making one costs a scalar multiplication (tens of
    /// microseconds), so the next handshake, started or answered, takes this one instead.
    private var spareEphemeral: X25519Key?
    private var pending: [UInt32: Pending] = [:]
    private var initiated: [String: UInt32] = [:]
    private var answering: [UInt32] = []

    init(nick: String, identity: IdentityKey?, staticKey: X25519Key?) {
        self.nick = nick
        self.staticKey = staticKey
        self.proof = staticKey.flatMap { staticKey in identity.flatMap { try? SessionProof.make(nick: nick, staticKey: staticKey.publicKey, identity: $0) } }
    }

    /// Whether no spare ephemeral key waits, so `prepareSpare(seed:)` has one to make.
    var needsSpare: Bool { staticKey != nil && spareEphemeral == nil }

    /// Makes the spare ephemeral key from 32 fresh bytes; used once, by the next handshake, then gone.
    mutating func prepareSpare(seed: [UInt8]) {
        spareEphemeral = try? X25519Key(privateKey: seed)
    }

    /// The spare ephemeral key if one waits (it is used up), else one made from `seed` now.
    private mutating func ephemeralKey(seed: [UInt8]) -> X25519Key? {
        defer { spareEphemeral = nil }
        return spareEphemeral ?? (try? X25519Key(privateKey: seed))
    }

    /// Whether `index` is taken by a handshake.
    func uses(_ index: UInt32) -> Bool { pending[index] != nil }

    /// The first message of the handshake started with `nick`, if one is under way and younger than
    /// `initiationLifetime` (an older one is abandoned: the next send starts afresh).
    func initiating(_ nick: String, now: Instant) -> Packet? {
        guard let index = initiated[nick], let entry = pending[index], now - entry.startedAt < Self.initiationLifetime else { return nil }
        return entry.packet
    }

    /// Starts a handshake with `nick`; its first message, padded to the size of the reply it asks for.
    mutating func initiate(with peer: String, index: UInt32, ephemeral: [UInt8], now: Instant) -> Packet? {
        guard let staticKey, let ephemeralKey = ephemeralKey(seed: ephemeral),
            var state = try? NoiseHandshake(
                role: .initiator, prologue: SessionProof.prologue(initiator: nick, responder: peer),
                staticKey: staticKey, ephemeral: ephemeralKey, cipher: Self.cipher),
            let first = try? state.writeMessage()
        else { return nil }
        let padding = max(0, Self.replyBytes - Message.handshakeInit(from: nick, sender: index, noise: first).datagramBytes)
        let packet = Packet(id: UInt64(index), message: .handshakeInit(from: nick, sender: index, noise: first, padding: padding))
        if let abandoned = initiated[peer] { pending[abandoned] = nil }
        pending[index] = Pending(nick: peer, state: state, startedAt: now, packet: packet, remoteIndex: 0, firstMessage: [])
        initiated[peer] = index
        return packet
    }

    /// Answers `peer`'s first message: the second message, the same one again for a repeat. Nil if the
    /// message does not parse or no key is available.
    mutating func answer(from peer: String, sender: UInt32, noise: [UInt8], index: UInt32, ephemeral: [UInt8], now: Instant) -> Packet? {
        if let repeated = pending.values.first(where: { $0.nick == peer && $0.remoteIndex == sender && $0.firstMessage == noise }) {
            return repeated.packet
        }
        guard let staticKey, let proof, let ephemeralKey = ephemeralKey(seed: ephemeral),
            var state = try? NoiseHandshake(
                role: .responder, prologue: SessionProof.prologue(initiator: peer, responder: nick),
                staticKey: staticKey, ephemeral: ephemeralKey, cipher: Self.cipher),
            (try? state.readMessage(noise)) != nil,
            let reply = try? state.writeMessage(payload: proof.bytes)
        else { return nil }
        let packet = Packet(id: UInt64(index), message: .handshakeReply(sender: index, receiver: sender, noise: reply))
        pending[index] = Pending(nick: peer, state: state, startedAt: now, packet: packet, remoteIndex: sender, firstMessage: noise)
        answering.append(index)
        if answering.count > Self.maxAnswering { pending[answering.removeFirst()] = nil }
        return packet
    }

    /// The initiator reads the reply to its handshake `receiver`; nil unless it authenticates and proves
    /// the peer's identity for the nick it meant to reach.
    mutating func readReply(sender: UInt32, receiver: UInt32, noise: [UInt8]) -> Finished? {
        guard var entry = pending[receiver], entry.remoteIndex == 0, let proof,
            let payload = try? entry.state.readMessage(noise),
            let result = Self.result(entry.nick, entry.state, payload),
            let finish = try? entry.state.writeMessage(payload: proof.bytes),
            let cipher = try? SessionCipher(entry.state)
        else { return nil }
        pending[receiver] = nil
        if initiated[entry.nick] == receiver { initiated[entry.nick] = nil }
        return Finished(result: Result(nick: result.nick, identity: result.identity, cipher: cipher), finish: finish, finishID: UInt64(receiver))
    }

    /// The responder reads the third message for its handshake `receiver`: the result and the
    /// initiator's index, or nil unless it authenticates and proves the initiator's identity.
    mutating func readFinish(receiver: UInt32, noise: [UInt8]) -> (Result, remoteIndex: UInt32)? {
        guard var entry = pending[receiver], entry.remoteIndex != 0,
            let payload = try? entry.state.readMessage(noise),
            let result = Self.result(entry.nick, entry.state, payload),
            let cipher = try? SessionCipher(entry.state)
        else { return nil }
        pending[receiver] = nil
        answering.removeAll { $0 == receiver }
        return (Result(nick: result.nick, identity: result.identity, cipher: cipher), entry.remoteIndex)
    }

    /// Forgets every handshake.
    mutating func removeAll() {
        pending = [:]
        initiated = [:]
        answering = []
    }

    /// The peer's identity if `payload` proves it for `peer` and the static key the handshake proved.
    private static func result(_ peer: String, _ state: NoiseHandshake, _ payload: [UInt8]) -> (nick: String, identity: [UInt8])? {
        guard let staticKey = state.remoteStaticKey, let proof = SessionProof(decoding: payload),
            proof.isValid(nick: peer, staticKey: staticKey)
        else { return nil }
        return (peer, proof.identityKey)
    }

    /// The size of a reply datagram: the header, two indexes and the second message (an ephemeral key,
    /// the sealed static key and the sealed proof).
    static let replyBytes = Message.handshakeReply(sender: 0, receiver: 0, noise: [UInt8](repeating: 0, count: 32 + 48 + 96 + 16)).datagramBytes
}
