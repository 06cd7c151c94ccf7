/// Every change of a session's status goes through `mark(_:as:)` (SWIM's model): a registration granted
/// (first, returning, or taking a nickname over) opens one; a deregistration, a silence or unanswered
/// probes close it; an unused nickname expires. Each job hears of it here, and only here.
extension ServerMachine {
    /// What a nickname's session can become.
    enum SessionStatus: Equatable {
        /// Registered at `address`, answering request `requestID`; `key` is pinned if the nick has none.
        /// The welcome is signed by the server's key when the registration was (`signsWelcome`).
        case online(requestID: UInt64, address: Address, key: [UInt8]? = nil, candidates: [Address] = [], signsWelcome: Bool = true)
        /// Offline; `deregistered` when the client itself said so.
        case offline(deregistered: Bool)
        /// Forgotten whole, with its key, its row and its stored messages: unused for the nick lifetime.
        case expired
    }

    /// Moves `nick`'s session to `status`, and tells every job.
    mutating func mark(_ nick: String, as status: SessionStatus) {
        switch status {
        case .online(let requestID, let address, let key, let candidates, let signsWelcome):
            open(nick, requestID: requestID, at: address, key: key, candidates: candidates, signsWelcome: signsWelcome)
        case .offline(let deregistered):
            close(nick, deregistered: deregistered)
        case .expired:
            forget(nick)
        }
    }

    /// Registers `nick` at `source`, answering request `id`, and starts delivering its stored messages. A
    /// nick's first registration pins `key` to it, durably, before the answer goes out.
    private mutating func open(_ nick: String, requestID id: UInt64, at source: Address, key: [UInt8]?, candidates: [Address], signsWelcome: Bool) {
        probes.cancel(nick)
        groupTakeovers.ended(nick)
        if pins[nick] == nil, let key {
            pins.pin(nick, key: key, atMicroseconds: wallClockMicroseconds)
            emit(.pinKey(nick: nick, key: key))
        }
        if let prekey = prekeys.granted(nick, pinnedKey: pins[nick]) { emit(.keepPrekey(nick: nick, prekey: prekey)) }
        usedNow(nick)
        let record = sessions.open(nick, at: source, candidates: candidates, registrationID: id, now: now, random: &random)
        statistics.registrations += 1
        log(.registered(nick: nick, at: source, returning: record.registrationOutcome == .reRegistered))
        let addressToken = sessions.issueAddressToken(nick, from: addressTokens, now: now, random: &random)
        welcome(id, nick: nick, record.registrationOutcome, token: record.token, addressToken: addressToken, signed: signsWelcome, to: source)
        sendServerList(to: nick)
        publishPresence(nick, online: true)
        rowChanged(nick)
        switchToOnDemandIfDue()
        publisher.subscribe(nick, address: source, token: record.token, mode: publisher.mode(forDirectoryOf: directory.count))
        scheduleFlush()
        relays.heard(from: nick)
        courier.restart(nick)
        emit(.load(recipient: nick))
        if nextSweep == nil { nextSweep = now + config.sweepInterval }
    }

    /// Takes `nick` offline: its row changes, its table and deliveries stop, chats relayed to it are
    /// stored, and a newcomer waiting for the nickname gets it.
    private mutating func close(_ nick: String, deregistered: Bool) {
        guard let record = sessions[nick] else { return }
        sessions.close(nick, deregistered: deregistered)
        usedNow(nick)
        peerServices.forget(nick)
        punchOrders.forget(nick)
        carryOut(relays.cancel(to: nick))
        courier.stop(nick)
        publisher.unsubscribe(nick)
        rowChanged(nick, online: false, address: record.address)
        publishPresence(nick, online: false)
        if let handOver = probes.sessionClosed(nick) { carryOut([handOver]) }
    }

    /// Forgets `nick` whole: it expired unused.
    private mutating func forget(_ nick: String) {
        log(.nickExpired(nick: nick))
        pins.forget(nick)
        prekeys.forget(nick)
        sessions.remove(nick)
        directory.remove(nick)
        rowPacing.forget(nick)
        contacts.forget(nick)
        courier.stop(nick)
        probes.cancel(nick)
        groupTakeovers.ended(nick)
        emit(.forgetNick(nick: nick))
    }
}
