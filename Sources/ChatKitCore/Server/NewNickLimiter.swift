/// How many new nicknames one source network may register per minute: a flood of registrations from one
/// address would otherwise grow the server's table (and pinned keys) without bound. An IPv6 host owns a
/// /64, so the limit counts IPv6 per /64 (`Address.sourceNetwork`).
struct NewNickLimiter {
    let perMinute: Int
    private var windows: [String: (start: Instant, count: Int)] = [:]
    /// Past windows are swept out when the table reaches this size, which then doubles with what is
    /// still live: amortized O(1) per admission even when many hosts register within one minute.
    private var sweepAt = 10_000

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Whether `source` may register one more new nickname at `now` (and counts it if so). A limit of 0
    /// means no limit.
    mutating func admit(_ source: Address, now: Instant) -> Bool {
        guard perMinute > 0 else { return true }
        let host = source.sourceNetwork
        if windows.count >= sweepAt {
            windows = windows.filter { now - $0.value.start < .seconds(60) }
            sweepAt = max(10_000, 2 * windows.count)
        }
        var window: (start: Instant, count: Int) = windows[host].flatMap { now - $0.start < .seconds(60) ? $0 : nil } ?? (now, 0)
        guard window.count < perMinute else { return false }
        window.count += 1
        windows[host] = window
        return true
    }
}
