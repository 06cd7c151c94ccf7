import ChatKitCrypto

/// End-to-end sessions with peers: every chat and ACK between clients goes sealed in a session set up by
/// a Noise XX handshake that proves both identity keys (`PeerSessions`); nothing unsealed from a peer is
/// shown or counts as an ACK. Keys are pinned at the first session and a change is warned about.
extension ClientMachine {
    /// Sends `inner` (a chat or an ACK) to `nick` at `address`, sealed. Without a usable session it waits
    /// while a handshake runs. Beside a session due for replacement a new handshake starts; beside one not
    /// heard from since `quietSince` (a resend: the peer may have restarted) too, and the packet waits for
    /// it as well.
    mutating func sendSealed(_ inner: Packet, to nick: String, at address: Address, quietSince: Instant? = nil) {
        if let sealed = sessions.sealOnCurrent(inner, for: nick, now: now) {
            if sealed.packets.isEmpty { show(.problem("A message for <\(nick)> could not be sealed; it goes to the server instead.")) }
            for packet in sealed.packets { transmit(packet, to: address) }
            if sealed.isDueForRekey { startHandshake(with: nick, at: address) }
            guard let quietSince, sealed.lastHeard < quietSince else { return }
        }
        sessions.hold(inner, for: nick)
        startHandshake(with: nick, at: address)
    }

    /// Makes the next handshake's ephemeral key if none waits: when the machine is made and at each tick,
    /// between chats, so neither side of a first chat spends a scalar multiplication on it.
    mutating func prepareSpareEphemeral() {
        if config.makesEphemeralKeysAhead, sessions.needsSpareEphemeral { sessions.prepareSpareEphemeral(seed: newKeySeed()) }
    }

    /// Sends the first handshake message toward `nick` at `address` (the same one again while it runs).
    mutating func startHandshake(with nick: String, at address: Address) {
        if let packet = sessions.handshakes.initiating(nick, now: now) { return transmit(packet, to: address) }
        let (index, seed) = (newSessionIndex(), newKeySeed())
        guard let packet = sessions.initiate(with: nick, index: index, ephemeral: seed, now: now) else {
            return drop()
        }
        transmit(packet, to: address)
    }

    /// A first handshake message: answered only for a registered client whose address speaks for
    /// `from`, with a reply no bigger than it, so a forged source cannot aim replies at anyone.
    mutating func handshakeInitArrived(from nick: String, sender: UInt32, noise: [UInt8], source: Address) {
        guard isRegisteredWithServer, nick != config.nick, isAddress(source, of: nick) else { return drop() }
        let (index, seed) = (newSessionIndex(), newKeySeed())
        guard let reply = sessions.answer(from: nick, sender: sender, noise: noise, index: index, ephemeral: seed, now: now) else {
            return drop()
        }
        transmit(reply, to: source)
    }

    /// The reply to our first message: the session is set up, the third message goes back, and what
    /// waited goes sealed to the address that answered, which becomes the peer's path.
    mutating func handshakeReplyArrived(sender: UInt32, receiver: UInt32, noise: [UInt8], source: Address) {
        guard let (completion, flushed) = sessions.complete(reply: sender, receiver: receiver, noise: noise, now: now) else {
            return drop()
        }
        guard sessionEstablished(completion, at: source) else { return }
        if let finish = completion.finish { transmit(finish, to: source) }
        for packet in flushed { transmit(packet, to: source) }
    }

    /// The third message: the peer proved its identity, and the session is set up.
    mutating func handshakeFinishArrived(receiver: UInt32, noise: [UInt8], source: Address) {
        guard let (completion, flushed) = sessions.complete(finish: receiver, noise: noise, now: now) else { return drop() }
        guard sessionEstablished(completion, at: source) else { return }
        for packet in flushed { transmit(packet, to: source) }
    }

    /// A session proved `completion.identity` for its nick. Unless it is the key the server's row names
    /// for the nick (a process on a departed peer's port, say), the session is closed at once and nothing
    /// goes on it: the chats waiting for it time out to the server. Else the key is pinned if new, warned
    /// about if changed (before anything from it is shown); the address it came from is the peer's path.
    /// Returns whether the session stands.
    private mutating func sessionEstablished(_ completion: PeerSessions.Completion, at source: Address) -> Bool {
        if let expected = replica[completion.nick]?.identityKey, expected != completion.identity {
            sessions.close(completion.nick)
            drop()
            return false
        }
        switch pins.observe(completion.nick, publicKey: completion.identity) {
        case .same: break
        case .pinned(let pin): emit(.keepPinnedKey(pin))
        case .changed(let pin, let wasVerified):
            show(.peerKeyChanged(completion.nick, wasVerified: wasVerified))
            emit(.keepPinnedKey(pin))
        }
        paths.learnDirect(completion.nick, at: source, now: now)
        _ = chats.redirect(completion.nick, to: source)
        return true
    }

    /// A sealed packet: opened with its session, or dropped (forged, tampered, replayed, too old). An
    /// authenticated packet from a new address moves the peer's path there (NAT rebinding, roaming).
    mutating func sealedArrived(_ packet: Packet, receiver: UInt32, ciphertext: [UInt8], source: Address) {
        guard isRegisteredWithServer, let (nick, inner) = sessions.open(receiver: receiver, counter: packet.id, ciphertext: ciphertext, now: now) else {
            return drop()
        }
        if paths.direct(to: nick) != source { paths.learnDirect(nick, at: source, now: now) }
        switch inner.message {
        case .chat(let from, let text) where from == nick:
            if let notice = inbox.chatArrived(inner.id, from: nick, text: text) { show(notice) }
            inbox.holdAck(inner.id, for: PeerEndpoint(nick: nick, address: source))
        case .chatAck: chatAcknowledged(inner.id, by: nick, at: source)
        case .chatAcks(let ids): for id in ids { chatAcknowledged(id, by: nick, at: source) }
        default: drop()
        }
    }

    /// `verify <nick>`: the safety number for our key and the one pinned for `nick`; with `ok`, the pin
    /// is marked verified (kept by the driver).
    mutating func verify(_ rawNick: String, confirmed: Bool) {
        let nick = replica[rawNick]?.nick ?? rawNick
        guard let pin = pins.keys[nick], let identity else {
            return show(.problem("No key is pinned for <\(nick)> yet: chat with <\(nick)> first, then verify."))
        }
        if confirmed, let verified = pins.markVerified(nick) {
            emit(.keepPinnedKey(verified))
            return show(.keyVerified(nick))
        }
        do {
            let digits = try SafetyNumber.digits(
                localNick: config.nick, localKey: identity.publicKey, remoteNick: nick, remoteKey: pin.publicKey)
            show(.safetyNumber(peer: nick, digits: digits, verified: pin.verified))
        } catch {
            show(.problem("No safety number: \(error)."))
        }
    }
}
