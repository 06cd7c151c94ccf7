import ChatKitCore
import Synchronization

/// Offline messages kept in memory: for tests, simulations and servers that need no persistence.
///
/// It honours the `OfflineStore` contract except durability across process restarts.
public final class MemoryStore: OfflineStore, Sendable {
    /// One recipient's messages in the order saved, and their keys for constant-time duplicate checks.
    private struct Mailbox {
        var messages: [StoredMessage] = []
        var keys: Set<MessageKey> = []

        mutating func append(_ message: StoredMessage) {
            messages.append(message)
            keys.insert(message.key)
        }
    }

    private let mailboxes = Mutex<[String: Mailbox]>([:])
    private let keys = Mutex<[String: [UInt8]]>([:])

    /// An empty store.
    public init() {}

    public func save(_ messages: [StoredMessage], mailboxLimit: Int) throws(StoreError) -> Set<MessageKey> {
        mailboxes.withLock { mailboxes in
            var refused: Set<MessageKey> = []
            for message in messages {
                if mailboxes[message.recipient]?.keys.contains(message.key) == true { continue }
                if mailboxes[message.recipient]?.messages.count ?? 0 >= mailboxLimit {
                    refused.insert(message.key)
                    continue
                }
                // Appended in place, without copying the mailbox.
                mailboxes[message.recipient, default: Mailbox()].append(message)
            }
            return refused
        }
    }

    public func messages(for recipient: String) throws(StoreError) -> [StoredMessage] {
        mailboxes.withLock { $0[recipient]?.messages ?? [] }
    }

    public func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {
        mailboxes.withLock { mailboxes in
            mailboxes[recipient]?.messages.removeAll { keys.contains($0.key) }
            mailboxes[recipient]?.keys.subtract(keys)
            if mailboxes[recipient]?.messages.isEmpty == true { mailboxes[recipient] = nil }
        }
    }

    public func pinnedKeys() throws(StoreError) -> [String: [UInt8]] {
        keys.withLock { $0 }
    }

    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {
        keys.withLock { $0[nick] = key }
    }

    public func releaseKey(of nick: String) throws(StoreError) {
        _ = keys.withLock { $0.removeValue(forKey: nick) }
    }
}
