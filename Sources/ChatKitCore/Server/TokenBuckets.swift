/// A token bucket per nickname: `perSecond` tokens refilled up to `burst`, one spent per event. It paces
/// what a client may ask of the server (relays, punch orders) and how often a nick's row is pushed, so
/// no client can turn the server into a traffic pump.
struct TokenBuckets {
    let perSecond: Double
    let burst: Double
    private var buckets: [String: (tokens: Double, at: Instant)] = [:]

    init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = Double(max(1, burst))
    }

    /// True (and one token spent) when `nick` may have one more event now.
    mutating func admit(_ nick: String, now: Instant) -> Bool {
        var bucket = refilled(nick, now: now)
        defer { buckets[nick] = bucket }
        guard bucket.tokens >= 1 else { return false }
        bucket.tokens -= 1
        return true
    }

    /// When `nick` next has a token (now, if it has one already).
    func nextToken(_ nick: String, now: Instant) -> Instant {
        let bucket = refilled(nick, now: now)
        guard bucket.tokens < 1, perSecond > 0 else { return now }
        return now + .nanoseconds(Int64(((1 - bucket.tokens) / perSecond * 1e9).rounded(.up)))
    }

    /// Forgets `nick` (it went offline).
    mutating func forget(_ nick: String) {
        buckets[nick] = nil
    }

    private func refilled(_ nick: String, now: Instant) -> (tokens: Double, at: Instant) {
        guard let bucket = buckets[nick] else { return (burst, now) }
        return (min(burst, bucket.tokens + (now - bucket.at).seconds * perSecond), now)
    }
}
