/// Chats between peers: what arrives from another client, and the ACKs of what this client sent.
extension ClientMachine {
    mutating func receiveFromPeer(_ packet: Packet, _ source: Address) {
        switch packet.message {
        case .sealed(let receiver, let ciphertext): sealedArrived(packet, receiver: receiver, ciphertext: ciphertext, source: source)
        case .handshakeInit(let from, let sender, let noise, _): handshakeInitArrived(from: from, sender: sender, noise: noise, source: source)
        case .handshakeReply(let sender, let receiver, let noise): handshakeReplyArrived(sender: sender, receiver: receiver, noise: noise, source: source)
        case .handshakeFinish(let receiver, let noise): handshakeFinishArrived(receiver: receiver, noise: noise, source: source)
        case .punch(let from, let nonce): punchArrived(from: from, nonce: nonce, source: source)
        // A chat or an ACK in the clear proves nothing about who sent it: only sealed ones count.
        default: drop()
        }
    }

    /// Whether a datagram from `source` may speak for `sender`: the address the server gives for it, one
    /// of its own addresses, the address that answered for it, or one the server said it punches from.
    /// Only a handshake's first message is judged by this (a sealed packet proves itself).
    func isAddress(_ source: Address, of sender: String) -> Bool {
        if let row = replica[sender], row.address == source || row.candidates.contains(source) { return true }
        return paths.direct(to: sender) == source || paths.isExpected(sender, at: source)
    }

    /// `nick` acknowledged chat `id` on its session, from `source`.
    mutating func chatAcknowledged(_ id: UInt64, by nick: String, at source: Address) {
        guard let chat = chats.acknowledged(id, by: nick) else { return drop() }
        paths.learnDirect(chat.recipient, at: source, now: now)
        show(.delivered(to: chat.recipient))
    }

    /// A chat the server relayed: opened, shown once like any other if its sender's key signed it, and
    /// then acknowledged. One that does not prove itself is not: the server tries again, then stores it.
    mutating func relayedChatArrived(_ id: UInt64, from sender: String, letter: String) {
        if mustAwaitKeys(of: [sender]) {
            // Unacknowledged while it waits: if it cannot wait, the server stores it.
            awaitingKeys.hold(LettersAwaitingKeys.Relayed(id: id, sender: sender, letter: letter))
            return
        }
        guard let text = openLetter(letter, from: sender, id: id) else { return drop() }
        if let notice = inbox.chatArrived(id, from: sender, text: text) { show(notice) }
        transmit(Packet(id: id, message: .relayedChatAck(token: token)), to: server)
    }

    /// Sends the ACKs held while the batch was handled, one datagram per peer for most batches.
    mutating func sendHeldAcks() {
        for held in inbox.heldAckPeers {
            if let single = held.single {  // one chat, the usual batch: no packet list to build
                sendSealed(single, to: held.peer.nick, at: held.peer.address)
            } else {
                for packet in held.packets(newID: { newMessageID() }) { sendSealed(packet, to: held.peer.nick, at: held.peer.address) }
            }
        }
        inbox.forgetHeldAcks()
    }
}
