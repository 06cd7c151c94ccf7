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
        var shares = MailboxShares()

        mutating func append(_ message: StoredMessage) {
            messages.append(message)
            keys.insert(message.key)
            shares.add(message)
        }
    }

    private struct Contents {
        var mailboxes: [String: Mailbox] = [:]
        var usage = StoreUsage()
    }

    private let contents = Mutex(Contents())
    private let keys = Mutex<[String: PinnedKey]>([:])
    /// The servers sharing this store (in a simulation of several), by key: each one's listing and when heard.
    private let roster = Mutex<[[UInt8]: (listing: ServerListing, heard: Int64)]>([:])

    /// An empty store.
    public init() {}

    public func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal] {
        contents.withLock { contents in
            var refused: [MessageKey: SaveRefusal] = [:]
            for message in messages {
                if contents.mailboxes[message.recipient]?.keys.contains(message.key) == true { continue }
                let mailbox = contents.mailboxes[message.recipient]
                if mailbox?.messages.count ?? 0 >= limits.perRecipient
                    || mailbox?.shares.isFull(for: message, perShare: limits.perSender) == true
                {
                    refused[message.key] = .mailboxFull
                    continue
                }
                if let refusal = contents.usage.refusal(of: message, limits: limits) {
                    refused[message.key] = refusal
                    continue
                }
                // Appended in place, without copying the mailbox.
                contents.mailboxes[message.recipient, default: Mailbox()].append(message)
                contents.usage.add(message)
            }
            return refused
        }
    }

    public func messages(for recipient: String) throws(StoreError) -> [StoredMessage] {
        contents.withLock { $0.mailboxes[recipient]?.messages ?? [] }
    }

    public func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError) {
        contents.withLock { contents in
            guard var mailbox = contents.mailboxes.removeValue(forKey: recipient) else { return }
            for message in mailbox.messages where keys.contains(message.key) {
                mailbox.shares.remove(message)
                contents.usage.remove(message)
            }
            mailbox.messages.removeAll { keys.contains($0.key) }
            mailbox.keys.subtract(keys)
            if !mailbox.messages.isEmpty { contents.mailboxes[recipient] = mailbox }
        }
    }

    public func pinnedKeys() throws(StoreError) -> [String: PinnedKey] {
        keys.withLock { $0 }
    }

    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {
        keys.withLock { $0[nick] = PinnedKey(key: key, lastUsedMicroseconds: $0[nick]?.lastUsedMicroseconds ?? 0) }
    }

    public func touch(_ nick: String, atMicroseconds microseconds: Int64) throws(StoreError) {
        keys.withLock { $0[nick]?.lastUsedMicroseconds = microseconds }
    }

    public func keepPrekey(_ prekey: [UInt8], for nick: String) throws(StoreError) {
        keys.withLock { $0[nick]?.prekey = prekey }
    }

    public func releaseKey(of nick: String) throws(StoreError) {
        _ = keys.withLock { $0.removeValue(forKey: nick) }
    }
}

/// Simulated servers sharing one store find each other here, as real ones do in PostgreSQL.
extension MemoryStore: ServerRoster {
    public func announce(_ listing: ServerListing, atMicroseconds microseconds: Int64) throws(StoreError) {
        roster.withLock { $0[listing.key] = (listing, microseconds) }
    }

    public func servers(heardSinceMicroseconds microseconds: Int64) throws(StoreError) -> [ServerListing] {
        roster.withLock { roster in
            roster.values.filter { $0.heard >= microseconds }.map(\.listing)
                .sorted { a, b in
                    (a.port, a.host) == (b.port, b.host) ? a.key.lexicographicallyPrecedes(b.key) : (a.port, a.host) < (b.port, b.host)
                }
        }
    }
}
