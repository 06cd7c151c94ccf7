/// Retries with exponential back-off (500 ms, 1 s, 2 s, 4 s, then every 4 s, by default), for many
/// pending items at once.
///
/// Each back-off level has its own `DeadlineQueue`: items entering one level all wait the same time, so
/// their deadlines arrive in order and scheduling stays O(1). Entries are never removed early: `popDue`
/// checks each queued entry against the id's live deadline and skips stale ones.
struct BackoffSchedule {
    private var levels: [DeadlineQueue]
    private let delays: [Duration]
    /// The live deadline and level of each scheduled id.
    private var live: [UInt64: (deadline: Instant, level: Int)] = [:]

    /// A schedule whose first retry comes `first` after the send, doubling up to `cap`.
    init(first: Duration = .milliseconds(500), cap: Duration = .seconds(4)) {
        var delays: [Duration] = [first]
        while let last = delays.last, last * 2 <= cap { delays.append(last * 2) }
        self.delays = delays
        self.levels = Array(repeating: DeadlineQueue(), count: delays.count)
    }

    /// The earliest deadline queued, stale or not.
    var earliest: Instant? { levels.compactMap(\.earliest).min() }

    /// Schedules `id`'s next retry one first delay from now: something new was sent, so the back-off
    /// starts again (as each CoAP confirmable message has its own timer). A retry already due sooner is
    /// kept, so starting never delays a retry, and an id is retried at most once per first delay.
    mutating func start(_ id: UInt64, now: Instant) {
        if let entry = live[id], entry.deadline <= now + delays[0] { return }
        schedule(id, level: 0, now: now)
    }

    /// Stops retrying `id`.
    mutating func stop(_ id: UInt64) {
        live[id] = nil
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
