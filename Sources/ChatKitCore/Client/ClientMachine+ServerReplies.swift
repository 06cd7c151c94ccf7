/// The server's answers: registration, the table, saves, lookups, `who` pages and stored messages.
extension ClientMachine {
    mutating func registrationAnswered(_ id: UInt64, _ outcome: RegisterOutcome, _ newToken: UInt64, cookie: [UInt8], server proof: ServerProof?) {
        guard case .registering(let requestID, let replied, let quiet) = phase, requestID == id else { return drop() }
        if outcome == .registered || outcome == .reRegistered {
            switch serverKeys.judge(proof, nick: config.nick, requestID: id, token: newToken) {
            case .trusted: break
            case .firstContact(let key): emit(.keepServerKey(key))
            case .unproven: return drop()
            case .otherKey:
                show(.problem("The server at \(server) answers with another key than the one pinned at your first contact: someone else answers there. Not registering."))
                return exit(code: 1, notice: .exitingAfterFailure)
            }
        }
        if outcome == .challenge {
            // Prove the address and the key: sign the cookie and ask again at once.
            guard !cookie.isEmpty, cookie.count <= 64, cookie != registrationCookie else { return drop() }
            registrationCookie = cookie
            return transmitRequest(id)
        }
        if outcome == .registered || outcome == .reRegistered { keepAddressToken(cookie) }
        if replied {
            // A retry answered again, perhaps by a server that restarted meanwhile: its token is the
            // one its table will carry.
            if outcome == .registered || outcome == .reRegistered, newToken != token { startSession(newToken) }
            return
        }
        switch outcome {
        case .registered, .reRegistered:
            startSession(newToken)
            enter(.registering(requestID: id, replied: true, quiet: quiet))
            if !quiet { show(outcome == .registered && !hasBeenRegistered ? .registered : .reRegistered) }
            hasBeenRegistered = true
            // The request stays outstanding until the table arrives; a retry makes the server resend it.
        case .checking:
            break  // the holder of our nickname is being probed; the retries fetch the verdict
        case .challenge:
            break  // answered above
        case .tooManyNewNicks, .keyMismatch, .nickInUse, .invalidNick, .lookalikeNick:
            show(.problem(refusal(outcome)))
            exit(code: 1, notice: .exitingAfterFailure)
        }
    }

    /// A welcome carries an address-validation token: the next registration from here presents it (signed)
    /// in place of a cookie, and skips the challenge round trip; the driver keeps it for the next start.
    mutating func keepAddressToken(_ addressToken: [UInt8]) {
        guard !addressToken.isEmpty, addressToken.count <= 64, addressToken != registrationCookie else { return }
        registrationCookie = addressToken
        emit(.keepAddressToken(addressToken))
    }

    /// The one line that says why the server refused the registration.
    func refusal(_ outcome: RegisterOutcome) -> String {
        switch outcome {
        case .tooManyNewNicks: "The server takes no more new nicknames from this address for now; try again in a minute."
        case .keyMismatch: "The server knows <\(config.nick)> by another key; this identity cannot register it."
        case .nickInUse: "The nickname <\(config.nick)> is already in use by another online client."
        case .lookalikeNick: "The nickname <\(config.nick)> looks like one someone else holds; choose another."
        default: "The server refused the nickname <\(config.nick)>."
        }
    }

    /// Adopts a new session token. Table versions count per server session (a restarted server starts
    /// again from 1), and tables carry the token, so the first table of the new session always applies.
    mutating func startSession(_ newToken: UInt64) {
        token = newToken
        replica.reset()
        awaitingKeys.reset()
    }

    mutating func deregistrationAnswered(_ id: UInt64, _ outcome: DeregisterOutcome) {
        guard case .deregistering(let requestID) = phase, requestID == id else { return drop() }
        requests.finish(id)
        switch outcome {
        case .deregistered:
            enter(.offline)
            show(.deregistered)
        case .notHolder:
            enter(.online)
            show(.problem("The server refused to deregister <\(config.nick)>: the registration is not yours."))
        }
    }

    mutating func tableDeltaArrived(_ delta: TableDelta) {
        guard token != 0, delta.token == token, isRegisteredWithServer else { return drop() }
        let applied = replica.apply(delta, own: config.nick, now: now)
        tableAckOwed = true
        if applied.announce { show(.tableUpdated) }
        if !applied.joined.isEmpty || !applied.left.isEmpty { show(.presence(joined: applied.joined, left: applied.left)) }
        guard applied.caughtUp else { return }
        judgeAwaitingLetters()
        if case .registering(_, replied: true, _) = phase { enter(.online) }
        if phase == .online, replica[config.nick]?.online == false {
            // The server believes we are gone (it missed our keepalives): register again.
            beginRegistration(quiet: true)
        }
    }

    /// The cumulative acknowledgement of the table version held, once per event or batch of events.
    mutating func sendTableAckIfOwed() {
        guard tableAckOwed else { return }
        tableAckOwed = false
        transmit(Packet(id: newMessageID(), message: .tableAck(token: token, version: replica.version)), to: server)
    }

    mutating func saveAnswered(_ id: UInt64, _ outcome: SaveOutcome, _ peer: Address?) {
        guard let request = requests[id], case .save(let chat, let reason) = request.purpose else { return drop() }
        requests.finish(id)
        switch outcome {
        case .saved:
            if reason != .recipientOffline { paths.forget(chat.recipient) }
            if reason == .viaRelay { show(.noAck(from: chat.recipient)) }
            show(.savedByServer)
        case .relayed:
            if reason == .noAck { paths.learnRelay(chat.recipient, now: now) }
            show(.delivered(to: chat.recipient))
        case .recipientOnline where reason == .recipientOffline && chat.directTries < 2:
            show(.recipientExists(chat.recipient))
            var retry = chat
            if let peer { retry.peer = peer }
            sendDirectly(retry)
        case .recipientOnline:
            show(.problem("Message to <\(chat.recipient)> not delivered: the peer does not answer and the server says it is online."))
        case .unknownRecipient:
            show(.problem("The server does not know <\(chat.recipient)>; message not saved."))
        case .notRegistered where canRegisterAgain:
            retryAfterRegistering(id, request.purpose)
        case .notRegistered:
            show(.problem("The server does not recognise this session; message to <\(chat.recipient)> not saved."))
        case .mailboxFull:
            show(.problem("The mailbox of <\(chat.recipient)> has no room for your message (it is full, or holds your share); message not saved."))
        case .overQuota:
            show(.problem("The server's storage quota for your messages is used up; message to <\(chat.recipient)> not saved."))
        case .storageFailed:
            show(.problem("The server could not save the message to <\(chat.recipient)>."))
        case .invalidMessage:
            show(.problem("The server refused the message to <\(chat.recipient)> as invalid."))
        }
    }

    /// The row asked for by a send to an unknown nick, by a message needing a prekey, or for judging a
    /// letter's sender: each goes on with it; a send or a save ends in one line if there is none.
    mutating func lookupAnswered(_ id: UInt64, _ outcome: LookupOutcome, _ entry: TableEntry?) {
        guard let request = requests[id], let asked = request.purpose.lookedUpNick else { return drop() }
        // A "found" without the asked-for row is malformed: drop it and keep asking, so the send still ends
        // in an outcome line.
        if outcome == .found, entry?.nick != asked { return drop() }
        requests.finish(id)
        if case .keyLookup = request.purpose {
            if outcome == .found, let entry { learnLookedUp(entry) }
            return judgeAwaitingLetters()
        }
        switch outcome {
        case .found:
            guard let entry else { return }
            switch request.purpose {
            case .lookup(let recipient, let text, let chatID):
                learnLookedUp(entry)
                send(text, to: replica[recipient] ?? entry, id: chatID)
            case .prekeyLookup(let chat, let reason):
                prekeyFound(entry, for: chat, reason)
            default:
                break
            }
        case .noSuchClient:
            show(.problem("<\(asked)> is not in the client table. Type who to list clients."))
        case .notRegistered where canRegisterAgain:
            retryAfterRegistering(id, request.purpose)
        case .notRegistered:
            show(.problem("The server does not recognise this session; message to <\(asked)> not sent."))
        }
    }

    mutating func whoAnswered(_ id: UInt64, _ rows: [TableEntry], more: Bool) {
        guard let request = requests[id], case .who(let prefix, _, let shown) = request.purpose else { return drop() }
        requests.finish(id)
        if rows.isEmpty, shown == 0 {
            return show(.info(prefix.isEmpty ? "The client table is empty." : "No client's nickname starts with \(prefix)."))
        }
        showRows(rows)
        guard more, let last = rows.last?.nick else { return }
        if shown + rows.count >= config.whoListingLimit {
            return show(.info("(more clients; type who <prefix> to narrow the list)"))
        }
        startRequest(newMessageID(), .who(prefix: prefix, after: last, shown: shown + rows.count))
    }

    var canRegisterAgain: Bool { phase == .online || isRegistering }

    /// The server restarted and forgot us: register again quietly, then send request `id` again.
    mutating func retryAfterRegistering(_ id: UInt64, _ purpose: Purpose) {
        requests.park(id, purpose, now: now)
        if phase == .online { beginRegistration(quiet: true) }
    }

    var isRegistering: Bool {
        if case .registering = phase { return true }
        return false
    }

    mutating func storedMessagesArrived(_ id: UInt64, _ batchToken: UInt64, _ messages: [OfflineMessage]) {
        guard token != 0, batchToken == token, isRegisteredWithServer else { return drop() }
        if mustAwaitKeys(of: messages.map(\.key.sender)) {
            return awaitingKeys.hold(LettersAwaitingKeys.Batch(id: id, token: batchToken, messages: messages))
        }
        // Each opened and checked first: only what its sender's key signed is shown. A batch with a letter
        // refused for the first time is not acknowledged (a copy changed on the way must not cost the
        // genuine one); refused again as the very same text, it was changed where it is kept, and the
        // batch is acknowledged.
        var refusedFirstTime = false
        let opened = messages.compactMap { message -> OfflineMessage? in
            guard !inbox.hasShown(message.key) else { return nil }
            // Refused before by a delivery of its own, not by a duplicate of this one (found by the group
            // chaos, seed 1620: a changed batch and its duplicate cost the genuine letter), and as the same
            // text (seed 7326: two copies, each changed on the way elsewhere, cost it too).
            let refusedBefore = unprovenLetters.contains(message.key)
                && refusedCopies[message.key].map { now - $0.at >= Self.refusalGap && $0.letter == message.text } ?? true
            guard let text = openLetter(message.text, from: message.key.sender, id: message.key.id) else {
                refusedFirstTime = refusedFirstTime || !refusedBefore
                return nil
            }
            var plain = message
            plain.text = text
            return plain
        }
        for notice in inbox.storedMessagesArrived(opened, utcOffsetSeconds: config.utcOffsetSeconds) { show(notice) }
        if !refusedFirstTime { transmit(Packet(id: id, message: .offlineAck(token: token)), to: server) }
    }
}
