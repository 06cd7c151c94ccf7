/// What happens to a server: datagrams, clock ticks and the results of the storage work it asked for.
public enum ServerEvent: Equatable, Sendable {
    /// A datagram arrived.
    case datagram(Datagram)
    /// The machine's `nextDeadline` has passed.
    case tick
    /// A `save` effect finished.
    case saved(StoredMessage, StoreOutcome)
    /// A `load` effect finished.
    case loaded(recipient: String, Result<[StoredMessage], StoreError>)
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
