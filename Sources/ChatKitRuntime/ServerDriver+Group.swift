import ChatKitCore

/// The group's effects, carried out on the store's roster (a store several servers share): forwards,
/// presence (gathered per batch), and the announce that reads who else is alive and what changed. Called with the lock held.
extension ServerDriver {
    func performGroupEffect(_ effect: ServerEffect) -> [ServerEvent] {
        guard let roster else { return [] }
        do {
            switch effect {
            case .forwardToServer(let forward):
                try roster.forward(forward)
            case .announceServer(let listing):
                let now = clock.wallClockMicroseconds
                try roster.announce(listing, atMicroseconds: now)
                // A server unheard for three announces is no longer listed.
                let window = machine.config.rosterInterval * 3
                let windowMicroseconds = window.components.seconds * 1_000_000 + window.components.attoseconds / 1_000_000_000_000
                return [.serversListed(try roster.servers(heardSinceMicroseconds: now - windowMicroseconds))]
                    + (try readNews(for: listing.key))
            case .readGroupNews(let serverKey):
                return try readNews(for: serverKey)
            default:
                break
            }
        } catch {
            log.record(.rosterFailed(error: error))
        }
        return []
    }

    /// Publishes the batch's presence rows in one write (soft state: a failure is logged, and the next
    /// registration publishes again).
    func publishPresence(_ rows: inout [PresenceRow]) {
        defer { rows = [] }
        guard let roster, !rows.isEmpty else { return }
        do {
            try roster.publish(rows)
        } catch {
            log.record(.rosterFailed(error: error))
        }
    }

    /// What changed in the group since the last read, as an event (none when nothing did).
    private func readNews(for serverKey: [UInt8]) throws(StoreError) -> [ServerEvent] {
        let (news, cursor) = try roster?.news(after: groupCursor, for: serverKey) ?? (GroupNews(), groupCursor)
        groupCursor = cursor
        return news == GroupNews() ? [] : [.groupNews(news)]
    }

    /// A server of a group reads news as soon as the store tells of it (where the store can tell).
    func watchGroupChanges() {
        do {
            try roster?.watchChanges { [weak self] in self?.handle(.groupChanged) }
        } catch {
            log.record(.rosterFailed(error: error))
        }
    }
}
