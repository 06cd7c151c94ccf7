/// What a client asks its driver to do.
public enum ClientEffect: Equatable, Sendable {
    /// Send `packet` to `destination`; the runtime encodes it (one encoder, whose failures are counted
    /// and shown).
    case send(Packet, to: Address)
    /// Show a line to the user.
    case show(Notice)
    /// The nicknames the client holds changed (sorted): for completion, so no runtime reads machine state.
    case nicknamesChanged([String])
    /// Stop the process with this status.
    case exit(code: Int32)
    /// Keep exactly these messages in the outbox for the next start (empty: clear it).
    case keepInOutbox([PendingMessage])
    /// Keep this pin of a peer's identity key for the next start (`ClientConfig.pinnedKeys`): a first
    /// key, a changed one, or one the user marked verified.
    case keepPinnedKey(PeerKeyPin)
    /// Keep this server key, pinned at the first welcome from the server's address, for the next start
    /// (`ClientConfig.pinnedServerKey`).
    case keepServerKey([UInt8])
    /// Keep the server's group, as its signed list gave it, for the next start (`ClientConfig.serverGroup`).
    case keepServerGroup([ServerListing])
    /// Keep this address-validation token for the next start (`ClientConfig.addressToken`), so that
    /// start skips the cookie round trip.
    case keepAddressToken([UInt8])
}
