/// Keeps a flood from flooding the log: every event a remote party can cause passes here, and each cause
/// (the kind of event) gets at most `perWindow` lines per `window`; the rest are counted, and the next
/// line of that cause is preceded by one that says how many were held back.
struct LogLimiter {
    let perWindow: Int
    let window: Duration
    private var causes: [String: CauseWindow] = [:]

    /// One cause's current window.
    private struct CauseWindow {
        var start: Instant
        var logged = 0
        var heldBack = 0
    }

    init(perWindow: Int = 20, window: Duration = .seconds(60)) {
        self.perWindow = perWindow
        self.window = window
    }

    /// Whether an event of `cause` at `now` is logged, and how many of that cause were held back in the
    /// window before it (to say so first).
    mutating func admit(_ cause: String, now: Instant) -> (log: Bool, heldBack: Int) {
        var state = causes[cause] ?? CauseWindow(start: now)
        var before = 0
        if now >= state.start + window {
            before = state.heldBack
            state = CauseWindow(start: now)
        }
        let admitted = state.logged < perWindow
        if admitted { state.logged += 1 } else { state.heldBack += 1 }
        causes[cause] = state
        return (admitted, before)
    }
}
