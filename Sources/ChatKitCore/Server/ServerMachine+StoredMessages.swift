/// Offline messages: saved on a sender's request, and handed to the recipient when it is online.
extension ServerMachine {
    mutating func save(_ id: UInt64, _ request: SaveRequest, from source: Address, datagram: Datagram) {
        guard let sender = heardFrom(request.token, at: source) else {
            return reply(id, .saveReply(.notRegistered, peer: nil), to: source)
        }
        guard Nickname.isValidCanonical(request.recipient), (try? MessageText.validateLetter(request.text)) != nil else {
            return reply(id, .saveReply(.invalidMessage, peer: nil), to: source)
        }
        guard let recipient = sessions[request.recipient] else {
            if askStoreAbout(request.recipient, then: datagram) { return }
            return reply(id, .saveReply(.unknownRecipient, peer: nil), to: source)
        }
        let key = MessageKey(sender: sender, id: id)
        contacts.wrote(sender, to: recipient.nick)
        if recipient.online {
            switch request.reason {
            case .recipientOffline where !intake.wasSaved(key):
                log(.recipientOnline(recipient: recipient.nick, sender: sender))
                return reply(id, .saveReply(.recipientOnline, peer: recipient.address), to: source)
            case .recipientOffline:
                break
            case .noAck, .viaRelay:
                // Hard to reach directly is not gone: the server relays the chat through its own path to
                // the recipient, and stores it only if the recipient does not answer there either.
                if !intake.wasSaved(key), !intake.isPending(key, for: recipient.nick), !relays.isSilent(recipient.nick) {
                    return relay(key, request, to: recipient, from: source)
                }
            }
        } else if request.reason != .recipientOffline, let elsewhere = group.liveRemote(recipient.nick),
            !intake.wasSaved(key), !intake.isPending(key, for: recipient.nick), !relays.isSilent(recipient.nick)
        {
            // Online at another server of the group: the chat is relayed through it.
            return relay(key, request, to: recipient, from: source, through: elsewhere)
        }
        if intake.wasSaved(key) { return reply(id, .saveReply(.saved, peer: nil), to: source) }
        store(key, for: recipient.nick, text: request.text, answering: source)
    }

    /// Asks the store to keep message `key` for `recipient`, under the server's limits; `asker` is
    /// answered when the store reports. A save already under way only adds `asker` to those answered.
    mutating func store(_ key: MessageKey, for recipient: String, text: String, answering asker: Address) {
        guard intake.ask(key, for: recipient, from: asker) else { return }
        // A sender the recipient wrote to first is not held to its network's share: no flood crowds it out.
        let network = contacts.knows(recipient, sender: key.sender) ? nil : asker.sourceNetwork
        let message = StoredMessage(
            recipient: recipient, key: key, savedAtMicroseconds: wallClockMicroseconds, text: text, senderNetwork: network)
        emit(.save(message, limits: config.mailboxLimits))
    }

    mutating func saveFinished(_ message: StoredMessage, _ stored: StoreOutcome) {
        let outcome: SaveOutcome
        switch stored {
        case .stored:
            statistics.messagesStored += 1
            log(.saved(sender: message.key.sender, recipient: message.recipient))
            outcome = .saved
            // A recipient that is online after all (only an ACK was lost) gets it now.
            if sessions[message.recipient]?.online == true, courier.start(message.recipient) {
                emit(.load(recipient: message.recipient))
            }
        case .mailboxFull:
            log(.mailboxFull(recipient: message.recipient, sender: message.key.sender))
            outcome = .mailboxFull
        case .overQuota:
            log(.overQuota(recipient: message.recipient, sender: message.key.sender))
            outcome = .overQuota
        case .failed(let error):
            log(.saveFailed(recipient: message.recipient, error: error))
            outcome = .storageFailed
        }
        for address in intake.finished(message, stored: outcome == .saved) {
            reply(message.key.id, .saveReply(outcome, peer: nil), to: address)
        }
    }

    func recipient(_ record: ClientRecord) -> StoredMessageCourier.Recipient {
        Self.recipient(record, publisher: publisher, config: config)
    }

    /// What the courier needs of `record`'s session: where it is, its token, whether it has a table, and
    /// its retransmission timeout.
    static func recipient(_ record: ClientRecord, publisher: TablePublisher, config: ServerConfig) -> StoredMessageCourier.Recipient {
        StoredMessageCourier.Recipient(
            address: record.address, token: record.token, hasTable: publisher.hasSentTable(record.nick),
            retryAfter: record.retransmissionTimeout(floor: config.deliveryMinInterval, cap: config.deliveryRetryInterval))
    }

    func onlineRecipient(_ nick: String) -> StoredMessageCourier.Recipient? {
        sessions[nick].flatMap { $0.online ? recipient($0) : nil }
    }

    mutating func loadFinished(_ nick: String, _ result: Result<[StoredMessage], StoreError>) {
        // In a group, senders pinned through another server become known first: the recipient checks
        // each letter against its sender's key, which its table must carry.
        if case .success(let loaded) = result, askStoreAbout(loaded.map(\.key.sender), then: .loaded(recipient: nick, result)) { return }
        let messages: [StoredMessage]
        switch result {
        case .success(let loaded):
            // Stored messages expire: those older than `messageLifetime` are removed, not delivered.
            let oldest = wallClockMicroseconds - config.messageLifetime.components.seconds * 1_000_000
            let expired = loaded.filter { $0.savedAtMicroseconds < oldest }
            if !expired.isEmpty {
                log(.expired(count: expired.count, recipient: nick))
                emit(.remove(Set(expired.map(\.key)), recipient: nick))
            }
            messages = expired.isEmpty ? loaded : loaded.filter { $0.savedAtMicroseconds >= oldest }
        case .failure(let error):
            log(.loadFailed(recipient: nick, error: error))
            messages = []
        }
        if !messages.isEmpty { log(.delivering(count: messages.count, recipient: nick)) }
        deliver(courier.loaded(nick, messages, to: onlineRecipient(nick), newID: { random.next() }, now: now))
    }

    mutating func storedMessagesAcknowledged(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source),
            let directives = courier.acknowledged(id, by: nick, recipient: onlineRecipient(nick), newID: { random.next() }, now: now)
        else {
            return drop("\(source): acknowledgement of no batch in flight")
        }
        deliver(directives)
    }

    mutating func retryDeliveries() {
        // The recipients are looked up on copies (cheap: copy on write), so the courier can be changed meanwhile.
        let (sessions, publisher, config) = (sessions, publisher, config)
        deliver(
            courier.retry(now) { nick in
                sessions[nick].flatMap { $0.online ? Self.recipient($0, publisher: publisher, config: config) : nil }
            })
    }

    /// Carries out what the courier decided: batches go out, acknowledged messages leave the mailbox, a
    /// mailbox is read again, a stalled delivery is logged.
    mutating func deliver(_ directives: [StoredMessageCourier.Directive]) {
        for directive in directives {
            switch directive {
            case .send(let batch, let recipient): emit(.send(batch.packet, to: recipient))
            case .delivered(let keys, let nick):
                statistics.messagesDelivered += keys.count
                log(.delivered(count: keys.count, recipient: nick))
                emit(.remove(keys, recipient: nick))
            case .load(let nick): emit(.load(recipient: nick))
            case .stalled(let nick): log(.deliveryStalled(recipient: nick))
            }
        }
    }
}
