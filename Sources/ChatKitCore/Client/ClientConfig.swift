import ChatKitCrypto

/// How a client behaves: who it is, where its server is, and its timing rules.
public struct ClientConfig: Sendable {
    /// The client's nickname, already valid and normalized (see `Nickname.normalized`).
    public var nick: String
    /// The rendezvous server.
    public var server: Address
    /// How long a peer has to acknowledge a chat before it goes to the server (the original program's 500 ms).
    public var ackTimeout: Duration = .milliseconds(500)
    /// When a chat with no ACK yet is sent once more, so one lost datagram does not push it to the server.
    public var chatRetransmitAfter: Duration = .milliseconds(250)
    /// How often an online client tells the server it is alive; the server rebuilds its table from these
    /// after a restart and marks clients that fall silent as offline.
    public var keepaliveInterval: Duration = .seconds(10)
    /// The client's own addresses (host candidates), told to the server so peers behind the same router
    /// can reach it there; the driver fills them from the machine's interfaces.
    public var hostCandidates: [Address] = []
    /// How often a path to a peer in an active conversation is punched again, to keep NAT bindings open
    /// (below common NAT UDP timeouts).
    public var pathRefreshInterval: Duration = .seconds(15)
    /// How long after its last chat a conversation's path is kept open.
    public var pathActiveFor: Duration = .seconds(120)
    /// Every chat goes through the server's relay, never directly: for networks that block UDP between
    /// peers (no 500 ms wait for a direct ACK first), and for measuring the relay.
    public var relayOnly = false
    /// How often a peer reached only through the relay is offered a direct path again (in the background:
    /// its chats keep going through the relay until a punch proves a path).
    public var relayPathLifetime: Duration = .seconds(60)
    /// How many chats may await their ACK at once; further commands wait for room. Sends are pipelined
    /// up to this many, which keeps a burst within what socket buffers hold.
    public var maxChatsInFlight = 256
    /// The longest pause between tries of a request to the server (the original program's 500 ms).
    public var serverRetryInterval: Duration = .milliseconds(500)
    /// The shortest pause between tries: once round trips to the server are measured, a request is tried
    /// again after their retransmission timeout (RFC 6298), at least this, doubling up to the longest.
    public var serverRetryFloor: Duration = .milliseconds(100)
    /// The pause between tries while no round trip to the server is measured yet (no doubling: the
    /// server may be far, or its answers lost).
    public var serverFirstRetry: Duration = .milliseconds(250)
    /// How long the server may stay silent, to every try of a request, before the client gives up on it
    /// with `[Server not responding]`. Requests are retried until then, so loss alone does not end a
    /// session: at 30% loss each way, 16 tries all fail about once in 10⁵.
    public var serverSilenceLimit: Duration = .seconds(8)
    /// Whether an online client stays after `[Server not responding]`, its unanswered messages kept in the
    /// outbox, and keeps trying (`udpchat` at a terminal); otherwise it exits, as the original program's
    /// piped sessions show.
    public var staysWhenServerIsSilent = false
    /// How long a request waits on a silent server before a terminal user is told, naming the address
    /// tried (so a newcomer knows to check that the server runs there).
    public var serverSilenceNotice: Duration = .seconds(2)
    /// The most rows `who` lists from a large directory before it asks for a narrower prefix.
    public var whoListingLimit = 200
    /// The user's time zone, for showing when stored messages were saved.
    public var utcOffsetSeconds = 0
    /// Where message ids come from; seeded in simulations.
    public var random: RandomSource = .system
    /// Whether the next handshake's ephemeral key is made ahead, between chats, so a first chat waits for
    /// one scalar multiplication less on each side. A simulation of thousands of clients that never chat
    /// turns it off: about 32 µs and 0.7 KiB a client.
    public var makesEphemeralKeysAhead = true
    /// How many received message keys are remembered to hide duplicates.
    public var rememberedMessages = 100_000
    /// The client's Ed25519 identity for this server and nick; nil draws one from `random` (for
    /// simulations: `udpchat` keeps a key per server and nick in the user's data folder).
    public var identity: IdentityKey?
    /// Whether no other process of this user, for this server and nick, runs on this host (`udpchat`
    /// holds a lock to know): a session of the nick held from this host is then a dead one, and the
    /// server hands it over at once instead of probing it for 4 s.
    public var restarted = false
    /// The address-validation token the server gave this client's last run (kept by the driver): the
    /// first registration presents it, and skips the cookie round trip if the address is the same.
    public var addressToken: [UInt8] = []
    /// Messages kept from the last run (the outbox), sent again once registered.
    public var keptMessages: [PendingMessage] = []
    /// The server's key pinned at the first welcome from this server address (kept by the driver): a
    /// welcome from another key, or not signed by this one, is not taken. Nil: the next welcome pins one.
    public var pinnedServerKey: [UInt8]?
    /// The other servers of the server's group, as its signed list said in an earlier run (kept by the
    /// driver): the client can move to them even when its server is down from the start.
    public var serverGroup: [ServerListing] = []
    /// The peers' identity keys pinned in earlier runs (kept by the driver): a session proving another
    /// key for one of these nicks is warned about.
    public var pinnedKeys: [PeerKeyPin] = []
    /// The client's signed prekeys, newest first (kept by the driver, which rotates them): the newest is
    /// published, and stored messages sealed to any of them open. Empty draws one from `random`.
    public var prekeys: [Prekey] = []
    /// How long a peer session is used before a new handshake replaces it (WireGuard's 2 minutes).
    public var sessionRekeyAfter: Duration = .seconds(120)
    /// How long a peer session is accepted at all; after this its keys open nothing.
    public var sessionRejectAfter: Duration = .seconds(180)

    /// A client named `nick` using the server at `server`, with the original program's timing.
    public init(nick: String, server: Address) {
        self.nick = nick
        self.server = server
    }
}
