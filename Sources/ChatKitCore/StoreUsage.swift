/// The bytes a store holds, per share (sender nick and sender network) and in all, so byte quotas cost a
/// lookup, not a scan.
///
/// Stores keep one and consult it in `save`; it counts `StoredMessage.quotaBytes`.
public struct StoreUsage: Sendable {
    /// The bytes stored in all.
    public private(set) var totalBytes = 0
    /// The bytes stored under each share (`StoredMessage.shareKeys`), in all mailboxes together.
    public private(set) var bytesByShare: [ShareKey: Int] = [:]

    /// No bytes stored.
    public init() {}

    /// `.overQuota` when storing `message` would pass one of its shares' or the store's byte limit, else nil.
    public func refusal(of message: StoredMessage, limits: MailboxLimits) -> SaveRefusal? {
        let size = message.quotaBytes
        if message.shareKeys.contains(where: { bytesByShare[$0, default: 0] + size > limits.bytesPerSender }) { return .overQuota }
        if totalBytes + size > limits.totalBytes { return .overQuota }
        return nil
    }

    /// Counts a stored message.
    public mutating func add(_ message: StoredMessage) {
        totalBytes += message.quotaBytes
        for key in message.shareKeys { bytesByShare[key, default: 0] += message.quotaBytes }
    }

    /// Stops counting a removed message.
    public mutating func remove(_ message: StoredMessage) {
        totalBytes -= message.quotaBytes
        for key in message.shareKeys {
            let left = bytesByShare[key, default: 0] - message.quotaBytes
            bytesByShare[key] = left > 0 ? left : nil
        }
    }
}
