/// How many messages of one mailbox each share holds: each sender nick's, and each sender source
/// network's (`StoredMessage.shareKeys`). Stores keep one per mailbox, so that no sender, and no
/// network with many nicks, can fill a mailbox alone.
public struct MailboxShares: Sendable {
    private var counts: [ShareKey: Int] = [:]

    /// No messages counted.
    public init() {}

    /// Whether `message` would pass one of its shares' limit of `perShare` messages.
    public func isFull(for message: StoredMessage, perShare: Int) -> Bool {
        message.shareKeys.contains { counts[$0, default: 0] >= perShare }
    }

    /// Counts a stored message.
    public mutating func add(_ message: StoredMessage) {
        for key in message.shareKeys { counts[key, default: 0] += 1 }
    }

    /// Stops counting a removed message.
    public mutating func remove(_ message: StoredMessage) {
        for key in message.shareKeys {
            let left = counts[key, default: 0] - 1
            counts[key] = left > 0 ? left : nil
        }
    }
}
