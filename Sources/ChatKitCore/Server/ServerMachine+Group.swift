/// Several servers, one store: this server announces itself in the store's roster, learns the others,
/// and tells each client it welcomes (and every online client when the group changes) where else to go.
extension ServerMachine {
    /// A tick: announce this server when due (the roster's answer comes back as `.serversListed`, and the
    /// news with it), else read news the store told of.
    mutating func announceIfDue() {
        if let listing = group.announceDue(now) {
            emit(.announceServer(listing))
        } else if group.newsReadDue(now), let listing = group.listing {
            emit(.readGroupNews(serverKey: listing.key))
        }
    }

    /// The store told of news: read it now, or after the least gap between reads.
    mutating func groupChanged() {
        group.told(now)
        announceIfDue()
    }

    /// The roster answered: when the others changed, every online client hears the new list, and the
    /// clients of a server no longer heard go offline in the table.
    mutating func serversListed(_ servers: [ServerListing]) {
        guard group.listed(servers) else { return }
        log(.serverGroupChanged(others: group.others.count))
        for (nick, record) in sessions.records where record.online { sendServerList(to: nick) }
        showRemoteRows(Array(group.remote.keys))
    }

    /// The store said what changed in the group: other servers' clients appear in this server's table
    /// (their keys fetched first when pinned elsewhere), and mail stored for this server's online
    /// clients, by any server, is delivered.
    mutating func groupNews(_ news: GroupNews) {
        if askStoreAbout(news.presence.map(\.nick), then: .groupNews(news)) { return }
        // A row from a server not listed here: it came back since the last announce, and its clients
        // count as online only once it is listed again (found by the group chaos, seed 1135).
        if group.writtenByUnlisted(news.presence) {
            group.announceSoon(now)
            announceIfDue()
        }
        group.heard(news.presence)
        for row in news.presence where row.serverKey != group.listing?.key {
            // Used at another server is used: a nick must not expire here while its owner uses it there.
            pins.touch(row.nick, atMicroseconds: wallClockMicroseconds)
            // Online there, registered after every grant here (news is read after this server's rows are
            // written): a session here is stale, its process gone or moved (found by the group chaos, seed 1231).
            if row.online, let record = sessions[row.nick], record.online {
                log(.movedToAnotherServer(nick: row.nick, at: row.address))
                mark(row.nick, as: .offline(deregistered: false))
            }
        }
        showRemoteRows(news.presence.map(\.nick))
        for nick in news.mailFor where sessions[nick]?.online == true {
            if courier.start(nick) { emit(.load(recipient: nick)) }
        }
        for forward in news.forwards { sendForwarded(forward) }
    }

    /// Carries out what another server forwarded: a punch order or a relayed chat for a client online
    /// here goes to it with its token; a probe asks this server to probe its client for a newcomer there;
    /// a relayed chat's acknowledgement ends this server's relay, and "in use" refuses a newcomer here.
    private mutating func sendForwarded(_ forward: ServerForward) {
        let id = forward.packet.id
        switch forward.packet.message {
        case .relayedChatAck: return carryOut(relays.acknowledged(by: forward.nick, id: id, now: now))
        case .registerReply(.nickInUse, _, _, _): return holderAnsweredAtServer(forward.nick, id)
        case .probe: return probeForServer(forward.nick, id, asker: forward.origin)
        default: break
        }
        guard let record = sessions[forward.nick], record.online else {
            return drop("forwarded \(forward.packet.message.kind) for \(forward.nick), not online here")
        }
        switch forward.packet.message {
        case .punchOrder(_, let peer, let nonce, let candidates):
            reply(id, .punchOrder(token: record.token, peer: peer, nonce: nonce, candidates: candidates), to: record.address)
        case .relayedChat(_, let sender, let text):
            if group.relayedThroughHere.count >= ServerGroup.relayedThroughHereLimit { group.relayedThroughHere.removeAll() }
            group.relayedThroughHere[ServerRelays.RelayKey(recipient: forward.nick, id: id)] = forward.origin
            reply(id, .relayedChat(token: record.token, from: sender, text: text), to: record.address)
        default:
            drop("forwarded \(forward.packet.message.kind) for \(forward.nick): not a kind servers forward")
        }
    }

    /// Sets the table rows of `nicks` that are other servers' clients (a client of this server's own wins).
    private mutating func showRemoteRows(_ nicks: [String]) {
        for nick in Set(nicks).sorted() {
            guard let row = group.remote[nick], sessions[nick]?.online != true else { continue }
            let live = group.isLive(row)
            let current = directory[nick]
            guard current?.online != live || current?.address != row.address || current?.candidates != row.candidates else { continue }
            setRow(nick, RowPacing.Row(address: row.address, candidates: live ? row.candidates : [], online: live))
        }
    }

    /// Leaves `packet` for `nick`, a client of the server with key `serverKey`, naming this server as
    /// its origin (where a relayed chat's acknowledgement comes back to).
    mutating func forward(_ packet: Packet, for nick: String, at serverKey: [UInt8]) {
        emit(.forwardToServer(ServerForward(serverKey: serverKey, nick: nick, packet: packet, origin: group.listing?.key ?? [])))
    }

    /// In a group, tells the others where `nick`, this server's client, is now. An offline row needs no
    /// session here (one left in the store from before a restart, say).
    mutating func publishPresence(_ nick: String, online: Bool) {
        guard let listing = group.listing else { return }
        let record = sessions[nick]
        emit(.publishPresence(PresenceRow(
            nick: nick, address: record?.address ?? SessionTable.noAddress, candidates: online ? record?.candidates ?? [] : [],
            online: online, serverKey: listing.key)))
    }

    /// In a group, a nick this server never saw may be pinned through another server: true when the
    /// shared store is asked (the datagram comes back with the answer), false when there is none to ask.
    mutating func askStoreAbout(_ nick: String, then datagram: Datagram) -> Bool {
        askStoreAbout([nick], then: .datagram(datagram))
    }

    /// Asks the shared store about those of `nicks` this server has not pinned, then handles `event`
    /// again: true when it asked, false when there is none to ask about.
    mutating func askStoreAbout(_ nicks: [String], then event: ServerEvent) -> Bool {
        guard config.sharesStore else { return false }
        let unknown = Set(nicks.filter { pins[$0] == nil && !askedStoreAbout.contains($0) && Nickname.isValidCanonical($0) }).sorted()
        guard !unknown.isEmpty else { return false }
        emit(.fetchPins(nicks: unknown, then: event))
        return true
    }

    /// The shared store answered: a nick pinned elsewhere becomes known here (offline, as after a
    /// restart), and the datagram that named it is handled again, without asking twice.
    mutating func pinsFetched(_ nicks: [String], _ result: Result<[String: PinnedKey], StoreError>, then event: ServerEvent) {
        switch result {
        case .success(let pinned):
            // A nick pinned here that the store pins to another key, or to none, was released through
            // another server: the store's answer wins (asked only before refusing a key).
            for nick in nicks where pins[nick] != nil && pins[nick] != pinned[nick]?.key && sessions[nick]?.online != true {
                pins.forget(nick)
                prekeys.forget(nick)
            }
            learnPins(pinned)
        case .failure(let error): log(.pinFailed(nick: nicks.joined(separator: ","), error: error))
        }
        askedStoreAbout.formUnion(nicks)
        dispatch(event)
        askedStoreAbout.subtract(nicks)
    }

    /// Keys pinned through another server become known here, as after a restart, and their new rows go
    /// to the clients like any change (a client proves a stored letter by its sender's row).
    mutating func learnPins(_ pinned: [String: PinnedKey]) {
        let new = pinned.keys.filter { directory[$0] == nil }
        restorePins(pinned)
        for nick in new where directory[nick] != nil { publisher.rowChanged(nick) }
        if !new.isEmpty { scheduleFlush() }
    }

    /// Sends `nick` the other servers, signed by this server's key for its session; nothing when there
    /// are none (or no key to sign with).
    mutating func sendServerList(to nick: String) {
        guard !group.others.isEmpty, let serverKey, let record = sessions[nick], record.online else { return }
        do {
            let signature = try serverKey.sign(ServerListing.signedBytes(group.others, token: record.token))
            reply(random.nextNonZero(), .serverList(token: record.token, servers: group.others, signature: signature), to: record.address)
        } catch {
            log(.serverKeyFailed("\(error)"))
        }
    }
}
