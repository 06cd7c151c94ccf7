/// How many relayed chats and punch orders each client may ask for: a token bucket per nickname,
/// `perSecond` refilled up to `burst`, so a client cannot turn the server into a traffic pump.
struct PeerServiceLimiter {
    let perSecond: Double
    let burst: Double
    private var buckets: [String: (tokens: Double, at: Instant)] = [:]

    init(perSecond: Int, burst: Int) {
        self.perSecond = Double(perSecond)
        self.burst = Double(max(1, burst))
    }

    /// True (and one token spent) when `nick` may have one more relay or punch now.
    mutating func admit(_ nick: String, now: Instant) -> Bool {
        var bucket = buckets[nick] ?? (burst, now)
        let elapsed = Double((now - bucket.at).components.seconds) + Double((now - bucket.at).components.attoseconds) / 1e18
        bucket.tokens = min(burst, bucket.tokens + elapsed * perSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[nick] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[nick] = bucket
        return true
    }

    /// Forgets `nick` (it went offline).
    mutating func forget(_ nick: String) {
        buckets[nick] = nil
    }
}
