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
        var bySender: [String: Int] = [:]

        mutating func append(_ message: StoredMessage) {
            messages.append(message)
            keys.insert(message.key)
            bySender[message.key.sender, default: 0] += 1
        }
    }

    private let mailboxes = Mutex<[String: Mailbox]>([:])
    private let keys = Mutex<[String: [UInt8]]>([:])

    /// An empty store.
    public init() {}

    public func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> Set<MessageKey> {
        mailboxes.withLock { mailboxes in
            var refused: Set<MessageKey> = []
            for message in messages {
                if mailboxes[message.recipient]?.keys.contains(message.key) == true { continue }
                let mailbox = mailboxes[message.recipient]
                if mailbox?.messages.count ?? 0 >= limits.perRecipient
                    || mailbox?.bySender[message.key.sender, default: 0] ?? 0 >= limits.perSender
                {
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
            for key in keys where mailboxes[recipient]?.keys.contains(key) == true {
                mailboxes[recipient]?.bySender[key.sender, default: 1] -= 1
            }
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
