/// Identifies one chat message everywhere: the sender's nickname and the sender's message id.
///
/// The same key is used for a message sent directly and for its copy stored by the server, so a
/// recipient can show each message at most once.
public struct MessageKey: Hashable, Sendable {
    /// The sender's nickname.
    public var sender: String
    /// The id the sender gave the message.
    public var id: UInt64

    /// Makes a key.
    public init(sender: String, id: UInt64) {
        self.sender = sender
        self.id = id
    }
}

/// A message the server keeps for a recipient who is offline.
public struct StoredMessage: Hashable, Sendable {
    /// Who the message is for.
    public var recipient: String
    /// Who sent it and under which id.
    public var key: MessageKey
    /// When the server saved it, in microseconds since 1970 (UTC).
    public var savedAtMicroseconds: Int64
    /// The message text.
    public var text: String
    /// The source network the sender wrote from (`Address.sourceNetwork`), whose share of mailboxes and
    /// bytes the message counts against as well as the sender's own; nil when it counts against none
    /// (the recipient wrote to the sender first, or the message was stored before networks were kept).
    public var senderNetwork: String?

    /// What the message counts against byte quotas: its text and sender in UTF-8, plus 24 bytes for its
    /// id, time and framing (the recipient is not counted: it names the mailbox).
    public var quotaBytes: Int { text.utf8.count + key.sender.utf8.count + 24 }

    /// The shares the message counts against: its sender nick's, and its sender network's if it has one.
    public var shareKeys: [ShareKey] {
        guard let senderNetwork else { return [.nick(key.sender)] }
        return [.nick(key.sender), .network(senderNetwork)]
    }

    /// Makes a stored message.
    public init(recipient: String, key: MessageKey, savedAtMicroseconds: Int64, text: String, senderNetwork: String? = nil) {
        self.recipient = recipient
        self.key = key
        self.savedAtMicroseconds = savedAtMicroseconds
        self.text = text
        self.senderNetwork = senderNetwork
    }
}

/// One share of what a store holds, counted against its own limits: a sender nick's, or a sender
/// source network's.
public enum ShareKey: Hashable, Sendable {
    /// Everything one sender nick left.
    case nick(String)
    /// Everything left from one source network (`Address.sourceNetwork`).
    case network(String)
}

/// Why an offline store could not do what was asked.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The recipient's name cannot be stored (too long for the medium, say).
    case unstorableRecipient(String)
    /// The medium failed; the text says how (an errno description, say).
    case ioFailure(String)

    public var description: String {
        switch self {
        case .unstorableRecipient(let name): "cannot store messages for \(name)"
        case .ioFailure(let reason): "storage failed: \(reason)"
        }
    }
}

/// Keeps messages for offline recipients until they have been delivered, and the public key each
/// nickname was first registered with (trust on first use, as SSH does).
///
/// Implementations must make `save` durable before returning: the server answers "saved" only after it
/// returns. Messages come back from `messages(for:)` in the order they were saved. Recipients are
/// compared as Swift compares strings, so canonically equivalent spellings name one mailbox.
public protocol OfflineStore: AnyObject, Sendable {
    /// Durably adds messages, each to its recipient's mailbox, and returns the keys it refused, and why:
    /// the mailbox already held `limits.perRecipient` messages or `limits.perSender` from one of the
    /// message's shares, its sender or its sender's network (`.mailboxFull`), or the bytes of one of its
    /// shares or the store's would pass their limit (`.overQuota`). A
    /// message whose key is already stored for its recipient is not added again (and not refused), so a
    /// retried save is harmless. Each message is stored whole or not at all.
    func save(_ messages: [StoredMessage], limits: MailboxLimits) throws(StoreError) -> [MessageKey: SaveRefusal]
    /// Everything stored for `recipient`, oldest first.
    func messages(for recipient: String) throws(StoreError) -> [StoredMessage]
    /// Removes the given messages of `recipient`, once the recipient has acknowledged them.
    func remove(_ keys: Set<MessageKey>, for recipient: String) throws(StoreError)
    /// The public keys pinned so far, by nickname, with when each nickname was last used.
    func pinnedKeys() throws(StoreError) -> [String: PinnedKey]
    /// Durably pins `key` to `nick`: from now on only that key registers it.
    func pin(_ key: [UInt8], for nick: String) throws(StoreError)
    /// Records that `nick` was used (registered, or went offline) at `microseconds` since 1970. Best
    /// effort: a lost touch only makes the nickname look older.
    func touch(_ nick: String, atMicroseconds microseconds: Int64) throws(StoreError)
    /// Keeps `nick`'s signed prekey (100 bytes) beside its pinned key, returned with it by `pinnedKeys()`.
    func keepPrekey(_ prekey: [UInt8], for nick: String) throws(StoreError)
    /// Forgets `nick`'s key, so the next registration pins a new one (the operator's release).
    func releaseKey(of nick: String) throws(StoreError)
    /// Forgets `nick` whole: its key and every message stored for it (the nickname expired).
    func forget(_ nick: String) throws(StoreError)
    /// Pins `key` to `nick` unless a key is pinned already, and says which key is pinned now: a store
    /// shared by several servers decides here, at once, so no two of them give one nick to two keys.
    func claim(_ key: [UInt8], for nick: String, atMicroseconds microseconds: Int64) throws(StoreError) -> NickClaim
    /// Claims several nicks as `claim` does, each answer in the order asked: a shared store makes them one
    /// durable write, so a burst of new nicks costs one flush, not one each.
    func claim(_ claims: [(nick: String, key: [UInt8])], atMicroseconds microseconds: Int64) throws(StoreError) -> [NickClaim]
    /// The key pinned to `nick`, if any: a server sharing the store asks about a nick pinned elsewhere.
    func pinnedKey(of nick: String) throws(StoreError) -> PinnedKey?
    /// The keys pinned to those of `nicks` that have one, by nick: a shared store answers in one query
    /// (a server learning a group's rows asks about many at once).
    func pinnedKeys(of nicks: [String]) throws(StoreError) -> [String: PinnedKey]
}

/// What a claim on a nickname found: the key pinned to it now, and whether this claim pinned it.
public struct NickClaim: Equatable, Sendable {
    /// The nickname's pinned key (the claimant's own when `isNew`).
    public var pinned: PinnedKey
    /// Whether the claim pinned the key (the nickname was free).
    public var isNew: Bool

    /// Makes a claim's answer.
    public init(pinned: PinnedKey, isNew: Bool) {
        self.pinned = pinned
        self.isNew = isNew
    }
}

/// A nickname's pinned public key, and when the nickname was last used (for nick expiry).
public struct PinnedKey: Equatable, Sendable {
    /// The 32-byte Ed25519 public key.
    public var key: [UInt8]
    /// When the nickname last registered or went offline, in microseconds since 1970 (UTC).
    public var lastUsedMicroseconds: Int64
    /// The nick's latest signed prekey (`PublishedPrekey.bytes`), if one was kept.
    public var prekey: [UInt8]?

    /// Makes a pinned key.
    public init(key: [UInt8], lastUsedMicroseconds: Int64, prekey: [UInt8]? = nil) {
        self.key = key
        self.lastUsedMicroseconds = lastUsedMicroseconds
        self.prekey = prekey
    }
}

/// Why a store refused one message.
public enum SaveRefusal: Equatable, Sendable {
    /// The recipient's mailbox is full, or holds the sender's whole share of it.
    case mailboxFull
    /// The sender's stored bytes, or the store's, would pass their quota.
    case overQuota
}

/// How much the store keeps: per mailbox in all and from any one sender (so that no sender can fill a
/// mailbox alone), and in bytes per sender across all mailboxes and in total (so no sender fills the disk).
public struct MailboxLimits: Equatable, Sendable {
    /// The most messages one recipient's mailbox holds.
    public var perRecipient: Int
    /// The most messages one sender, or one sender network, may leave in one recipient's mailbox.
    public var perSender: Int
    /// The most bytes (`StoredMessage.quotaBytes`) one sender, or one sender network, may have stored, in
    /// all mailboxes together.
    public var bytesPerSender: Int
    /// The most bytes the whole store holds.
    public var totalBytes: Int

    /// Limits of `perRecipient` in all and `perSender` from one sender, and byte quotas (none by default).
    public init(perRecipient: Int, perSender: Int = .max, bytesPerSender: Int = .max, totalBytes: Int = .max) {
        self.perRecipient = perRecipient
        self.perSender = perSender
        self.bytesPerSender = bytesPerSender
        self.totalBytes = totalBytes
    }

    /// The tighter of two limits, for saves committed together.
    public func tightened(by other: MailboxLimits) -> MailboxLimits {
        MailboxLimits(
            perRecipient: min(perRecipient, other.perRecipient), perSender: min(perSender, other.perSender),
            bytesPerSender: min(bytesPerSender, other.bytesPerSender), totalBytes: min(totalBytes, other.totalBytes))
    }

    /// No limit at all.
    public static let none = MailboxLimits(perRecipient: .max)
}

extension OfflineStore {
    /// Saves with a mailbox limit and no share limit.
    public func save(_ messages: [StoredMessage], mailboxLimit: Int) throws(StoreError) -> [MessageKey: SaveRefusal] {
        try save(messages, limits: MailboxLimits(perRecipient: mailboxLimit))
    }

    /// The keys pinned so far, by nickname. By default none: a store that keeps no keys lets every nick
    /// be claimed afresh after a server restart.
    public func pinnedKeys() throws(StoreError) -> [String: PinnedKey] { [:] }

    /// Durably pins `key` to `nick`. By default nothing is kept.
    public func pin(_ key: [UInt8], for nick: String) throws(StoreError) {}

    /// Forgets `nick`'s key (the operator's release of a nick whose key is lost). By default nothing.
    public func releaseKey(of nick: String) throws(StoreError) {}

    /// Keeps `nick`'s signed prekey (100 bytes), returned with its pinned key. By default nothing is kept.
    public func keepPrekey(_ prekey: [UInt8], for nick: String) throws(StoreError) {}

    /// Records when `nick` was last used. By default nothing is kept.
    public func touch(_ nick: String, atMicroseconds microseconds: Int64) throws(StoreError) {}

    /// Pins `key` to `nick` if nothing is pinned to it. By default through `pinnedKeys` and `pin`, which
    /// is right for a store that one server alone uses.
    public func claim(_ key: [UInt8], for nick: String, atMicroseconds microseconds: Int64) throws(StoreError) -> NickClaim {
        if let pinned = try pinnedKeys()[nick] { return NickClaim(pinned: pinned, isNew: false) }
        try pin(key, for: nick)
        try touch(nick, atMicroseconds: microseconds)
        return NickClaim(pinned: PinnedKey(key: key, lastUsedMicroseconds: microseconds), isNew: true)
    }

    /// Claims each nick in turn. By default one `claim` each.
    public func claim(_ claims: [(nick: String, key: [UInt8])], atMicroseconds microseconds: Int64) throws(StoreError) -> [NickClaim] {
        var answers: [NickClaim] = []
        for claim in claims { answers.append(try self.claim(claim.key, for: claim.nick, atMicroseconds: microseconds)) }
        return answers
    }

    /// The key pinned to `nick`. By default through `pinnedKeys`.
    public func pinnedKey(of nick: String) throws(StoreError) -> PinnedKey? {
        try pinnedKeys()[nick]
    }

    /// The keys pinned to `nicks`. By default one `pinnedKey(of:)` each.
    public func pinnedKeys(of nicks: [String]) throws(StoreError) -> [String: PinnedKey] {
        var pinned: [String: PinnedKey] = [:]
        for nick in nicks { pinned[nick] = try pinnedKey(of: nick) }
        return pinned
    }

    /// Forgets `nick`'s key and its stored messages. By default through `releaseKey` and `remove`.
    public func forget(_ nick: String) throws(StoreError) {
        try releaseKey(of: nick)
        try remove(Set(try messages(for: nick).map(\.key)), for: nick)
    }
}
