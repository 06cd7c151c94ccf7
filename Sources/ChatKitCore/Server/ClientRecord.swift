/// What the server knows of one nickname.
struct ClientRecord {
    var nick: String
    var address: Address
    var online: Bool
    /// The secret that proves a request comes from the current holder of the registration.
    var token: UInt64
    /// The id of the registration that made this session, to answer retries of it identically.
    var registrationID: UInt64
    var registrationOutcome: RegisterOutcome
    /// When the client was last heard from; silent clients are marked offline.
    var lastSeen: Instant
    /// The table version this client has been sent up to (by snapshot or deltas).
    var tableVersionSent: UInt64 = 0
    /// When the client was last sent a whole snapshot; retries within a second get none, so a storm of
    /// retried registrations cannot make the server resend the whole table again and again.
    var lastSnapshotAt: Instant?

    var entry: TableEntry { TableEntry(nick: nick, address: address, online: online) }
}

/// The stored messages being handed to one recipient, one batch in flight at a time so they show in order.
struct Delivery {
    struct Batch {
        var id: UInt64
        var keys: Set<MessageKey>
        var bytes: [UInt8]
        var attemptsMade: Int
        var nextTry: Instant
    }

    /// Messages not yet sent, oldest first; nil while they are being loaded.
    var queue: [StoredMessage]?
    var inFlight: Batch?
}

/// A registration for a nickname whose holder seems online elsewhere: granted only if the holder does
/// not answer a probe in time.
struct Takeover {
    var requestID: UInt64
    var requester: Address
    var probeID: UInt64
    var deadline: Instant
}
