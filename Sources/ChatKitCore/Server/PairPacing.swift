/// At most one event per pair of nicknames per `interval`: the server orders a peer to punch toward an
/// asker no faster than this, whatever the asker sends.
struct PairPacing {
    let interval: Duration
    /// When each asker's last event toward each peer was admitted.
    private var last: [String: [String: Instant]] = [:]

    init(interval: Duration) {
        self.interval = interval
    }

    /// True (and counted) when `asker` may have one more event toward `peer` at `now`.
    mutating func admit(_ asker: String, toward peer: String, now: Instant) -> Bool {
        if let previous = last[asker]?[peer], now < previous + interval { return false }
        last[asker, default: [:]][peer] = now
        return true
    }

    /// Forgets `nick`'s pairs as asker (it went offline).
    mutating func forget(_ nick: String) {
        last[nick] = nil
    }
}
