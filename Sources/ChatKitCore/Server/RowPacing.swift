/// How often one nick's row may change in the directory (and so be pushed to every holder): a burst of
/// `burst` changes at once, then one per `interval`. A change that comes sooner waits, and a later
/// change replaces it, so re-registration churn costs holders at most one push per interval.
struct RowPacing {
    /// What a nick's row should become.
    struct Row: Equatable {
        var address: Address
        var candidates: [Address]
        var online: Bool
    }

    private var buckets: TokenBuckets
    /// Changes waiting for their nick's next token.
    private(set) var waiting: [String: Row] = [:]
    private var due = KeyedDeadlineQueue<String>()

    init(burst: Int, interval: Duration) {
        buckets = TokenBuckets(perSecond: 1 / max(interval.seconds, 1e-9), burst: burst)
    }

    /// The earliest waiting change, if any (it may be stale).
    var nextDeadline: Instant? { due.earliest }

    /// `nick`'s row should become `row` (it is `current` in the directory now): true when it may change
    /// now; else it waits (replacing any change waiting before), or is dropped when it changes nothing.
    mutating func change(_ nick: String, to row: Row, current: Row?, now: Instant) -> Bool {
        waiting[nick] = nil
        guard row != current else { return false }
        if buckets.admit(nick, now: now) { return true }
        waiting[nick] = row
        due.schedule(nick, at: buckets.nextToken(nick, now: now))
        return false
    }

    /// The waiting changes whose time has come, each taking its nick's token, in nickname order.
    mutating func due(_ now: Instant) -> [(nick: String, row: Row)] {
        var ready: [(nick: String, row: Row)] = []
        for (_, nick) in due.popDue(now) {
            guard let row = waiting[nick] else { continue }
            guard buckets.admit(nick, now: now) else {
                due.schedule(nick, at: buckets.nextToken(nick, now: now))
                continue
            }
            waiting[nick] = nil
            ready.append((nick, row))
        }
        return ready.sorted { $0.nick < $1.nick }
    }

    /// Forgets `nick` (it expired).
    mutating func forget(_ nick: String) {
        waiting[nick] = nil
        buckets.forget(nick)
    }
}
