import ChatKitCrypto

/// A recipient's prekey and the identity key its signature was checked against.
struct CheckedPrekey: Equatable {
    var identityKey: [UInt8]
    var prekey: PublishedPrekey
}

/// A letter refused as unproven, as it came: a copy changed on the way differs from one changed where
/// it is kept, which comes back the same every time.
struct RefusedCopy {
    var letter: String
    var at: Instant
}

/// Messages through the server, sealed end to end as `Letter`s: every `save` (stored or relayed) is
/// sealed to the recipient's signed prekey from its row, and every relayed or stored message is shown
/// only if the sender's pinned key (or, at a first contact, the key its row names) signed it.
extension ClientMachine {
    /// Hands `chat` to the server, sealed: once its letter is made (the same one for every retry).
    /// Without a prekey to seal to, nothing goes: the user is told, in one line.
    /// Table deltas carry no prekeys: the recipient's row is looked up first if the client holds none.
    mutating func startSave(_ chat: OutgoingChat, _ reason: SaveReason) {
        if chat.letter != nil { return startRequest(chat.id, .save(chat, reason)) }
        guard holdsUsablePrekey(for: chat.recipient) else { return startRequest(chat.id, .prekeyLookup(chat, reason)) }
        sealAndSave(chat, reason, row: replica[chat.recipient])
    }

    /// Whether a prekey looked up before serves: the key the row names signed it (checked once).
    private func holdsUsablePrekey(for nick: String) -> Bool {
        guard let prekey = lookedUpPrekeys[nick], let key = replica[nick]?.identityKey else { return false }
        return checkedPrekeys[nick] == CheckedPrekey(identityKey: key, prekey: prekey) || prekey.isValid(nick: nick, identityKey: key)
    }

    /// Seals `chat` (trusting `row` for a first contact) and hands it to the server.
    private mutating func sealAndSave(_ chat: OutgoingChat, _ reason: SaveReason, row: TableEntry?) {
        guard let letter = seal(chat, row: row) else { return }
        var sealed = chat
        sealed.letter = letter
        startRequest(chat.id, .save(sealed, reason))
    }

    /// The row looked up for a message's prekey: the message is sealed to it and saved (or the user told
    /// in one line why not).
    mutating func prekeyFound(_ entry: TableEntry, for chat: OutgoingChat, _ reason: SaveReason) {
        // The row is the replica's only if it holds none (deltas keep it current); the prekey is kept.
        if replica[entry.nick] == nil { replica.learn(entry.listed, now: now) }
        if let prekey = entry.prekey { lookedUpPrekeys[chat.recipient] = prekey }
        sealAndSave(chat, reason, row: entry)
    }

    /// `chat`'s letter, or nil (told) when the recipient's row has no prekey its key signed.
    private mutating func seal(_ chat: OutgoingChat, row: TableEntry?) -> String? {
        // A prekey checked once against a key is not checked again for every letter.
        let checked = checkedPrekeys[chat.recipient]
        guard let identity, let row, let prekey = lookedUpPrekeys[chat.recipient],
            let key = trustedKey(of: chat.recipient, row: row, proving: { key in
                checked == CheckedPrekey(identityKey: key, prekey: prekey) || prekey.isValid(nick: chat.recipient, identityKey: key)
            })
        else {
            show(.problem("<\(chat.recipient)> has no key on the server to seal your message to; message not sent."))
            return nil
        }
        checkedPrekeys[chat.recipient] = CheckedPrekey(identityKey: key, prekey: prekey)
        do {
            return try Letter.seal(
                chat.text, envelope: Letter.Envelope(sender: config.nick, recipient: chat.recipient, id: chat.id), to: prekey,
                identity: identity, ephemeral: newKeySeed())
        } catch {
            show(.problem("Your message to <\(chat.recipient)> could not be sealed (\(error)); message not sent."))
            return nil
        }
    }

    /// The text of a letter from `sender` (a relayed chat or a stored message) if it opens and `sender`'s
    /// key signed it; else nil, and the user is told (once per message) that nothing from it is shown.
    /// The caller does not acknowledge it: a copy changed on the way must not cost the genuine one.
    mutating func openLetter(_ letter: String, from sender: String, id: UInt64) -> String? {
        let envelope = Letter.Envelope(sender: sender, recipient: config.nick, id: id)
        guard let opened = Letter.open(letter, envelope: envelope, prekeys: prekeys),
            trustedKey(of: sender, row: replica[sender], proving: {
                IdentityKey.verify(opened.signature, of: opened.signedBytes, publicKey: $0)
            }) != nil
        else {
            let key = MessageKey(sender: sender, id: id)
            if unprovenLetters.insert(key) { show(.unprovenMessage(from: sender)) }
            if refusedCopies[key]?.letter != letter {
                if refusedCopies.count >= 1_024 { refusedCopies = refusedCopies.filter { now - $0.value.at < .seconds(10) } }
                if refusedCopies.count >= 1_024 { refusedCopies = [:] }  // a flood: held to 1,024 however fast
                refusedCopies[key] = RefusedCopy(letter: letter, at: now)
            }
            return nil
        }
        return opened.text
    }

    /// Whether letters from `senders` must wait to be judged: some sender is neither pinned nor in the
    /// replica, and the table is not caught up yet or (rows on demand) its row is being looked up.
    mutating func mustAwaitKeys(of senders: [String]) -> Bool {
        let unknown = Set(senders.filter { pins.keys[$0] == nil && replica[$0] == nil }).sorted()
        guard !unknown.isEmpty else { return false }
        guard replica.mode == .onDemand else { return !replica.isCaughtUp }
        for nick in unknown where awaitingKeys.askFor(nick) { startRequest(newMessageID(), .keyLookup(nick: nick)) }
        return unknown.contains { nick in requests.requests.values.contains { $0.purpose == .keyLookup(nick: nick) } }
    }

    /// A looked-up row: the replica takes it as deltas carry it, and its prekey is kept beside.
    mutating func learnLookedUp(_ entry: TableEntry) {
        replica.learn(entry.listed, now: now)
        if let prekey = entry.prekey { lookedUpPrekeys[entry.nick] = prekey }
    }

    /// Judges again every letter that waited for its sender's key, in the order they arrived.
    mutating func judgeAwaitingLetters() {
        guard !awaitingKeys.isEmpty else { return }
        let waiting = awaitingKeys.takeAll()
        if let batch = waiting.batch { storedMessagesArrived(batch.id, batch.token, batch.messages) }
        for chat in waiting.relayed { relayedChatArrived(chat.id, from: chat.sender, letter: chat.letter) }
    }

    /// The key of `nick` that `proves` holds for: the pinned one; else, at a first contact or after a
    /// change, the one the server's row names, which is then pinned (a change warned about first).
    private mutating func trustedKey(of nick: String, row: TableEntry?, proving proves: ([UInt8]) -> Bool) -> [UInt8]? {
        if let pinned = pins.keys[nick]?.publicKey, proves(pinned) { return pinned }
        guard let rowKey = row?.identityKey, proves(rowKey) else { return nil }
        switch pins.observe(nick, publicKey: rowKey) {
        case .same: break
        case .pinned(let pin): emit(.keepPinnedKey(pin))
        case .changed(let pin, let wasVerified):
            show(.peerKeyChanged(nick, wasVerified: wasVerified))
            emit(.keepPinnedKey(pin))
        }
        return rowKey
    }
}
