/// Keeps the server in view while the client is online: a keepalive every `interval`. One left
/// unanswered is tried again every `retryInterval`, and after `quietAfter` unanswered tries the server
/// counts as quiet: the user is told once, tries slow to one per `interval`, and any datagram from the
/// server ends it ("the server answers again").
struct ServerWatch {
    /// What the watch asks the machine to do.
    enum Directive: Equatable {
        /// Send a keepalive now.
        case keepalive
        /// The server has just become quiet: tell the user once.
        case becameQuiet
    }

    let interval: Duration
    let retryInterval: Duration
    let quietAfter: Int
    /// When the next keepalive is due; nil while the client is not online.
    private(set) var next: Instant?
    /// Keepalives sent since the server was last heard from.
    private var unanswered = 0
    private(set) var isQuiet = false
    /// Whether a quiet server is still tried every `retryInterval` (a client with other servers to move
    /// to, which must notice the silence limit), rather than every `interval`.
    var triesFastWhileQuiet = false

    init(interval: Duration, retryInterval: Duration = .seconds(1), quietAfter: Int = 6) {
        self.interval = interval
        self.retryInterval = retryInterval
        self.quietAfter = quietAfter
    }

    /// The client is online: keepalives start, one `interval` from now.
    mutating func start(_ now: Instant) {
        next = now + interval
        unanswered = 0
    }

    /// The client is not online: no keepalives.
    mutating func stop() {
        next = nil
        unanswered = 0
        isQuiet = false
    }

    /// `.keepalive` when one is due now, and `.becameQuiet` when the server has just become quiet.
    mutating func due(_ now: Instant) -> [Directive] {
        guard let at = next, at <= now else { return [] }
        unanswered += 1
        let becameQuiet = !isQuiet && unanswered > quietAfter
        if becameQuiet { isQuiet = true }
        next = now + (isQuiet && !triesFastWhileQuiet ? interval : retryInterval)
        return becameQuiet ? [.keepalive, .becameQuiet] : [.keepalive]
    }

    /// The server said something: the next keepalive is one `interval` away. True when the server had
    /// been quiet.
    mutating func heard(_ now: Instant) -> Bool {
        guard next != nil else { return false }
        let wasQuiet = isQuiet
        isQuiet = false
        if unanswered > 0 {
            unanswered = 0
            next = now + interval
        }
        return wasQuiet
    }
}
