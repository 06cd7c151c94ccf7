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
    /// What the group's servers read of each other: presence rows and new mail, each numbered in order.
    private let groupLog = Mutex(GroupLog())

    /// Changes in the order they happened; the mail log keeps its last 10,000 entries.
    private struct GroupLog {
        var presence: [String: (row: PresenceRow, sequence: Int64)] = [:]
        var mail: [(recipient: String, sequence: Int64)] = []
        var forwards: [(forward: ServerForward, sequence: Int64)] = []
        var sequence: Int64 = 0
    }

    /// Who watches the group's changes, and the clock their calls are scheduled on (never made within the
    /// writer's own call, as PostgreSQL's notifications arrive after the commit).
    private let watchers = Mutex<[@Sendable () -> Void]>([])
    private let changesClock: (any DriverClock)?

    /// An empty store. Given a clock, it tells watchers of the group's changes a millisecond after each
    /// (`watchChanges`), as PostgreSQL's notifications do; without one, watchers are never called.
    public init(changesOn clock: (any DriverClock)? = nil) {
        changesClock = clock
    }

    /// Tells every watcher, a millisecond from now, that the group changed.
    private func tellWatchers() {
        guard let clock = changesClock else { return }
        for watcher in watchers.withLock({ $0 }) { _ = clock.schedule(at: clock.now + .milliseconds(1), watcher) }
    }

    public func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal] {
        defer { tellWatchers() }
        return contents.withLock { contents in
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
                groupLog.withLock { log in
                    log.sequence += 1
                    log.mail.append((message.recipient, log.sequence))
                    if log.mail.count > 10_000 { log.mail.removeFirst(log.mail.count - 10_000) }
                }
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

    public func publish(_ row: PresenceRow) throws(StoreError) {
        defer { tellWatchers() }
        groupLog.withLock { log in
            // A server's "offline" does not undo another server's "online" (the client moved there).
            if !row.online, let held = log.presence[row.nick]?.row, held.serverKey != row.serverKey { return }
            log.sequence += 1
            log.presence[row.nick] = (row, log.sequence)
        }
    }

    public func forward(_ forward: ServerForward) throws(StoreError) {
        defer { tellWatchers() }
        groupLog.withLock { log in
            log.sequence += 1
            log.forwards.append((forward, log.sequence))
            if log.forwards.count > 10_000 { log.forwards.removeFirst(log.forwards.count - 10_000) }
        }
    }

    public func news(after cursor: GroupCursor, for serverKey: [UInt8]) throws(StoreError) -> (news: GroupNews, cursor: GroupCursor) {
        groupLog.withLock { log in
            let presence = log.presence.values.filter { $0.sequence > cursor.presence }.sorted { $0.sequence < $1.sequence }
            let mail = log.mail.filter { $0.sequence > cursor.mail }
            let forwards = log.forwards.filter { $0.sequence > cursor.forwards && $0.forward.serverKey == serverKey }
            var next = cursor
            next.presence = presence.last?.sequence ?? cursor.presence
            next.mail = mail.last?.sequence ?? cursor.mail
            next.forwards = log.forwards.last?.sequence ?? cursor.forwards
            var recipients: [String] = []
            for entry in mail where !recipients.contains(entry.recipient) { recipients.append(entry.recipient) }
            return (GroupNews(presence: presence.map(\.row), mailFor: recipients, forwards: forwards.map(\.forward)), next)
        }
    }

    public func watchChanges(_ onChange: @escaping @Sendable () -> Void) throws(StoreError) {
        watchers.withLock { $0.append(onChange) }
    }
}
