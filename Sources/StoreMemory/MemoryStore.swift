import ChatKitCore
import Synchronization

/// Offline messages kept in memory: for tests, simulations and servers that need no persistence.
///
/// It honours the `OfflineStore` contract except durability across process restarts.
public final class MemoryStore: OfflineStore, Sendable {
    private let mailboxes = Mutex<[String: [StoredMessage]]>([:])

    /// An empty store.
    public init() {}

    public func save(_ messages: [StoredMessage], mailboxLimit: Int) throws(StoreError) -> Set<MessageKey> {
        mailboxes.withLock { mailboxes in
            var refused: Set<MessageKey> = []
            for message in messages {
                let mailbox = mailboxes[message.recipient, default: []]
                if mailbox.contains(where: { $0.key == message.key }) { continue }
                if mailbox.count >= mailboxLimit {
                    refused.insert(message.key)
                } else {
                    mailboxes[message.recipient, default: []].append(message)
                }
            }
            return refused
        }
    }

    public func messages(for recipient: String) throws(StoreError) -> [StoredMessage] {
        mailboxes.withLock { $0[recipient] ?? [] }
    }

    public func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {
        mailboxes.withLock { mailboxes in
            mailboxes[recipient]?.removeAll { keys.contains($0.key) }
            if mailboxes[recipient]?.isEmpty == true { mailboxes[recipient] = nil }
        }
    }
}
