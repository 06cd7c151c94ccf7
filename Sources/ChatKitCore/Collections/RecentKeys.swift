/// Remembers the most recent message keys seen, up to a capacity, forgetting the oldest first.
///
/// A client uses it to show each message at most once, whether it came directly or from the server.
struct RecentKeys {
    private var members: Set<MessageKey> = []
    private var order: [MessageKey] = []
    private var oldest = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func contains(_ key: MessageKey) -> Bool { members.contains(key) }

    /// Records `key`; returns false when it was already known.
    @discardableResult
    mutating func insert(_ key: MessageKey) -> Bool {
        guard members.insert(key).inserted else { return false }
        if order.count < capacity {
            order.append(key)
        } else {
            members.remove(order[oldest])
            order[oldest] = key
            oldest = (oldest + 1) % capacity
        }
        return true
    }
}
