/// Deadlines in the order they fall due, for many pending requests at once.
///
/// Requests of one kind get deadlines a fixed time after they are sent, so deadlines mostly arrive in
/// order and adding one is O(1); popping due ones is O(1) each. Entries are never removed early: the
/// owner checks each popped entry against its live state and ignores the stale ones (a chat ACKed
/// meanwhile, a request retried with a later deadline).
struct DeadlineQueue {
    private var entries: [(deadline: Instant, id: UInt64)] = []
    private var head = 0

    /// The earliest deadline still queued, stale or not.
    var earliest: Instant? { head < entries.count ? entries[head].deadline : nil }

    mutating func add(_ id: UInt64, at deadline: Instant) {
        if let last = entries.last, head < entries.count, last.deadline > deadline {
            let index = entries[head...].firstIndex { $0.deadline > deadline } ?? entries.endIndex
            entries.insert((deadline, id), at: index)
        } else {
            entries.append((deadline, id))
        }
    }

    /// Removes and returns every entry due at `now`, earliest first.
    mutating func popDue(_ now: Instant) -> [(deadline: Instant, id: UInt64)] {
        var due: [(deadline: Instant, id: UInt64)] = []
        while head < entries.count, entries[head].deadline <= now {
            due.append(entries[head])
            head += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1_024, head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return due
    }
}
