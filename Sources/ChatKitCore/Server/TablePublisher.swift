/// Keeps every online client's copy of the directory current, and confirms it.
///
/// New changes go out at once as deltas; each client acknowledges the version it holds (a cumulative
/// ack), and whatever it has not acknowledged is resent from that version with exponential back-off,
/// as CoAP resends confirmable messages. Small directories are held whole by every client; above
/// `wholeTableLimit` rows, clients hold only their own row and the rows they looked up, and a change
/// goes only to the clients that hold it.
struct TablePublisher {
    /// What the publisher asks the machine to do.
    enum Directive: Equatable {
        /// Send `delta` (it carries its holder's token) to the holder at `address`.
        case delta(TableDelta, to: Address)
    }

    struct Subscriber {
        var nick: String
        var address: Address
        var token: UInt64
        var mode: TableMode
        /// The rows held in on-demand mode (the subscriber's own row always among them).
        var held: Set<String>
        /// The version the client acknowledged holding.
        var confirmed: UInt64 = 0
        /// The newest version sent to it.
        var sent: UInt64 = 0
        /// When `sent` went out, if only once: its acknowledgement then measures a round trip.
        var sentAt: Instant?
    }

    let wholeTableLimit: Int
    private(set) var subscribers: [String: Subscriber] = [:]
    private var nickByToken: [UInt64: String] = [:]
    /// Subscribers in on-demand mode that hold each row.
    private var holders: [String: Set<String>] = [:]
    private var wholeTableSubscribers: Set<String> = []
    /// Rows changed since the last flush; subscribers owed a push at the next flush.
    private var changedRows: Set<String> = []
    private var owedPush: Set<String> = []
    /// Subscribers whose next push starts again from the version they confirmed, not from what was sent.
    private var owedResend: Set<String> = []
    private var resends: BackoffSchedule

    /// `resendFloor` is the shortest first resend, for a client whose round trip is that short.
    init(wholeTableLimit: Int, resendFloor: Duration = .milliseconds(500)) {
        self.wholeTableLimit = wholeTableLimit
        self.resends = BackoffSchedule(floor: resendFloor)
    }

    /// The mode a client registering now gets, for a directory of `rows` rows.
    func mode(forDirectoryOf rows: Int) -> TableMode {
        rows <= wholeTableLimit ? .whole : .onDemand
    }

    /// The earliest resend due, if any.
    var nextResend: Instant? { resends.earliest }

    /// Starts keeping `nick`'s copy current from nothing: it is owed the whole table (or its own row).
    mutating func subscribe(_ nick: String, address: Address, token: UInt64, mode: TableMode) {
        unsubscribe(nick)
        subscribers[nick] = Subscriber(nick: nick, address: address, token: token, mode: mode, held: mode == .onDemand ? [nick] : [])
        nickByToken[token] = nick
        if mode == .whole { wholeTableSubscribers.insert(nick) } else { holders[nick, default: []].insert(nick) }
        owedPush.insert(nick)
    }

    /// Stops keeping `nick`'s copy: it went offline.
    mutating func unsubscribe(_ nick: String) {
        guard let subscriber = subscribers.removeValue(forKey: nick) else { return }
        nickByToken[subscriber.token] = nil
        resends.stop(subscriber.token)
        wholeTableSubscribers.remove(nick)
        owedPush.remove(nick)
        owedResend.remove(nick)
        for row in subscriber.held {
            holders[row]?.remove(nick)
            if holders[row]?.isEmpty == true { holders[row] = nil }
        }
    }

    /// Records that `nick`'s row changed; its holders hear of it at the next flush.
    mutating func rowChanged(_ nick: String) {
        changedRows.insert(nick)
    }

    /// Adds `row` to what `subscriber` holds in on-demand mode, after a lookup.
    mutating func hold(_ row: String, by subscriber: String) {
        guard subscribers[subscriber]?.mode == .onDemand else { return }
        guard subscribers[subscriber]?.held.insert(row).inserted == true else { return }
        holders[row, default: []].insert(subscriber)
    }

    /// Whether any subscriber holds the whole table.
    var hasWholeTableSubscribers: Bool { !wholeTableSubscribers.isEmpty }

    /// Every whole-table subscriber switches to on-demand mode: the directory grew past the limit.
    mutating func switchToOnDemand() {
        for nick in wholeTableSubscribers {
            subscribers[nick]?.mode = .onDemand
            subscribers[nick]?.held = [nick]
            holders[nick, default: []].insert(nick)
            owedPush.insert(nick)
        }
        wholeTableSubscribers = []
    }

    /// `token`'s holder says it holds every row up to `version`; returns the round trip it measures, if
    /// it acknowledges a push sent only once.
    @discardableResult
    mutating func acknowledged(_ version: UInt64, token: UInt64, now: Instant) -> Duration? {
        guard let nick = nickByToken[token], var subscriber = subscribers[nick] else { return nil }
        subscriber.confirmed = max(subscriber.confirmed, min(version, subscriber.sent))
        var roundTrip: Duration?
        if let sentAt = subscriber.sentAt, version >= subscriber.sent {
            roundTrip = now - sentAt
            subscriber.sentAt = nil
        }
        subscribers[nick] = subscriber
        if subscriber.confirmed >= subscriber.sent { resends.stop(token) }
        return roundTrip
    }

    /// At the next flush, resends `nick` everything it has not acknowledged, without waiting for the
    /// back-off: it asked again, by retrying its registration.
    mutating func resendUnconfirmed(to nick: String) {
        guard let subscriber = subscribers[nick], subscriber.confirmed < subscriber.sent else { return }
        owedPush.insert(nick)
        owedResend.insert(nick)
    }

    /// Whether `nick` has been sent a table in its session; its stored messages follow it in the same burst.
    func hasSentTable(_ nick: String) -> Bool { (subscribers[nick]?.sent ?? 0) > 0 }

    /// The latest version `nick` was sent, for the keepalive reply.
    func sentVersion(of nick: String) -> UInt64 { subscribers[nick]?.sent ?? 0 }

    /// The deltas owed since the last flush, each new change sent once to each of its holders; each is
    /// resent after `timeout(nick)` (the holder's measured retransmission timeout) unless acknowledged.
    /// A session that has acknowledged nothing yet gets the default 500 ms back-off: a client that never
    /// acknowledges (a churner) is not sent its whole table faster.
    mutating func flush(_ directory: Directory, now: Instant, timeout: (String) -> Duration? = { _ in nil }) -> [Directive] {
        for row in changedRows {
            owedPush.formUnion(holders[row] ?? [])
        }
        if !changedRows.isEmpty { owedPush.formUnion(wholeTableSubscribers) }
        changedRows = []
        var directives: [Directive] = []
        // Sorted so a simulation replays byte for byte (set order differs between runs).
        for nick in owedPush.sorted() {
            guard let subscriber = subscribers[nick] else { continue }
            let from = owedResend.contains(nick) ? subscriber.confirmed : subscriber.sent
            guard from < directory.latest else { continue }
            directives += deltas(for: subscriber, from: from, directory)
            subscribers[nick]?.sent = directory.latest
            // The version is new, so only this push can be acknowledged with it: it times a round trip. A
            // resend of a version already sent does not (Karn's rule: which copy was answered is unknown).
            subscribers[nick]?.sentAt = now
            resends.start(subscriber.token, now: now, first: subscriber.confirmed > 0 ? timeout(nick) : nil)
        }
        owedPush = []
        owedResend = []
        return directives
    }

    /// What is due for a resend: everything after the version each such client acknowledged.
    mutating func resendDue(_ directory: Directory, now: Instant) -> [Directive] {
        var directives: [Directive] = []
        for token in resends.popDue(now) {
            guard let nick = nickByToken[token], let subscriber = subscribers[nick] else { continue }
            guard subscriber.confirmed < subscriber.sent else {
                resends.stop(token)
                continue
            }
            directives += deltas(for: subscriber, from: subscriber.confirmed, directory)
            subscribers[nick]?.sent = directory.latest
            subscribers[nick]?.sentAt = nil
        }
        return directives
    }

    /// The deltas that take `subscriber` from `version` to the directory's latest, with its token.
    private func deltas(for subscriber: Subscriber, from version: UInt64, _ directory: Directory) -> [Directive] {
        let rows: [TableEntry]
        switch subscriber.mode {
        case .whole:
            rows = directory.changes(after: version)
        case .onDemand:
            rows = subscriber.held.compactMap { directory[$0] }.filter { $0.version > version }.sorted { $0.version < $1.version }
        }
        return TableChunker.deltas(
            of: rows.map(\.listed), from: version, latest: directory.latest, mode: subscriber.mode, token: subscriber.token)
            .map { .delta($0, to: subscriber.address) }
    }
}
