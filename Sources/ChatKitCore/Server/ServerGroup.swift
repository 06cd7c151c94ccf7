/// The other servers sharing this server's store, as the roster last said, and when to announce this
/// one again: what clients are told to move to when this server falls silent.
struct ServerGroup {
    /// How this server is listed; nil when it is not in a group.
    let listing: ServerListing?
    let interval: Duration
    /// The others, in the roster's order.
    private(set) var others: [ServerListing] = []
    private(set) var nextAnnounce: Instant?
    /// When news the store told of is to be read (at most one read per `newsGap`), if some waits.
    private(set) var nextNewsRead: Instant?
    private var lastNewsRead = Instant.zero
    /// The least time between two reads of news told of by the store, so a burst of writes costs one.
    static let newsGap: Duration = .milliseconds(10)
    /// Chats other servers relay through this one, by recipient and id: the server each came from, which
    /// hears of its acknowledgement. At most `relayedThroughHereLimit` are remembered.
    var relayedThroughHere: [ServerRelays.RelayKey: [UInt8]] = [:]
    static let relayedThroughHereLimit = 10_000
    /// The other servers' clients, as their presence rows last said, by nickname.
    private(set) var remote: [String: PresenceRow] = [:]

    init(listing: ServerListing?, interval: Duration) {
        self.listing = listing
        self.interval = interval
        nextAnnounce = listing == nil ? nil : .zero
    }

    /// This server's listing when an announce is due at `now` (the next is scheduled), else nil. An
    /// announce reads the news too.
    mutating func announceDue(_ now: Instant) -> ServerListing? {
        guard let listing, let at = nextAnnounce, at <= now else { return nil }
        nextAnnounce = now + interval
        (nextNewsRead, lastNewsRead) = (nil, now)
        return listing
    }

    /// The store told of news: it is read now, or once `newsGap` has passed since the last read.
    mutating func told(_ now: Instant) {
        guard listing != nil, nextNewsRead == nil else { return }
        nextNewsRead = max(now, lastNewsRead + Self.newsGap)
    }

    /// Whether a read of news is due at `now` (and then it counts as done).
    mutating func newsReadDue(_ now: Instant) -> Bool {
        guard let at = nextNewsRead, at <= now else { return false }
        (nextNewsRead, lastNewsRead) = (nil, now)
        return true
    }

    /// Takes presence rows read from the store. A row of this server's own replaces another server's
    /// for the nick (the store holds one row a nick): that row is then no longer current.
    mutating func heard(_ rows: [PresenceRow]) {
        for row in rows { remote[row.nick] = row.serverKey == listing?.key ? nil : row }
    }

    /// Whether any of `rows` was written by a server not listed here: one that started (or came back)
    /// since the last announce, which the roster lists now.
    func writtenByUnlisted(_ rows: [PresenceRow]) -> Bool {
        rows.contains { row in row.serverKey != listing?.key && !others.contains { $0.key == row.serverKey } }
    }

    /// Announces (and so lists the others) at the next tick rather than at the interval.
    mutating func announceSoon(_ now: Instant) {
        guard listing != nil else { return }
        nextAnnounce = now
    }

    /// `nick`'s row, if it is another server's client online there now.
    func liveRemote(_ nick: String) -> PresenceRow? {
        remote[nick].flatMap { isLive($0) ? $0 : nil }
    }

    /// Whether `row` is live: online at a server still heard from.
    func isLive(_ row: PresenceRow) -> Bool {
        row.online && others.contains { $0.key == row.serverKey }
    }

    /// Takes the roster's list (this server left out, by key); true when the others changed.
    mutating func listed(_ servers: [ServerListing]) -> Bool {
        let others = Array(servers.filter { $0.key != listing?.key }.prefix(ServerListing.maxListed))
        guard others != self.others else { return false }
        self.others = others
        return true
    }
}
