/// Retries with exponential back-off (500 ms, 1 s, 2 s, 4 s, then every 4 s, by default), for many
/// pending items at once.
///
/// Each back-off level has its own `DeadlineQueue`: items entering one level all wait the same time, so
/// their deadlines arrive in order and scheduling stays O(1). Entries are not searched for and removed
/// early: `popDue` checks each queued entry against the id's live deadline and skips stale ones, and
/// `stop` drops stale entries from the front of the stopped id's level, so they wake no one.
struct BackoffSchedule {
    private var levels: [DeadlineQueue]
    private let delays: [Duration]
    /// The level a retry starts at when the caller names no first delay.
    private let defaultLevel: Int
    /// The live deadline and level of each scheduled id.
    private var live: [UInt64: (deadline: Instant, level: Int)] = [:]

    /// A schedule whose first retry comes `first` after the send, doubling up to `cap`; a caller that
    /// knows the round trip may start lower, down to `floor` (itself doubled up to `first`).
    init(first: Duration = .milliseconds(500), cap: Duration = .seconds(4), floor: Duration? = nil) {
        var delays: [Duration] = [min(floor ?? first, first)]
        while let last = delays.last, last < first { delays.append(last * 2) }
        self.defaultLevel = delays.count - 1
        while let last = delays.last, last * 2 <= cap { delays.append(last * 2) }
        self.delays = delays
        self.levels = Array(repeating: DeadlineQueue(), count: delays.count)
    }

    /// The level whose delay is the shortest at least `wait`, or the default level without one.
    private func level(for wait: Duration?) -> Int {
        guard let wait else { return defaultLevel }
        return delays.firstIndex { $0 >= wait } ?? delays.count - 1
    }

    /// The earliest deadline queued, stale or not.
    var earliest: Instant? { levels.reduce(nil) { Instant.earliest($0, $1.earliest) } }

    /// Schedules `id`'s next retry one first delay from now: something new was sent, so the back-off
    /// starts again (as each CoAP confirmable message has its own timer). A retry already due sooner is
    /// kept, so starting never delays a retry, and an id is retried at most once per first delay.
    /// `first` is the caller's measured retransmission timeout, if it has one.
    mutating func start(_ id: UInt64, now: Instant, first: Duration? = nil) {
        let level = level(for: first)
        if let entry = live[id], entry.deadline <= now + delays[level] { return }
        schedule(id, level: level, now: now)
    }

    /// Stops retrying `id`.
    mutating func stop(_ id: UInt64) {
        guard let stopped = live.removeValue(forKey: id) else { return }
        let live = self.live
        levels[stopped.level].dropStaleFront { entry in
            guard let current = live[entry.id] else { return true }
            return current.deadline != entry.deadline || current.level != stopped.level
        }
    }

    /// The ids whose retry is due, each rescheduled one level further out.
    mutating func popDue(_ now: Instant) -> [UInt64] {
        var due: [UInt64] = []
        for index in levels.indices {
            for (deadline, id) in levels[index].popDue(now) {
                guard let entry = live[id], entry.deadline == deadline, entry.level == index else { continue }
                due.append(id)
                schedule(id, level: min(index + 1, delays.count - 1), now: now)
            }
        }
        return due
    }

    private mutating func schedule(_ id: UInt64, level: Int, now: Instant) {
        let deadline = now + delays[level]
        live[id] = (deadline, level)
        levels[level].add(id, at: deadline)
    }
}
