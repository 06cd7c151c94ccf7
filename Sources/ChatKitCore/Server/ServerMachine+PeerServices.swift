/// What the server does for peers that cannot reach each other on their own: it coordinates hole
/// punching (ICE-style connectivity checks, as libp2p's DCUtR or Tailscale's disco) and relays chats.
extension ServerMachine {
    /// `token`'s holder wants to reach `peer`: the peer is told to punch toward the asker's addresses (the
    /// one the server sees, then the asker's own), with the asker's nonce as proof for the asker.
    mutating func punchRequested(_ id: UInt64, token: UInt64, peer: String, nonce: UInt64, from source: Address) {
        guard let asker = heardFrom(token, at: source), let askerRecord = sessions[asker] else {
            return drop("\(source): punch request from no session")
        }
        guard peer != asker, let target = sessions[peer], target.online else { return }
        guard peerServices.admit(asker, now: now) else { return drop("\(asker): punch requests over the rate") }
        statistics.punchOrders += 1
        let order = Message.punchOrder(token: target.token, peer: asker, nonce: nonce, candidates: [askerRecord.address] + askerRecord.candidates)
        reply(id, order, to: target.address)
    }

    /// Relays the chat `key` to the online `recipient` (the sender could not reach it directly).
    mutating func relay(_ key: MessageKey, _ request: SaveRequest, to recipient: ClientRecord, from source: Address) {
        if !relays.isUnderWay(to: recipient.nick, id: key.id) {
            guard peerServices.admit(key.sender, now: now) else { return drop("\(key.sender): relays over the rate") }
        }
        let relay = ServerRelays.Relay(
            key: key, recipient: recipient.nick, recipientToken: recipient.token, recipientAddress: recipient.address,
            senderAddress: source, text: request.text, nextAt: now)
        if let datagram = relays.start(relay, now: now) { send([datagram]) }
    }

    /// The recipient showed the relayed chat `id`: its sender hears "relayed", and nothing is stored.
    mutating func relayAcknowledged(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source) else { return drop("\(source): relay acknowledgement from no session") }
        guard let relay = relays.acknowledged(by: nick, id: id) else { return }
        statistics.chatsRelayed += 1
        reply(id, .saveReply(.relayed, peer: nil), to: relay.senderAddress)
    }

    /// Resends relayed chats that are due; those unanswered every time are stored, and their recipient is
    /// probed (it may be gone).
    mutating func retryRelays() {
        let (sends, failed) = relays.tick(now)
        send(sends)
        for relay in failed {
            store(relay.key, for: relay.recipient, text: relay.text, answering: relay.senderAddress)
            if let record = sessions[relay.recipient], record.online {
                log(.probingAfterNoAck(nick: relay.recipient, reportedBy: relay.key.sender))
                startProbe(of: record)
            }
        }
    }
}
