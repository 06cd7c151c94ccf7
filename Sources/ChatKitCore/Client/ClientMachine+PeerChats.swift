/// Chats between peers: what arrives from another client, and the ACKs of what this client sent.
extension ClientMachine {
    mutating func receiveFromPeer(_ packet: Packet, _ source: Address) {
        switch packet.message {
        case .chat(let from, let text): chatArrived(packet.id, from: from, text: text, source: source)
        case .chatAck: chatAcknowledged(packet.id, by: source)
        case .chatAcks(let ids): for id in ids { chatAcknowledged(id, by: source) }
        default: drop()
        }
    }

    mutating func chatArrived(_ id: UInt64, from sender: String, text: String, source: Address) {
        // An offline client does not answer, so the sender falls back to the server as it should. A chat
        // counts only from the address the table gives for its sender, so nobody can speak for another.
        guard isRegisteredWithServer, replica[sender]?.address == source else { return drop() }
        if let notice = inbox.chatArrived(id, from: sender, text: text) { show(notice) }
        if handlingBatch {
            inbox.holdAck(id, for: source)
        } else {
            transmit(Packet(id: id, message: .chatAck), to: source)
        }
    }

    mutating func chatAcknowledged(_ id: UInt64, by source: Address) {
        guard let chat = chats.acknowledged(id, by: source) else { return drop() }
        show(.delivered(to: chat.recipient))
    }
}
