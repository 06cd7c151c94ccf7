/// What the server does for peers that cannot reach each other on their own: it coordinates hole
/// punching (ICE-style connectivity checks, as libp2p's DCUtR or Tailscale's disco) and relays chats.
extension ServerMachine {
    /// `token`'s holder wants to reach `peer`: the peer is told to punch toward the asker's addresses (the
    /// one the server sees, then the asker's own), with the asker's nonce as proof for the asker. The order
    /// is never bigger than the request (`requestBytes`; candidates that do not fit are left out), and one
    /// pair gets at most one order per `config.punchOrderInterval`: nobody is sent more than the asker sent.
    mutating func punchRequested(_ id: UInt64, token: UInt64, peer: String, nonce: UInt64, requestBytes: Int, from source: Address) {
        guard let asker = heardFrom(token, at: source), let askerRecord = sessions[asker] else {
            return drop("\(source): punch request from no session")
        }
        // The peer is this server's client, or (in a group) another server's, which sends the order on.
        let target = sessions[peer].flatMap { $0.online ? $0 : nil }
        let elsewhere = target == nil ? group.liveRemote(peer) : nil
        guard peer != asker, target != nil || elsewhere != nil else { return }
        guard peerServices.admit(asker, now: now) else { return drop("\(asker): punch requests over the rate") }
        contacts.wrote(asker, to: peer)
        var candidates = [askerRecord.address] + askerRecord.candidates
        while !candidates.isEmpty,
            Message.punchOrder(token: target?.token ?? 0, peer: asker, nonce: nonce, candidates: candidates).datagramBytes > requestBytes
        {
            candidates.removeLast()
        }
        guard !candidates.isEmpty else { return drop("\(asker): punch request smaller than its order") }
        guard punchOrders.admit(asker, toward: peer, now: now) else { return }
        statistics.punchOrders += 1
        if let target {
            reply(id, .punchOrder(token: target.token, peer: asker, nonce: nonce, candidates: candidates), to: target.address)
        } else if let elsewhere {
            forward(Packet(id: id, message: .punchOrder(token: 0, peer: asker, nonce: nonce, candidates: candidates)), for: peer, at: elsewhere.serverKey)
        }
    }

    /// Relays the chat `key` to the online `recipient` (the sender could not reach it directly), or through
    /// the server of the group it is online at.
    mutating func relay(_ key: MessageKey, _ request: SaveRequest, to recipient: ClientRecord, from source: Address, through elsewhere: PresenceRow? = nil) {
        if !relays.isUnderWay(to: recipient.nick, id: key.id) {
            guard peerServices.admit(key.sender, now: now) else { return drop("\(key.sender): relays over the rate") }
        }
        // Timed from the recipient's measured round trip (RFC 6298), so a vanished recipient's chat is
        // stored within a few round trips on a fast path, and never sooner than 5 × relayMinInterval.
        let interval = retransmissionTimeout(toward: recipient.nick, floor: config.relayMinInterval, cap: config.relayInterval)
        let relay = ServerRelays.Relay(
            key: key, recipient: recipient.nick, recipientToken: recipient.token, recipientAddress: elsewhere?.address ?? recipient.address,
            senderAddress: source, text: request.text, nextAt: now, interval: interval, throughServer: elsewhere?.serverKey)
        if let directive = relays.start(relay, now: now) { carryOut([directive]) }
    }

    /// The recipient showed the relayed chat `id`: its sender hears "relayed", and nothing is stored.
    mutating func relayAcknowledged(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source) else { return drop("\(source): relay acknowledgement from no session") }
        // A chat another server relayed through this one: its acknowledgement goes back there.
        if let origin = group.relayedThroughHere.removeValue(forKey: ServerRelays.RelayKey(recipient: nick, id: id)) {
            return forward(Packet(id: id, message: .relayedChatAck(token: 0)), for: nick, at: origin)
        }
        carryOut(relays.acknowledged(by: nick, id: id, now: now))
    }

    /// Resends relayed chats that are due; those unanswered every time are stored, and their recipient is
    /// probed (it may be gone).
    mutating func retryRelays() {
        carryOut(relays.tick(now))
    }

    /// Carries out what the relays decided: chats go to their recipients, an acknowledged one is answered
    /// "relayed" to its sender, and an unanswered one is stored (its recipient, if still online, probed).
    mutating func carryOut(_ directives: [ServerRelays.Directive]) {
        for directive in directives {
            switch directive {
            case .send(let relay):
                if let server = relay.throughServer {
                    forward(Packet(id: relay.key.id, message: .relayedChat(token: 0, from: relay.key.sender, text: relay.text)), for: relay.recipient, at: server)
                    continue
                }
                let chat = Message.relayedChat(token: relay.recipientToken, from: relay.key.sender, text: relay.text)
                emit(.send(Packet(id: relay.key.id, message: chat), to: relay.recipientAddress))
            case .acknowledged(let relay):
                // Answered at the first send: a round trip, measured (a later send's answer is ambiguous).
                if relay.sent == 1 { sessions.sampleRoundTrip(relay.recipient, (now - relay.nextAt) + relay.interval) }
                statistics.chatsRelayed += 1
                reply(relay.key.id, .saveReply(.relayed, peer: nil), to: relay.senderAddress)
            case .unanswered(let relay):
                store(relay.key, for: relay.recipient, text: relay.text, answering: relay.senderAddress)
                if let record = sessions[relay.recipient], record.online {
                    log(.probingAfterNoAck(nick: relay.recipient, reportedBy: relay.key.sender))
                    startProbe(of: record)
                }
            }
        }
    }
}
