/// What happens to a server: datagrams, clock ticks and the results of the storage work it asked for.
public indirect enum ServerEvent: Equatable, Sendable {
    /// A datagram arrived.
    case datagram(Datagram)
    /// The machine's `nextDeadline` has passed.
    case tick
    /// A `save` effect finished.
    case saved(StoredMessage, StoreOutcome)
    /// A `claimNick` effect finished: the key now pinned to the nick (or the store's failure), and the
    /// registration to handle again.
    case claimed(nick: String, Result<NickClaim, StoreError>, registration: Datagram)
    /// A `fetchPins` effect finished: the keys pinned to the nicks asked about (those pinned), and the
    /// event to handle again.
    case pinsFetched(nicks: [String], Result<[String: PinnedKey], StoreError>, then: ServerEvent)
    /// An `announceServer` effect finished: the servers heard from lately (this one among them).
    case serversListed([ServerListing])
    /// What changed in the group since the last read: other servers' clients, new mail, forwards.
    case groupNews(GroupNews)
    /// The shared store says the group has news (a notification): read it soon.
    case groupChanged
    /// A `load` effect finished.
    case loaded(recipient: String, Result<[StoredMessage], StoreError>)

    /// Whether this is `.tick`: matched by case, so a batch of datagrams is not compared byte by byte.
    public var isTick: Bool {
        if case .tick = self { true } else { false }
    }
}

/// What became of one message the server asked to store.
public enum StoreOutcome: Equatable, Sendable {
    /// Durably stored (or it already was).
    case stored
    /// Not stored: the recipient's mailbox is at its limit.
    case mailboxFull
    /// Not stored: the sender's byte quota, or the store's, is used up.
    case overQuota
    /// Not stored: the store failed.
    case failed(StoreError)
}
