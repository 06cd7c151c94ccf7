/// The outbox: nothing typed is lost when the server is gone, and the next start sends what was kept. A
/// message leaves the outbox only once it has an outcome (ACKed, saved, or refused for good), so a crash
/// in between loses nothing.
extension ClientMachine {
    /// Nothing typed is lost: messages no one has taken yet (chats awaiting an ACK, saves and lookups the
    /// server never answered, sends still waiting to run) go to the outbox, with their ids, for the next
    /// start to send. A client that stays leaves the sends still waiting to run where they are.
    mutating func keepUntaken(includingWaitingSends: Bool = true) {
        var untaken = chats.pending.map { PendingMessage(id: $0.id, recipient: $0.recipient, text: $0.text) }
        for (id, request) in requests.requests.sorted(by: { $0.value.startedAt < $1.value.startedAt }) {
            switch request.purpose {
            case .save(let chat, _), .prekeyLookup(let chat, _): untaken.append(PendingMessage(id: chat.id, recipient: chat.recipient, text: chat.text))
            case .lookup(let recipient, let text, let chatID): untaken.append(PendingMessage(id: chatID ?? id, recipient: recipient, text: text))
            default: break
            }
        }
        while includingWaitingSends, let command = heldCommands.popFirst() {
            if case .send(let recipient, let text) = command {
                untaken.append(PendingMessage(id: newMessageID(), recipient: recipient, text: text))
            }
        }
        if !untaken.isEmpty || !outboxHeld.isEmpty { emit(.keepInOutbox(untaken)) }
        outboxHeld = untaken
    }

    /// Once registered, the messages kept from the last run go out again, with their ids; each stays in
    /// the outbox until it has an outcome.
    mutating func sendKeptMessages() {
        guard !config.keptMessages.isEmpty, !keptMessagesSent else { return }
        keptMessagesSent = true
        show(.resendingOutbox(count: config.keptMessages.count))
        outboxHeld = config.keptMessages
        for message in config.keptMessages { send(to: message.recipient, text: message.text, id: message.id) }
    }

    /// The messages in the outbox that now have an outcome leave it.
    mutating func pruneOutbox() {
        guard !outboxHeld.isEmpty, phase != .exited else { return }
        let lookups = Set(requests.requests.values.compactMap { request -> UInt64? in
            if case .lookup(_, _, let chatID) = request.purpose { chatID } else { nil }
        })
        let still = outboxHeld.filter { chats.contains($0.id) || requests[$0.id] != nil || lookups.contains($0.id) }
        guard still.count < outboxHeld.count else { return }
        outboxHeld = still
        emit(.keepInOutbox(still))
    }
}
