import ChatKitCrypto

/// The client's end-to-end sessions with its peers: Noise XX handshakes (`PeerHandshakes`), then one
/// `SessionCipher` per session, found by the index the peer puts on each sealed packet (as WireGuard's
/// receiver index). A session is replaced after `rekeyAfter` and refused after `rejectAfter`, so its
/// keys, and what they sealed, are gone within minutes (forward secrecy). Packets to a peer without a
/// usable session wait here while a handshake runs.
struct PeerSessions {
    /// A finished handshake: what both sides seal and open with.
    struct Session {
        let nick: String
        let remoteIndex: UInt32
        var cipher: SessionCipher
        /// The peer's Ed25519 identity key, proved in the handshake.
        let identity: [UInt8]
        let startedAt: Instant
        /// When an authenticated packet last came on this session.
        var lastHeard: Instant
        /// The initiator's third handshake message, resent before each sealed packet until the peer is
        /// heard on the session (if it was lost, the peer cannot open them).
        var unconfirmedFinish: Packet?
    }

    /// What a finished handshake asks of the machine.
    struct Completion: Equatable {
        let nick: String
        /// The peer's identity key, to check against the pin.
        let identity: [UInt8]
        /// The third handshake message, for the initiator to send.
        let finish: Packet?
    }

    /// The longest a session is used for sending before a new handshake replaces it (WireGuard's 2 minutes).
    let rekeyAfter: Duration
    /// The longest a session is used at all: after this it opens nothing.
    let rejectAfter: Duration
    /// Most packets that wait for one peer's handshake; the oldest go first (their chats still time out to the server).
    static let maxWaitingPerPeer = 256
    /// Most sessions kept per peer: the current one and those the peer may still be sending on.
    static let maxSessionsPerPeer = 3

    private(set) var handshakes: PeerHandshakes
    private var sessions: [UInt32: Session] = [:]
    private var current: [String: UInt32] = [:]
    private var waiting: [String: [Packet]] = [:]
    /// Sealed packets and handshake messages that did not authenticate, and replays: dropped, counted.
    private(set) var authenticationFailures = 0
    /// Packets that could not be encoded or sealed (too big, say), and so were not sent.
    private(set) var sealingFailures = 0

    init(nick: String, identity: IdentityKey?, staticKey: X25519Key?, rekeyAfter: Duration, rejectAfter: Duration) {
        handshakes = PeerHandshakes(nick: nick, identity: identity, staticKey: staticKey)
        self.rekeyAfter = rekeyAfter
        self.rejectAfter = rejectAfter
    }

    /// What sealing a packet on the current session came to.
    struct Sealed {
        /// The packets to send: the third handshake message first while the session is unconfirmed. Empty
        /// if the packet could not be encoded or sealed (counted in `sealingFailures`).
        let packets: [Packet]
        /// The session is old enough to be replaced by a new handshake, and none runs yet.
        let isDueForRekey: Bool
        /// When an authenticated packet last came on the session.
        let lastHeard: Instant
    }

    /// `inner` sealed for `nick` on the current session, or nil if there is none young enough to use. One
    /// look-up of the nick and one of the session, since this runs for every chat and ACK.
    mutating func sealOnCurrent(_ inner: Packet, for nick: String, now: Instant) -> Sealed? {
        guard let index = current[nick] else { return nil }
        let (rejectAfter, rekeyAfter) = (rejectAfter, rekeyAfter)
        let outcome = inPlace(index) { session -> (sealing: Result<[Packet], SealingFailure>, isOld: Bool, lastHeard: Instant)? in
            guard now - session.startedAt < rejectAfter else { return nil }
            return (Self.seal(inner, on: &session), now - session.startedAt >= rekeyAfter, session.lastHeard)
        }
        guard let outcome = outcome ?? nil else { return nil }
        let isDueForRekey = outcome.isOld && handshakes.initiating(nick, now: now) == nil
        return Sealed(packets: packets(outcome.sealing), isDueForRekey: isDueForRekey, lastHeard: outcome.lastHeard)
    }

    /// Closes the session just set up with `nick` (its key was not the one the server names): packets
    /// waiting for it are dropped (their chats time out to the server), and older sessions stand.
    mutating func close(_ nick: String) {
        guard let index = current[nick] else { return }
        sessions[index] = nil
        current[nick] = sessions.filter { $0.value.nick == nick }.max { $0.value.startedAt < $1.value.startedAt }?.key
        waiting[nick] = nil
    }

    /// Whether a session with `nick` was heard from since `since`: its path is proved, and a plain punch
    /// may not move it.
    mutating func isLive(_ nick: String, since: Instant) -> Bool {
        guard let index = current[nick] else { return false }
        return inPlace(index) { $0.lastHeard >= since } ?? false
    }

    /// The peer's proved identity key on the current session, if any.
    func identity(of nick: String) -> [UInt8]? {
        current[nick].flatMap { sessions[$0]?.identity }
    }

    /// Why a packet could not be sealed: it did not encode (too big, say), or libcrypto failed.
    enum SealingFailure: Error {
        case encoding(WireError)
        case crypto(CryptoError)
    }

    /// `inner` sealed on `session`: the packets to send, the third handshake message first while the
    /// session is unconfirmed.
    private static func seal(_ inner: Packet, on session: inout Session) -> Result<[Packet], SealingFailure> {
        let plaintext: [UInt8]
        do { plaintext = try inner.encoded() } catch { return .failure(.encoding(error)) }
        let sealed: (counter: UInt64, sealed: [UInt8])
        do {
            sealed = try session.cipher.seal(plaintext, associatedData: associatedData(receiver: session.remoteIndex))
        } catch {
            return .failure(.crypto(error))
        }
        let packet = Packet(id: sealed.counter, message: .sealed(receiver: session.remoteIndex, ciphertext: sealed.sealed))
        guard let finish = session.unconfirmedFinish else { return .success([packet]) }
        return .success([finish, packet])
    }

    /// The packets a sealing gave; none for a failure, which is counted in `sealingFailures`.
    private mutating func packets(_ sealing: Result<[Packet], SealingFailure>) -> [Packet] {
        switch sealing {
        case .success(let packets): return packets
        case .failure:
            sealingFailures += 1
            return []
        }
    }

    /// Keeps `inner` for `nick` until a session is ready (once, however many addresses it was meant for).
    mutating func hold(_ inner: Packet, for nick: String) {
        var queue = waiting[nick, default: []]
        guard !queue.contains(inner) else { return }
        queue.append(inner)
        if queue.count > Self.maxWaitingPerPeer { queue.removeFirst(queue.count - Self.maxWaitingPerPeer) }
        waiting[nick] = queue
    }

    /// A sealed packet from `source`'s session `receiver`, with counter `counter`: the peer and the packet
    /// inside, or nil for anything that does not authenticate or is replayed (counted).
    mutating func open(receiver: UInt32, counter: UInt64, ciphertext: [UInt8], now: Instant) -> (nick: String, inner: Packet)? {
        let rejectAfter = rejectAfter
        let opened = inPlace(receiver) { session -> (nick: String, inner: Packet)? in
            guard now - session.startedAt < rejectAfter,
                let plaintext = session.cipher.open(ciphertext, counter: counter, associatedData: Self.associatedData(receiver: receiver)),
                let inner = Self.decode(plaintext)
            else { return nil }
            session.lastHeard = now
            if session.unconfirmedFinish != nil { session.unconfirmedFinish = nil }
            return (session.nick, inner)
        }
        guard let opened = opened ?? nil else {
            authenticationFailures += 1
            return nil
        }
        return opened
    }

    // MARK: - Handshakes

    /// Whether the next handshake's ephemeral key is still to be made (`prepareSpareEphemeral(seed:)`).
    var needsSpareEphemeral: Bool { handshakes.needsSpare }

    /// Makes the next handshake's ephemeral key ahead from `seed`, so a first chat does not wait for it.
    mutating func prepareSpareEphemeral(seed: [UInt8]) {
        handshakes.prepareSpare(seed: seed)
    }

    /// Starts (or repeats) a handshake with `nick`: the first message to send. Nil if no key is available.
    mutating func initiate(with nick: String, index: UInt32, ephemeral: [UInt8], now: Instant) -> Packet? {
        if let packet = handshakes.initiating(nick, now: now) { return packet }
        return handshakes.initiate(with: nick, index: freeIndex(index), ephemeral: ephemeral, now: now)
    }

    /// The responder's answer to a first message from `from`, or nil (counted when it does not parse).
    mutating func answer(
        from nick: String, sender: UInt32, noise: [UInt8], index: UInt32, ephemeral: [UInt8], now: Instant
    ) -> Packet? {
        handshakes.answer(from: nick, sender: sender, noise: noise, index: freeIndex(index), ephemeral: ephemeral, now: now)
    }

    /// The initiator reads the second message: on success a session, and the third message to send.
    mutating func complete(reply sender: UInt32, receiver: UInt32, noise: [UInt8], now: Instant) -> (Completion, flushed: [Packet])? {
        guard let finished = handshakes.readReply(sender: sender, receiver: receiver, noise: noise) else {
            authenticationFailures += 1
            return nil
        }
        let finish = Packet(id: finished.finishID, message: .handshakeFinish(receiver: sender, noise: finished.finish))
        return establish(finished.result, localIndex: receiver, remoteIndex: sender, finish: finish, now: now)
    }

    /// The responder reads the third message: on success a session.
    mutating func complete(finish receiver: UInt32, noise: [UInt8], now: Instant) -> (Completion, flushed: [Packet])? {
        guard let (result, remoteIndex) = handshakes.readFinish(receiver: receiver, noise: noise) else {
            authenticationFailures += 1
            return nil
        }
        return establish(result, localIndex: receiver, remoteIndex: remoteIndex, finish: nil, now: now)
    }

    /// A finished handshake becomes the peer's current session; older ones stay to open late packets, up
    /// to `maxSessionsPerPeer`. What waited for it is sealed now.
    private mutating func establish(
        _ result: PeerHandshakes.Result, localIndex: UInt32, remoteIndex: UInt32, finish: Packet?, now: Instant
    ) -> (Completion, flushed: [Packet]) {
        let nick = result.nick
        sessions[localIndex] = Session(
            nick: nick, remoteIndex: remoteIndex, cipher: result.cipher, identity: result.identity, startedAt: now,
            lastHeard: now, unconfirmedFinish: finish)
        current[nick] = localIndex
        let older = sessions.filter { $0.value.nick == nick }.sorted { $0.value.startedAt > $1.value.startedAt }
        for (index, _) in older.dropFirst(Self.maxSessionsPerPeer) { sessions[index] = nil }
        var flushed: [Packet] = []
        for inner in waiting.removeValue(forKey: nick) ?? [] {
            // The third message goes once, ahead of everything sealed.
            guard let sealing = inPlace(localIndex, { Self.seal(inner, on: &$0) }) else { continue }
            flushed += packets(sealing).filter { $0.message.kind == .sealed }
        }
        return (Completion(nick: nick, identity: result.identity, finish: finish), flushed)
    }

    /// Forgets everything (the client went offline): peers start afresh.
    mutating func removeAll() {
        sessions = [:]
        current = [:]
        waiting = [:]
        handshakes.removeAll()
    }

    /// `body` run on session `index` where it is kept, or nil if there is none. Dictionary's getter would
    /// copy the whole session (a retain of each of its parts) at every packet; `values`' accessor does not.
    private mutating func inPlace<Result>(_ index: UInt32, _ body: (inout Session) -> Result) -> Result? {
        guard let position = sessions.index(forKey: index) else { return nil }
        return body(&sessions.values[position])
    }

    /// `drawn`, or the next index after it that no session or handshake uses (never 0).
    private func freeIndex(_ drawn: UInt32) -> UInt32 {
        var index = drawn
        while index == 0 || sessions.index(forKey: index) != nil || handshakes.uses(index) { index &+= 1 }
        return index
    }

    /// The packet inside an authenticated plaintext; nil if the peer sealed something malformed.
    private static func decode(_ plaintext: [UInt8]) -> Packet? {
        do { return try Packet(decoding: plaintext) } catch { return nil }
    }

    /// What each sealed packet authenticates besides its text: the receiver's index.
    static func associatedData(receiver: UInt32) -> [UInt8] {
        [UInt8(receiver >> 24), UInt8(truncatingIfNeeded: receiver >> 16), UInt8(truncatingIfNeeded: receiver >> 8), UInt8(truncatingIfNeeded: receiver)]
    }
}
