/// Deadlines for things named by a key (a nickname, a relay), in the order they fall due: a
/// `DeadlineQueue` with a number per key.
///
/// As with `DeadlineQueue`, entries are not searched for and removed early: the owner checks each popped
/// key against its live state (is this still its deadline?) and skips stale ones, so scheduling is O(1)
/// for deadlines a fixed time ahead and the earliest deadline costs nothing to read, however many keys
/// wait. Forgetting a key drops the forgotten keys' entries from the front, so they wake no one.
struct KeyedDeadlineQueue<Key: Hashable> {
    private var queue = DeadlineQueue()
    private var numbers: [Key: UInt64] = [:]
    private var keys: [UInt64: Key] = [:]
    private var lastNumber: UInt64 = 0

    /// The earliest deadline queued, stale or not.
    var earliest: Instant? { queue.earliest }

    /// Queues `deadline` for `key`.
    mutating func schedule(_ key: Key, at deadline: Instant) {
        let number: UInt64
        if let known = numbers[key] {
            number = known
        } else {
            lastNumber += 1
            number = lastNumber
            numbers[key] = number
            keys[number] = key
        }
        queue.add(number, at: deadline)
    }

    /// Forgets `key`; its queued deadlines are skipped from now on, and dropped if they are next.
    mutating func forget(_ key: Key) {
        if let number = numbers.removeValue(forKey: key) { keys[number] = nil }
        let keys = self.keys
        queue.dropStaleFront { keys[$0.id] == nil }
    }

    /// Removes and returns every deadline due at `now`, earliest first, with its key (stale ones too:
    /// the owner checks them).
    mutating func popDue(_ now: Instant) -> [(deadline: Instant, key: Key)] {
        queue.popDue(now).compactMap { entry in keys[entry.id].map { (entry.deadline, $0) } }
    }
}

extension KeyedDeadlineQueue: Sendable where Key: Sendable {}
