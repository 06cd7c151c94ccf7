/// Chats between peers: what arrives from another client, and the ACKs of what this client sent.
extension ClientMachine {
    mutating func receiveFromPeer(_ packet: Packet, _ source: Address) {
        switch packet.message {
        case .chat(let from, let text): chatArrived(packet.id, from: from, text: text, source: source)
        case .chatAck: chatAcknowledged(packet.id, by: source)
        case .chatAcks(let ids): for id in ids { chatAcknowledged(id, by: source) }
        case .punch(let from, let nonce): punchArrived(from: from, nonce: nonce, source: source)
        default: drop()
        }
    }

    /// Whether a datagram from `source` may speak for `sender`: the address the server gives for it, one
    /// of its own addresses, the address that answered for it, or one the server said it punches from.
    func isAddress(_ source: Address, of sender: String) -> Bool {
        if let row = replica[sender], row.address == source || row.candidates.contains(source) { return true }
        return paths.direct(to: sender) == source || paths.isExpected(sender, at: source)
    }

    mutating func chatArrived(_ id: UInt64, from sender: String, text: String, source: Address) {
        // An offline client does not answer, so the sender falls back to the server as it should. A chat
        // counts only from the address the table gives for its sender, so nobody can speak for another.
        guard isRegisteredWithServer, isAddress(source, of: sender) else { return drop() }
        paths.learnDirect(sender, at: source, now: now)
        if let notice = inbox.chatArrived(id, from: sender, text: text) { show(notice) }
        inbox.holdAck(id, for: source)
    }

    mutating func chatAcknowledged(_ id: UInt64, by source: Address) {
        guard let chat = chats.acknowledged(id, by: source) else { return drop() }
        paths.learnDirect(chat.recipient, at: source, now: now)
        show(.delivered(to: chat.recipient))
    }

    /// A chat the server relayed: shown once like any other, and acknowledged to the server.
    mutating func relayedChatArrived(_ id: UInt64, from sender: String, text: String) {
        if let notice = inbox.chatArrived(id, from: sender, text: text) { show(notice) }
        transmit(Packet(id: id, message: .relayedChatAck(token: token)), to: config.server)
    }
}
