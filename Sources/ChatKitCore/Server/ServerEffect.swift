/// What a server asks its driver to do.
public enum ServerEffect: Equatable, Sendable {
    /// Send `packet` to `destination`; the runtime encodes it (one encoder, whose failures are counted
    /// and logged).
    case send(Packet, to: Address)
    /// Store a message durably, within the mailbox limit, then report `.saved`. Saves emitted together
    /// may share one flush.
    case save(StoredMessage, limits: MailboxLimits)
    /// Read a recipient's stored messages, then report `.loaded`.
    case load(recipient: String)
    /// Delete acknowledged messages; failures only mean they may be delivered again.
    case remove(Set<MessageKey>, recipient: String)
    /// Pin `key` to `nick` durably (its first registration), before the reply goes out.
    case pinKey(nick: String, key: [UInt8])
    /// Claim `nick` for `key` in a store other servers share, then report `.claimed` with the
    /// registration that asked, to be handled again once the pinned key is known.
    case claimNick(nick: String, key: [UInt8], registration: Datagram)
    /// Read the keys a store shared with other servers pins to `nicks` (ones this server never saw), then
    /// report `.pinsFetched` with the event that named them, to be handled again.
    case fetchPins(nicks: [String], then: ServerEvent)
    /// Leave a packet for a client of another server of the group, which sends it on.
    case forwardToServer(ServerForward)
    /// Publish where one of this server's clients is, for the other servers of the group.
    case publishPresence(PresenceRow)
    /// Read what changed in the group (this server's key names its forwards), then report `.groupNews`.
    case readGroupNews(serverKey: [UInt8])
    /// Announce this server as alive in the shared store's roster, then report `.serversListed` with
    /// every server heard from lately, and `.groupNews` with what changed in the group.
    case announceServer(ServerListing)
    /// Keep `nick`'s newly published signed prekey durably (best effort: lost, the nick's next
    /// registration publishes it again).
    case keepPrekey(nick: String, prekey: PublishedPrekey)
    /// Record (best effort) that `nick` was used at `microseconds` since 1970, for nick expiry.
    case touchNick(nick: String, atMicroseconds: Int64)
    /// Forget `nick` whole, its key and its stored messages: it expired unused.
    case forgetNick(nick: String)
    /// Record an event in the server log, if the log shows events of its level.
    case log(ServerLogEvent)
}
