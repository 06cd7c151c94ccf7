/// How many new nicknames one source host may register per minute: a flood of registrations from one
/// address would otherwise grow the server's table (and pinned keys) without bound.
struct NewNickLimiter {
    let perMinute: Int
    private var windows: [String: (start: Instant, count: Int)] = [:]

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Whether `host` may register one more new nickname at `now` (and counts it if so). A limit of 0
    /// means no limit.
    mutating func admit(_ host: String, now: Instant) -> Bool {
        guard perMinute > 0 else { return true }
        if windows.count > 10_000 { windows = windows.filter { now - $0.value.start < .seconds(60) } }
        var window: (start: Instant, count: Int) = windows[host].flatMap { now - $0.start < .seconds(60) ? $0 : nil } ?? (now, 0)
        guard window.count < perMinute else { return false }
        window.count += 1
        windows[host] = window
        return true
    }
}
