import ChatKitCrypto

/// Registration and deregistration: who gets a nickname, and when it is given up.
extension ServerMachine {
    mutating func register(
        _ id: UInt64, nick: String, token: UInt64, proof: IdentityProof, candidates: [Address] = [], restarted: Bool = false,
        prekey: PublishedPrekey? = nil, from source: Address, datagram: Datagram
    ) {
        guard Nickname.isValidCanonical(nick) else {
            log(.refusedInvalidNick(from: source))
            return reply(id, .registerReply(.invalidNick, token: 0), to: source)
        }
        guard proof.publicKey.count == 32 else { return drop("\(source): registration of \(nick) without a key") }
        // The address and the key are proved first: until the source echoes its cookie, it gets nothing
        // bigger than the challenge (no amplification), and a signature over the cookie shows the key. A
        // token from an earlier welcome to this address and key proves the address as well.
        let isRetry = sessions[nick]?.registrationID == id && sessions[nick]?.address == source
        let tokenProvesAddress = addressTokens.accepts(proof.cookie, record: sessions[nick], from: source, isRetry: isRetry, now: now)
        if !tokenProvesAddress,
            let cookie = cookies.challenge(unless: proof.cookie, from: source, request: id, nick: nick, publicKey: proof.publicKey, now: now)
        {
            return reply(id, .registerReply(.challenge, token: 0, cookie: cookie), to: source)
        }
        if let pinned = pins[nick] {
            guard Digest.constantTimeEqual(pinned, proof.publicKey) else {
                // In a group the operator may have released the nick at another server: the store
                // decides before a refusal (at most once per new-nick allowance of the source).
                if config.sharesStore, sessions[nick]?.online != true, !askedStoreAbout.contains(nick), admitsNewNick(from: source) {
                    return emit(.fetchPins(nicks: [nick], then: .datagram(datagram)))
                }
                log(.refusedKey(nick: nick, from: source))
                return reply(id, .registerReply(.keyMismatch, token: 0), to: source)
            }
            // A pinned nick is the key's: prove it, unless this is a retry of the registration this
            // address already holds. (A first registration needs no proof: whoever comes first pins the
            // key they name, as SSH trusts a host key on first use; naming a key one does not hold only
            // locks oneself out. That saves the server a signature check per new nick.)
            let record = sessions[nick]
            let isGrantedRetry = record?.online == true && record?.address == source && record?.registrationID == id
            guard isGrantedRetry || freshlyClaimed == nick || proof.isValid(for: nick) else {
                return drop("\(source): registration of \(nick) with a bad signature")
            }
        } else if let held = pins.lookalike(of: nick) {
            log(.refusedLookalike(nick: nick, held: held, from: source))
            return reply(id, .registerReply(.lookalikeNick, token: 0), to: source)
        } else if !admitsNewNick(from: source) {
            log(.refusedNewNick(nick: nick, from: source))
            return reply(id, .registerReply(.tooManyNewNicks, token: 0), to: source)
        } else if config.sharesStore {
            // Another server may have pinned it: the shared store decides, then this is handled again.
            return emit(.claimNick(nick: nick, key: proof.publicKey, registration: datagram))
        }
        // The prekey waits for the grant, published then only if the nick's pinned key signed it.
        prekeys.offer(prekey, nick: nick, key: proof.publicKey)
        if let record = sessions[nick], record.deregistered, record.address == source, record.registrationID == id {
            // A duplicate of a registration the client has since closed with `dereg` (found by chaos seed 1333).
            return drop("\(source): late copy of a registration of \(nick) since deregistered")
        }
        if let record = sessions[nick], record.online {
            if record.address == source, record.registrationID == id {
                // A retry of the registration we already granted: answer it the same way, and resend the
                // table from what the client acknowledged.
                welcome(id, nick: nick, record.registrationOutcome, token: record.token, addressToken: record.addressToken?.token.bytes ?? [],
                    signed: !proof.signature.isEmpty, to: source)
                publisher.resendUnconfirmed(to: nick)
                courier.hurry(nick, now: now)
                if courier.resumeIfStalled(nick) { emit(.load(recipient: nick)) }
                return scheduleFlush()
            }
            let holderIsAsking = token != 0 && token == record.token
            // The same user's new process on the same host, whose lock was free: the old session is dead,
            // and the nick (its key proven above) changes hands at once, with no probes.
            let restartedHere = restarted && record.address.host == source.host
            if record.address != source, !holderIsAsking, !restartedHere {
                return probeForTakeover(record, id, from: source)
            }
        } else if let row = group.liveRemote(nick), row.address != source, !(restarted && row.address.host == source.host) {
            // Online at another server of the group, from another address: that server probes it.
            return probeAtHoldersServer(row, id, from: source)
        }
        // Each registration of a known nick sends it the whole table again: a burst of 3, then one a
        // second, so churn cannot make the server send more than it is sent. Later ones hear "checking"
        // and retry, as for a probe.
        if sessions[nick] != nil, !registrations.admit(nick, now: now) {
            return reply(id, .registerReply(.checking, token: 0), to: source)
        }
        mark(nick, as: .online(
            requestID: id, address: source, key: proof.publicKey, candidates: usableCandidates(candidates, from: source),
            signsWelcome: !proof.signature.isEmpty))
    }

    /// The shared store answered a claim: its pinned key becomes this server's, and the registration that
    /// asked is handled again (now as for a pinned nick, so it must prove the key). A failed store gets
    /// "checking", and the client retries.
    mutating func claimFinished(_ nick: String, _ result: Result<NickClaim, StoreError>, registration: Datagram) {
        switch result {
        case .success(let claim) where claim.isNew:
            // Pinned now, for this registration's key: a first registration, which needs no proof, as on
            // a server of its own.
            pins.pin(nick, key: claim.pinned.key, atMicroseconds: wallClockMicroseconds)
            freshlyClaimed = nick
            receive(registration)
            freshlyClaimed = nil
        case .success(let claim):
            // Pinned through another server: known here as after a restart, so a returning client.
            learnPins([nick: claim.pinned])
            receive(registration)
        case .failure(let error):
            log(.pinFailed(nick: nick, error: error))
            do {
                reply(try Packet(decoding: registration.bytes).id, .registerReply(.checking, token: 0), to: registration.source)
            } catch {
                drop("\(registration.source): \(error)")
            }
        }
    }

    /// Whether `source` may register one more new nick now (and that one is counted). Loopback sources
    /// are not held to the new-nick limit unless the operator says so: a crowd trying the chat on the
    /// server's own machine shares one address.
    mutating func admitsNewNick(from source: Address) -> Bool {
        (source.isLoopback && !config.limitNewNicksFromLoopback) || newNicks.admit(source, now: now)
    }

    /// The host candidates worth passing to peers: local-network addresses only (never a public victim),
    /// loopback only from a client that reaches the server over loopback, none twice nor the observed
    /// address again, and at most `config.maxCandidates`.
    func usableCandidates(_ candidates: [Address], from source: Address) -> [Address] {
        var kept: [Address] = []
        for candidate in candidates where candidate.isLocalNetwork && candidate != source && !kept.contains(candidate) {
            guard !candidate.isLoopback || source.isLoopback else { continue }
            kept.append(candidate)
            if kept.count == config.maxCandidates { break }
        }
        return kept
    }

    mutating func deregister(_ id: UInt64, nick: String, token: UInt64, from source: Address) {
        guard let record = sessions[nick], record.online else {
            // Unknown or offline here (the server restarted, say): it is offline already, which is what
            // was asked, and nothing changes.
            return reply(id, .deregisterReply(.deregistered), to: source)
        }
        guard sessions.nick(of: token) == nick, record.address == source else {
            log(.refusedDeregistration(nick: nick, from: source))
            return reply(id, .deregisterReply(.notHolder), to: source)
        }
        if record.online {
            statistics.deregistrations += 1
            log(.deregistered(nick: nick))
            mark(nick, as: .offline(deregistered: true))
        }
        reply(id, .deregisterReply(.deregistered), to: source)
    }
}
