/// Requests to the server: what each is for, and the one message each sends (again, with the same id,
/// at every retry until it is answered).
extension ClientMachine {
    /// What a request to the server is for, so its reply or its failure can be handled.
    enum Purpose: Equatable {
        case register
        case deregister
        case save(OutgoingChat, SaveReason)
        /// A send to a nickname whose row the client does not hold: look it up, then send.
        case lookup(recipient: String, text: String, chatID: UInt64?)
        case who(prefix: String, after: String, shown: Int)
        /// A letter's sender whose row the client does not hold (rows on demand): look it up to judge it.
        case keyLookup(nick: String)
        /// A message to save for a nick whose prekey the client does not hold yet: look its row up first.
        case prekeyLookup(OutgoingChat, SaveReason)

        /// The nick a lookup asks the server for; nil for the other requests.
        var lookedUpNick: String? {
            switch self {
            case .lookup(let recipient, _, _): recipient
            case .keyLookup(let nick): nick
            case .prekeyLookup(let chat, _): chat.recipient
            case .register, .deregister, .save, .who: nil
            }
        }
    }

    /// Starts request `id` for `purpose` and sends it.
    mutating func startRequest(_ id: UInt64, _ purpose: Purpose) {
        requests.start(id, purpose, now: now)
        transmitRequest(id)
    }

    /// Sends request `id` (again) and schedules its next try.
    mutating func transmitRequest(_ id: UInt64) {
        guard let request = requests[id] else { return }
        requests.scheduleRetry(id, now: now)
        transmit(Packet(id: id, message: requestMessage(for: request.purpose)), to: server)
    }

    /// The message a request for `purpose` sends, with the client's current token.
    func requestMessage(for purpose: Purpose) -> Message {
        switch purpose {
        case .register:
            .register(
                nick: config.nick, token: token, proof: identityProof, candidates: config.hostCandidates, restarted: config.restarted,
                prekey: publishedPrekey)
        case .deregister: .deregister(nick: config.nick, token: token)
        case .save(let chat, let reason):
            // Never the text itself: `startSave` made the letter before the request started.
            .save(SaveRequest(token: token, recipient: chat.recipient, reason: reason, text: chat.letter ?? ""))
        case .lookup(let recipient, _, _), .keyLookup(let recipient): .lookup(token: token, nick: recipient)
        case .prekeyLookup(let chat, _): .lookup(token: token, nick: chat.recipient)
        case .who(let prefix, let after, _): .who(token: token, prefix: prefix, after: after)
        }
    }
}
