import ChatKitCrypto

/// How a server behaves: its timing rules and where its randomness comes from.
public struct ServerConfig: Sendable {
    /// The longest pause between tries of delivering a batch of stored messages.
    public var deliveryRetryInterval: Duration = .milliseconds(500)
    /// The shortest pause between tries of a batch: once the recipient's round trip is measured, the pause
    /// is its retransmission timeout (RFC 6298), at least this and at most `deliveryRetryInterval`.
    public var deliveryMinInterval: Duration = .milliseconds(100)
    /// How many times a batch is sent before the server stops trying until the next registration.
    public var deliveryAttempts = 10
    /// Where session tokens come from: the system generator in production, seeded in simulations.
    public var random: RandomSource = .system
    /// How many recently saved message keys are remembered so a retried save is answered, not redone.
    public var rememberedSaves = 100_000
    /// The most messages stored for one recipient; saves beyond it are answered "mailbox full".
    public var mailboxLimit = 1_000
    /// How many of those one sender may leave (a quarter by default), so that no sender can fill a
    /// mailbox alone.
    public var senderShareLimit = 250
    /// The most bytes (`StoredMessage.quotaBytes`) one sender may have stored in all mailboxes (4 MiB),
    /// so no sender can fill the disk through mailboxes of its own making.
    public var senderByteQuota = 4 << 20
    /// The most bytes the store holds in all (1 GiB); beyond it, saves are refused "over quota".
    public var storeByteQuota = 1 << 30
    /// How long a nickname may go unused (not online) before it expires with its key and mail (180 days).
    public var nickLifetime: Duration = .seconds(180 * 24 * 3_600)
    /// How long an online client may stay silent (no keepalive, no request) before it is marked offline.
    /// A few keepalive intervals, so one or two lost keepalives do not matter.
    public var clientTimeout: Duration = .seconds(35)
    /// How often the server looks for silent clients.
    public var sweepInterval: Duration = .seconds(5)
    /// How long table changes are gathered before they go out as deltas. Zero still gathers everything
    /// handled at the same instant (a burst of datagrams read together), and keeps a newcomer's table
    /// entry ahead of its first chat.
    public var tableFlushDelay: Duration = .zero
    /// How many probes a holder that seems online gets before it is taken for dead (its nickname goes
    /// to a newcomer, or a peer's "no ACK" marks it offline). At 30% loss each way a probe round trip
    /// fails 51% of the time, so a live holder loses its nickname once in 0.51⁻²⁰ ≈ 700,000 attempts.
    public var probeAttempts = HolderProbes.defaultAttempts
    /// The pause between probes; a probed holder is taken for dead after `probeAttempts` of these.
    public var probeInterval: Duration = .milliseconds(200)
    /// The shortest pause between probes: once the holder's round trip is measured, probes follow its
    /// retransmission timeout, at least this and at most `probeInterval`.
    public var probeMinInterval: Duration = .milliseconds(100)
    /// The shortest first resend of a table change a client has not acknowledged: it follows the client's
    /// retransmission timeout, down to this (the 500 ms back-off's first step, halved three times).
    public var tableResendFloor: Duration = .microseconds(62_500)
    /// How long a stored message waits for its recipient; older ones are removed unread (30 days).
    public var messageLifetime: Duration = .seconds(30 * 24 * 3_600)
    /// How many new nicknames one source network (an IPv4 address, an IPv6 /64) may register per minute
    /// (0: no limit).
    public var newNicksPerAddressPerMinute = 30
    /// Whether loopback sources are held to the new-nick limit too. Off by default, so that a crowd
    /// trying the chat on the server's own machine is not refused.
    public var limitNewNicksFromLoopback = false
    /// The most host candidates kept from one registration, after duplicates and unusable ones are
    /// dropped: each candidate costs a punch whenever a peer reaches for the client.
    public var maxCandidates = 4
    /// How many changes of one nick's row go out at once before they are held to `rowPushInterval`
    /// apart (coalesced), so re-registration churn cannot make the server push without bound.
    public var rowPushBurst = 3
    /// The pause between pushes of one nick's row once its burst is spent.
    public var rowPushInterval: Duration = .seconds(1)
    /// The pause between punch orders for one pair (asker, peer): a peer is never made to punch faster.
    public var punchOrderInterval: Duration = .seconds(1)
    /// The server's long-term identity key (`udpchat` keeps it in the data folder): welcomes carry it,
    /// signed, so clients recognise this server by key at any address. Nil draws one from `random`.
    public var identity: IdentityKey?
    /// The secret behind registration cookies (HMAC-SHA-256 of the address, nick, key and time). Empty:
    /// 32 bytes drawn from `random` when the server starts.
    public var cookieSecret: [UInt8] = []
    /// How long a cookie is good for: it is accepted in its window and the next.
    public var cookieWindow: Duration = .seconds(30)
    /// How long an address-validation token (given with each welcome) lets the next registration from
    /// the same address and key skip the cookie round trip.
    public var addressTokenLifetime: Duration = .seconds(24 * 3_600)
    /// How many times a relayed chat goes to its recipient, `relayInterval` apart, before the server
    /// stores it instead (the recipient seems gone; it is then probed).
    public var relayAttempts = 5
    /// The longest pause between sends of a relayed chat, and the pause before the recipient's round
    /// trip is known. Once it is, the pause is its retransmission timeout (RFC 6298), at least
    /// `relayMinInterval`.
    public var relayInterval: Duration = .milliseconds(200)
    /// The shortest pause between sends of a relayed chat, however fast the recipient's path.
    public var relayMinInterval: Duration = .milliseconds(50)
    /// How many relayed chats and punch orders one client may ask for per second, on average.
    public var peerServicesPerSecond = 50
    /// How many of them one client may ask for at once, before the per-second rate applies.
    public var peerServicesBurst = 100
    /// Up to this many rows every client holds the whole table, as the original program does; above it, clients hold
    /// only their own row and the rows they look up, and `who` asks the server.
    public var wholeTableLimit = 256
    /// Whether other servers share the store (one database): a nickname this server has not pinned is
    /// claimed in the store before it is granted, so the store decides which key holds it.
    public var sharesStore = false
    /// How this server is listed to the clients of the others sharing its store (nil: not listed), and
    /// how often it announces itself and reads who else is alive; a server unheard for three announces
    /// is left out.
    public var listing: ServerListing?
    public var rosterInterval: Duration = .seconds(2)

    /// The limits every save is made under.
    public var mailboxLimits: MailboxLimits {
        MailboxLimits(
            perRecipient: mailboxLimit, perSender: senderShareLimit, bytesPerSender: senderByteQuota, totalBytes: storeByteQuota)
    }

    /// The original program's timing with system randomness.
    public init() {}
}
