/// The outbox: nothing typed is lost when the server is gone, and the next start sends what was kept.
extension ClientMachine {
    /// Nothing typed is lost: messages no one has taken yet (chats awaiting an ACK, saves and lookups the
    /// server never answered, sends still waiting to run) go to the outbox, with their ids, for the next
    /// start to send.
    mutating func keepUntaken() {
        var untaken = chats.pending.map { PendingMessage(id: $0.id, recipient: $0.recipient, text: $0.text) }
        for (id, request) in requests.requests.sorted(by: { $0.value.startedAt < $1.value.startedAt }) {
            switch request.purpose {
            case .save(let chat, _): untaken.append(PendingMessage(id: chat.id, recipient: chat.recipient, text: chat.text))
            case .lookup(let recipient, let text, let chatID): untaken.append(PendingMessage(id: chatID ?? id, recipient: recipient, text: text))
            default: break
            }
        }
        while let command = heldCommands.popFirst() {
            if case .send(let recipient, let text) = command {
                untaken.append(PendingMessage(id: newMessageID(), recipient: recipient, text: text))
            }
        }
        if !untaken.isEmpty { emit(.keepInOutbox(untaken)) }
    }

    /// Once registered, the messages kept from the last run go out again (with their ids), and the
    /// outbox is emptied: if they fail again, they are kept again.
    mutating func sendKeptMessages() {
        guard !config.keptMessages.isEmpty, !keptMessagesSent else { return }
        keptMessagesSent = true
        show(.resendingOutbox(count: config.keptMessages.count))
        emit(.keepInOutbox([]))
        for message in config.keptMessages { send(to: message.recipient, text: message.text, id: message.id) }
    }
}
