/// Deadlines in the order they fall due, for many pending requests at once.
///
/// Requests of one kind get deadlines a fixed time after they are sent, so deadlines mostly arrive in
/// order and adding one is O(1); popping due ones is O(1) each. Entries are not searched for and removed
/// early: the owner checks each popped entry against its live state and ignores the stale ones (a chat
/// ACKed meanwhile, a request retried with a later deadline). It may also drop stale entries from the
/// front (`dropStaleFront`), so that `earliest` does not wake it for nothing.
struct DeadlineQueue {
    private var entries = FIFOQueue<(deadline: Instant, id: UInt64)>()

    /// The earliest deadline still queued, stale or not.
    var earliest: Instant? { entries.first?.deadline }

    mutating func add(_ id: UInt64, at deadline: Instant) {
        if let last = entries.last, last.deadline > deadline {
            entries.insert((deadline, id)) { $0.deadline > deadline }
        } else {
            entries.append((deadline, id))
        }
    }

    /// Removes the entries at the front that `isStale` says no longer stand for anything, up to the first
    /// live one: O(1) each, so an owner can call it whenever it settles what the front entry stood for.
    mutating func dropStaleFront(_ isStale: ((deadline: Instant, id: UInt64)) -> Bool) {
        while let first = entries.first, isStale(first) { _ = entries.popFirst() }
    }

    /// Removes and returns every entry due at `now`, earliest first.
    mutating func popDue(_ now: Instant) -> [(deadline: Instant, id: UInt64)] {
        var due: [(deadline: Instant, id: UInt64)] = []
        while let first = entries.first, first.deadline <= now, let entry = entries.popFirst() {
            due.append(entry)
        }
        return due
    }
}
