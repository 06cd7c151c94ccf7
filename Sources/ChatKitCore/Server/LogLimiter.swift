/// Keeps a flood of refusals from flooding the log: at most `perWindow` lines per `window`; the rest are
/// counted, and the next line logged says how many were held back.
struct LogLimiter {
    let perWindow: Int
    let window: Duration
    private var windowStart: Instant?
    private var logged = 0
    private var heldBack = 0

    init(perWindow: Int = 20, window: Duration = .seconds(60)) {
        self.perWindow = perWindow
        self.window = window
    }

    /// Whether an event at `now` is logged, and how many were held back before it (to say so first).
    mutating func admit(_ now: Instant) -> (log: Bool, heldBack: Int) {
        var before = 0
        if windowStart.map({ now >= $0 + window }) ?? true {
            before = heldBack
            windowStart = now
            logged = 0
            heldBack = 0
        }
        guard logged < perWindow else {
            heldBack += 1
            return (false, 0)
        }
        logged += 1
        return (true, before)
    }
}
