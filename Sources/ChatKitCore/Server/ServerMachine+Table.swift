/// The table: rows change, holders hear of it and acknowledge, and clients look rows up.
extension ServerMachine {
    /// `nick`'s row should show it at `address` (its session's, unless given), online or not. A change
    /// that changes nothing is dropped; one that comes too soon after the last waits (`RowPacing`);
    /// otherwise the row gets a new version, and its holders hear of it at the next flush.
    mutating func rowChanged(_ nick: String, online: Bool = true, address: Address? = nil) {
        guard let address = address ?? sessions[nick]?.address else { return }
        let row = RowPacing.Row(address: address, candidates: online ? sessions[nick]?.candidates ?? [] : [], online: online)
        let current = directory[nick].map { RowPacing.Row(address: $0.address, candidates: $0.candidates, online: $0.online) }
        guard rowPacing.change(nick, to: row, current: current, now: now) else { return }
        setRow(nick, row)
    }

    /// Applies the row changes that waited for their nick's turn.
    mutating func applyWaitingRows() {
        for (nick, row) in rowPacing.due(now) { setRow(nick, row) }
    }

    mutating func setRow(_ nick: String, _ row: RowPacing.Row) {
        // The row names the key the server knows the nick by: a peer's session must prove it.
        directory.set(nick, address: row.address, candidates: row.candidates, identityKey: pins[nick], prekey: prekeys[nick], online: row.online)
        publisher.rowChanged(nick)
        scheduleFlush()
    }

    mutating func scheduleFlush() {
        if flushAt == nil { flushAt = now + config.tableFlushDelay }
    }

    /// Once the table has grown past the whole-table limit, every client holding it whole switches to
    /// on-demand. It may grow by a registration here, or by rows learned from the other servers of a
    /// group (found by the group ceiling benchmark: clients that registered first held 200,000 rows).
    mutating func switchToOnDemandIfDue() {
        guard publisher.hasWholeTableSubscribers, publisher.mode(forDirectoryOf: directory.count) == .onDemand else { return }
        log(.switchedToOnDemand(rows: directory.count, limit: config.wholeTableLimit))
        publisher.switchToOnDemand()
    }

    mutating func flushTableChanges() {
        guard let due = flushAt, due <= now else { return }
        flushAt = nil
        switchToOnDemandIfDue()
        publish(publisher.flush(directory, now: now) { sessions[$0]?.roundTrip.measuredTimeout(floor: config.tableResendFloor) })
        // Stored messages that waited for their recipient's first table follow it in the same burst.
        for nick in courier.awaitingTable.sorted() where publisher.hasSentTable(nick) {
            guard let recipient = onlineRecipient(nick) else { continue }
            deliver(courier.tableArrived(nick, recipient: recipient, newID: { random.next() }, now: now))
        }
    }

    /// Carries out what the publisher decided: each delta goes to its holder.
    mutating func publish(_ directives: [TablePublisher.Directive]) {
        for directive in directives {
            switch directive {
            case .delta(let delta, let holder): emit(.send(Packet(id: 0, message: .tableDelta(delta)), to: holder))
            }
        }
    }

    /// `nick` (already checked by `heardFrom`) holds every row up to `version`.
    mutating func tableAcknowledged(_ version: UInt64, by nick: String) {
        guard let record = sessions[nick] else { return }
        if let roundTrip = publisher.acknowledged(version, token: record.token, now: now) { sessions.sampleRoundTrip(nick, roundTrip) }
    }

    mutating func lookup(_ id: UInt64, _ nick: String, token: UInt64, from source: Address, datagram: Datagram) {
        guard let asker = heardFrom(token, at: source) else {
            return reply(id, .lookupReply(.notRegistered, entry: nil), to: source)
        }
        guard let row = directory[nick] else {
            if askStoreAbout(nick, then: datagram) { return }
            return reply(id, .lookupReply(.noSuchClient, entry: nil), to: source)
        }
        publisher.hold(nick, by: asker)
        reply(id, .lookupReply(.found, entry: row), to: source)
    }

    /// One page of `who`: the rows after `after` that start with `prefix`, as many as fit a datagram.
    mutating func who(_ id: UInt64, prefix: String, after: String, token: UInt64, from source: Address) {
        guard heardFrom(token, at: source) != nil else { return drop("\(source): who from no session") }
        let page = directory.page(prefix: prefix, after: after, limit: 64)
        var rows: [TableEntry] = []
        var bytes = WireLimits.headerBytes + 1 + 2
        for row in page.rows.map(\.listed) {
            guard bytes + row.encodedBytes <= WireLimits.maxDatagramBytes else { break }
            rows.append(row)
            bytes += row.encodedBytes
        }
        reply(id, .whoReply(entries: rows, more: page.more || rows.count < page.rows.count), to: source)
    }
}
