import ChatKitCrypto

/// The rendezvous server as a pure state machine: it dispatches each event to the type that owns its
/// rule: `SessionTable` (who holds which nickname), `Directory` (the rows), `TablePublisher` (confirmed
/// table pushes), `HolderProbes` (is a holder alive?), `SaveIntake` (saves in) and
/// `StoredMessageCourier` (stored messages out). Its rules live in `ServerMachine+*.swift`, one job each.
///
/// Storage is an effect, not a call: the machine emits `.save`/`.load`/`.remove` and learns the outcome
/// from a later event, so "saved" is only ever answered after the store reported the data durable.
public struct ServerMachine: Sendable {
    /// The configuration the server was made with.
    public let config: ServerConfig

    var sessions = SessionTable()
    var directory = Directory()
    var publisher: TablePublisher
    var probes: HolderProbes
    var intake: SaveIntake
    var courier: StoredMessageCourier
    var flushAt: Instant?
    var random: RandomSource
    var nextSweep: Instant?
    var cookies: RegistrationCookies
    /// The rules of the token each welcome carries, so the next registration from the same address skips
    /// the cookie (the tokens live in the sessions).
    let addressTokens: AddressTokens
    var newNicks: NewNickLimiter
    var relays: ServerRelays
    var peerServices: TokenBuckets
    /// How often each nick's row may change, so churn cannot make the server push without bound.
    var rowPacing: RowPacing
    /// How often a known nick may register again (each registration is sent the whole table).
    var registrations: TokenBuckets
    /// At most one punch order per (asker, peer) per `config.punchOrderInterval`.
    var punchOrders: PairPacing
    /// Whom each client has written to, so their messages to it are never crowded out by a flood.
    var contacts = Contacts()
    /// Each nickname's public key, pinned at its first registration, and when it was last used.
    var pins = PinnedNicks()
    /// The clients' signed prekeys, published in their rows.
    var prekeys = PublishedPrekeys()
    /// The other servers sharing the store, and when this one announces itself again.
    var group: ServerGroup
    /// Newcomers waiting for another server of the group to probe their nickname's holder.
    var groupTakeovers = GroupTakeovers()
    /// The nick whose pin the shared store was just asked about, while its datagram is handled again (so
    /// it is not asked about twice).
    var askedStoreAbout: Set<String> = []
    /// The nick whose registration, handled again, just claimed it in the shared store (a first
    /// registration, which needs no proof).
    var freshlyClaimed: String?
    /// When unused nicknames are next looked for (wall clock, microseconds; at most once an hour).
    var nextExpiryCheck: Int64 = 0
    /// Every log line passes one limiter: at most 20 a minute of each cause, so no flood floods the log.
    private var logLimiter = LogLimiter()

    /// The server's long-term key, which signs welcomes (`ServerMachine+Welcome.swift`).
    let serverKey: IdentityKey?
    /// The server's public key, which clients pin: what an operator publishes for them to compare.
    public var serverPublicKey: [UInt8]? { serverKey?.publicKey }

    private(set) var now = Instant.zero
    private(set) var wallClockMicroseconds: Int64 = 0
    private var effects: [ServerEffect] = []

    /// What the server has done since it started.
    public internal(set) var statistics = ServerStatistics()

    /// Datagrams that were not valid or not expected, and so were dropped.
    public var droppedDatagrams: Int { statistics.datagramsDropped }

    /// How many clients the table holds, and how many of them are online.
    public var clientCounts: (known: Int, online: Int) { sessions.counts }

    /// Makes a server with an empty table.
    public init(config: ServerConfig = ServerConfig()) {
        self.config = config
        var random = config.random
        let secret = config.cookieSecret + random.bytes(32 - config.cookieSecret.count)
        self.cookies = RegistrationCookies(secret: secret, window: config.cookieWindow)
        self.addressTokens = AddressTokens(lifetime: config.addressTokenLifetime)
        self.newNicks = NewNickLimiter(perMinute: config.newNicksPerAddressPerMinute)
        self.serverKey = config.identity ?? (try? IdentityKey(privateKey: random.bytes(32)))
        self.random = random
        self.intake = SaveIntake(remembered: config.rememberedSaves)
        self.publisher = TablePublisher(wholeTableLimit: config.wholeTableLimit, resendFloor: config.tableResendFloor)
        self.probes = HolderProbes(attempts: config.probeAttempts, interval: config.probeInterval)
        self.relays = ServerRelays(attempts: config.relayAttempts)
        self.peerServices = TokenBuckets(perSecond: Double(config.peerServicesPerSecond), burst: config.peerServicesBurst)
        self.rowPacing = RowPacing(burst: config.rowPushBurst, interval: config.rowPushInterval)
        self.registrations = TokenBuckets(perSecond: 1 / max(config.rowPushInterval.seconds, 1e-9), burst: config.rowPushBurst)
        self.punchOrders = PairPacing(interval: config.punchOrderInterval)
        self.group = ServerGroup(listing: config.listing, interval: config.rosterInterval)
        self.courier = StoredMessageCourier(retryInterval: config.deliveryRetryInterval, attempts: config.deliveryAttempts)
        self.nextDeadline = earliestDeadline
    }

    /// Restores the keys pinned by an earlier run (the driver reads them from the store at start). Each
    /// pinned nick is known again, offline, with no address yet: a message for it is stored, not refused
    /// as for a stranger, and clients see it in the table.
    public mutating func restorePins(_ keys: [String: PinnedKey]) {
        pins.restore(keys)
        for (nick, pinned) in keys {
            if let prekey = pinned.prekey.flatMap(PublishedPrekey.init(bytes:)) { prekeys.restore(prekey, nick: nick, key: pinned.key) }
        }
        for nick in keys.keys.sorted() where sessions[nick] == nil {
            sessions.restoreOffline(nick, now: now)
            directory.set(nick, address: SessionTable.noAddress, identityKey: pins[nick], prekey: prekeys[nick], online: false)
        }
        nextDeadline = earliestDeadline
    }

    /// The client table as clients get it (`TableEntry.listed`), sorted by nickname.
    public var tableEntries: [TableEntry] { directory.rows.values.map(\.listed).sorted { $0.nick < $1.nick } }

    /// The client table by nickname as clients get it (`TableEntry.listed`), without sorting; compares
    /// directly with a client's `tableByNick`.
    public var tableByNick: [String: TableEntry] { directory.rows.mapValues(\.listed) }

    /// The rows each online client should hold: all of them in whole-table mode, else those it looked up.
    public func rowsHeld(by nick: String) -> Set<String>? {
        guard let subscriber = publisher.subscribers[nick] else { return nil }
        return subscriber.mode == .whole ? Set(directory.rows.keys) : subscriber.held
    }

    /// The earliest instant at which the machine wants a `.tick`, if any, as of the last event handled.
    /// Stored, not computed: a driver reading a computed property of the machine it keeps copies the
    /// whole machine.
    public private(set) var nextDeadline: Instant?

    /// The earliest deadline of the machine's parts now.
    private var earliestDeadline: Instant? {
        Instant.earliest(
            of: courier.nextDeadline, probes.nextDeadline, relays.nextDeadline, nextSweep, flushAt, publisher.nextResend,
            rowPacing.nextDeadline, group.nextAnnounce, group.nextNewsRead)
    }

    /// Handles one event at monotonic time `now` (wall-clock time `wallClockMicroseconds`) and returns the
    /// effects to carry out, in order.
    public mutating func handle(_ event: ServerEvent, at now: Instant, wallClockMicroseconds: Int64) -> [ServerEffect] {
        self.now = now
        self.wallClockMicroseconds = wallClockMicroseconds
        effects = []
        expireUnusedNicks()
        dispatch(event)
        defer { effects = [] }
        nextDeadline = earliestDeadline
        return effects
    }

    /// Hands `event` to the part that owns it (also for an event handled again, once the shared store
    /// answered about the nicks it named).
    mutating func dispatch(_ event: ServerEvent) {
        switch event {
        case .datagram(let datagram): receive(datagram)
        case .tick:
            retryDeliveries()
            retryRelays()
            probeHolders()
            sweepSilentClients()
            applyWaitingRows()
            flushTableChanges()
            publish(publisher.resendDue(directory, now: now))
            announceIfDue()
        case .serversListed(let servers): serversListed(servers)
        case .groupNews(let news): groupNews(news)
        case .groupChanged: groupChanged()
        case .pinsFetched(let nicks, let result, let event): pinsFetched(nicks, result, then: event)
        case .saved(let message, let outcome): saveFinished(message, outcome)
        case .loaded(let recipient, let result): loadFinished(recipient, result)
        case .claimed(let nick, let result, let registration): claimFinished(nick, result, registration: registration)
        }
    }

    // MARK: - Datagrams

    mutating func receive(_ datagram: Datagram) {
        let packet: Packet
        do {
            packet = try Packet(decoding: datagram.bytes)
        } catch {
            return drop("\(datagram.source): \(error)")
        }
        let source = datagram.source
        let id = packet.id
        switch packet.message {
        case .register(let nick, let token, let proof, let candidates, let restarted, let prekey):
            register(
                id, nick: nick, token: token, proof: proof, candidates: candidates, restarted: restarted, prekey: prekey, from: source,
                datagram: datagram)
        case .deregister(let nick, let token): deregister(id, nick: nick, token: token, from: source)
        case .save(let request): save(id, request, from: source, datagram: datagram)
        case .offlineAck(let token): storedMessagesAcknowledged(id, token: token, from: source)
        case .keepalive(let token, let version): keepalive(id, token: token, version: version, from: source)
        case .tableAck(let token, let version):
            guard let nick = heardFrom(token, at: source) else { return drop("\(source): table acknowledgement from no session") }
            tableAcknowledged(version, by: nick)
        case .probeReply(let token): if heardFrom(token, at: source) == nil { drop("\(source): answer to no probe") }
        case .lookup(let token, let nick): lookup(id, nick, token: token, from: source, datagram: datagram)
        case .who(let token, let prefix, let after): who(id, prefix: prefix, after: after, token: token, from: source)
        case .punchRequest(let token, let peer, let nonce, _):
            punchRequested(id, token: token, peer: peer, nonce: nonce, requestBytes: datagram.bytes.count, from: source)
        case .relayedChatAck(let token): relayAcknowledged(id, token: token, from: source)
        default: drop("\(source): unexpected \(packet.message.kind) message")
        }
    }

    mutating func drop(_ reason: String) {
        statistics.datagramsDropped += 1
        log(.dropped(reason: reason, total: statistics.datagramsDropped))
    }

    /// The online holder of `token` at `source`, if any. Any request from it is a sign of life: it is
    /// seen now, a probe of it ends (alive), and a delivery to it that stalled starts again.
    @discardableResult
    mutating func heardFrom(_ token: UInt64, at source: Address) -> String? {
        guard let nick = sessions.holder(of: token, at: source) else { return nil }
        sessions.seen(nick, at: now)
        relays.heard(from: nick)
        if let answered = probes.answered(nick) { carryOut([answered]) }
        if courier.resumeIfStalled(nick) { emit(.load(recipient: nick)) }
        return nick
    }

    // MARK: - Effects

    mutating func emit(_ effect: ServerEffect) {
        effects.append(effect)
    }

    mutating func reply(_ id: UInt64, _ message: Message, to destination: Address) {
        emit(.send(Packet(id: id, message: message), to: destination))
    }

    mutating func log(_ event: ServerLogEvent) {
        let cause = event.cause
        let admitted = logLimiter.admit(cause, now: now)
        if admitted.heldBack > 0 { emit(.log(.heldBack(count: admitted.heldBack, cause: cause))) }
        guard admitted.log else { return }
        emit(.log(event))
    }
}
