/// Reaching peers behind routers: chats go to every address a peer has until one answers, punches open
/// the routers on the way (asked of the server, ordered by it, or keeping an active path open), and a
/// punch that carries our nonce proves a path. `PeerPaths` keeps what is known of each peer.
extension ClientMachine {
    /// Sends `chat` to its peer: at the address that last answered, if any; else to every address the
    /// peer has (the one the server sees, then its own), with a request that the server have the peer
    /// punch toward us, so that a router on either side lets the chat (or its retry) through.
    mutating func sendDirectly(_ chat: OutgoingChat) {
        var chat = chat
        if let known = paths.activeDirect(to: chat.recipient, now: now) {
            chat.peer = known
            chat.alternatives = []
        } else {
            let candidates = [paths.direct(to: chat.recipient)].compactMap { $0 } + (replica[chat.recipient]?.candidates ?? [])
            chat.alternatives = candidates.filter { $0 != chat.peer }.distinct
            askServerForPunch(toward: chat.recipient)
        }
        paths.used(chat.recipient, now: now)
        let sent = chats.send(chat, now: now, ackTimeout: config.ackTimeout, retransmitAfter: config.chatRetransmitAfter)
        transmitChat(sent)
    }

    /// Asks the server to have `peer` punch toward us, with a fresh nonce that will prove its punch.
    mutating func askServerForPunch(toward peer: String) {
        guard phase == .online, token != 0 else { return }
        let nonce = newMessageID()
        paths.remember(nonce: nonce, for: peer)
        let padding = Message.punchRequestPadding(asker: config.nick, peer: peer, candidates: config.hostCandidates)
        transmit(Packet(id: newMessageID(), message: .punchRequest(token: token, peer: peer, nonce: nonce, padding: padding)), to: server)
    }

    /// Offers a peer reached through the relay a direct path: our own punch to each of its addresses opens
    /// our router toward it, and the server has it punch back with our nonce.
    mutating func requestPunch(toward entry: TableEntry) {
        punch([entry.address] + entry.candidates, nonce: 0)
        askServerForPunch(toward: entry.nick)
    }

    /// One `punch` carrying `nonce` to each of `addresses` (lists from the wire hold at most
    /// `Address.maxCandidates`).
    mutating func punch(_ addresses: [Address], nonce: UInt64) {
        for address in addresses {
            transmit(Packet(id: newMessageID(), message: .punch(from: config.nick, nonce: nonce)), to: address)
        }
    }

    /// One copy of `chat` to each of its targets, sealed; `quietSince` (a resend) also starts a new
    /// handshake if the peer's session has been silent since then.
    mutating func transmitChat(_ chat: OutgoingChat, quietSince: Instant? = nil) {
        for target in chat.targets {
            sendSealed(Packet(id: chat.id, message: .chat(from: config.nick, text: chat.text)), to: chat.recipient, at: target, quietSince: quietSince)
        }
    }

    /// A punch from `from`: with one of our nonces it proves a direct path, and chats waiting for that
    /// peer go there at once; with nonce 0 it only keeps a known path open.
    mutating func punchArrived(from sender: String, nonce: UInt64, source: Address) {
        guard isRegisteredWithServer else { return drop() }
        if paths.isOurs(nonce: nonce, for: sender) {
            // A punch is not sealed: it may open a path, never move one a session has proved lately.
            guard !sessions.isLive(sender, since: now + (.zero - config.chatRetransmitAfter)) else { return }
            paths.learnDirect(sender, at: source, now: now)
            for chat in chats.redirect(sender, to: source) { transmitChat(chat) }
        } else if paths.direct(to: sender) != source {
            drop()
        }
    }

    /// The server asks us to punch toward `peer`, which wants to reach us: one punch to each of its
    /// distinct addresses opens our router to its chats, and proves the path to it with its nonce.
    mutating func punchOrdered(toward peer: String, nonce: UInt64, candidates: [Address]) {
        paths.expect(peer, from: candidates.distinct)
        punch(candidates.distinct, nonce: nonce)
    }
}
