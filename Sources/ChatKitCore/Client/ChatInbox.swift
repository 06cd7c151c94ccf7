/// What comes in to be read: chats from peers and stored messages from the server. Each is shown once
/// however often it arrives, directly or from the server, and each chat is acknowledged.
struct ChatInbox {
    private var seen: RecentKeys
    /// Chat ACKs held back while a batch of events is handled, to answer a burst with one datagram.
    private var heldAcks = HeldAcks()
    private var announcedStoredMessages = false

    init(remembered: Int) {
        seen = RecentKeys(capacity: remembered)
    }

    /// A new registration: "You have messages" is announced again before the next stored messages.
    mutating func registered() {
        announcedStoredMessages = false
    }

    /// Chat `id` from `sender` arrived; returns what to show, nil for a copy already shown.
    mutating func chatArrived(_ id: UInt64, from sender: String, text: String) -> Notice? {
        seen.insert(MessageKey(sender: sender, id: id)) ? .chat(from: sender, text: text) : nil
    }

    /// Whether the message `key` was shown already.
    func hasShown(_ key: MessageKey) -> Bool {
        seen.contains(key)
    }

    /// Holds the ACK of chat `id` for `peer` until the batch ends (`heldAckPeers`, `forgetHeldAcks`).
    mutating func holdAck(_ id: UInt64, for peer: PeerEndpoint) {
        heldAcks.add(id, for: peer)
    }

    /// Whether any ACK is held.
    var holdsAcks: Bool { !heldAcks.isEmpty }

    /// The held ACKs, by peer in the order of their first chat; `forgetHeldAcks` clears them.
    var heldAckPeers: [HeldAck] { heldAcks.peers }

    /// Forgets the held ACKs once sent, keeping their storage for the next batch.
    mutating func forgetHeldAcks() {
        heldAcks.removeAll()
    }

    /// Stored messages arrived; returns what to show: "You have messages" once per registration, then
    /// each message not shown before, with the time it was saved.
    mutating func storedMessagesArrived(_ messages: [OfflineMessage], utcOffsetSeconds: Int) -> [Notice] {
        var notices: [Notice] = []
        if !announcedStoredMessages, messages.contains(where: { !seen.contains($0.key) }) {
            announcedStoredMessages = true
            notices.append(.youHaveMessages)
        }
        for message in messages where seen.insert(message.key) {
            let savedAt = Timestamp.format(microseconds: message.savedAtMicroseconds, utcOffsetSeconds: utcOffsetSeconds)
            notices.append(.offlineMessage(from: message.key.sender, savedAt: savedAt, text: message.text))
        }
        return notices
    }
}
