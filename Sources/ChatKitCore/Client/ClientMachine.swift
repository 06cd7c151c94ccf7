import ChatKitCrypto

/// The whole client as a pure state machine: `handle(event, at:)` returns what to do, and touches nothing.
///
/// A driver feeds it typed lines, datagrams, the end of input, Ctrl-C and clock ticks, and carries out the
/// returned effects; the same code runs over real UDP and in the deterministic simulation. The table is
/// kept by `TableReplica`, requests to the server by `ServerRequests`, chats in flight by `ChatsInFlight`
/// and chats coming in by `ChatInbox`, and each peer's path by `PeerPaths`. Typed commands are in
/// `ClientMachine+Commands.swift`, the server's answers in `ClientMachine+ServerReplies.swift`, and
/// reaching peers behind routers (sending to their addresses, punching) in `ClientMachine+Paths.swift`.
public struct ClientMachine: Sendable {
    /// The configuration the client was made with.
    public let config: ClientConfig

    enum Phase: Equatable {
        case notStarted
        /// Waiting for the server's reply (`replied == false`) and then for the first complete table.
        /// `quiet` registrations repair a server's mistaken "offline" and print no welcome.
        case registering(requestID: UInt64, replied: Bool, quiet: Bool)
        case online
        case deregistering(requestID: UInt64)
        case offline
        case exited
    }

    /// Where the client is in its life; changed only by `enter(_:)` (`ClientMachine+Phases.swift`).
    var phase: Phase = .notStarted
    var token: UInt64 = 0
    var hasBeenRegistered = false
    private var random: RandomSource
    var replica = TableReplica()
    var tableAckOwed = false
    var chats = ChatsInFlight()
    var paths: PeerPaths
    var requests: ServerRequests<Purpose>
    var watch: ServerWatch
    var inbox: ChatInbox
    var awaitingKeys = LettersAwaitingKeys()
    /// Letters already refused as unproven, so a resent one is not told about again.
    var unprovenLetters = RecentKeys(capacity: 1_024)
    /// The copy of each letter refused last, and when: a copy refused again counts as changed where it is
    /// kept only if it is the same text, sent again (`refusalGap` later), not a duplicate arriving with it.
    var refusedCopies: [MessageKey: RefusedCopy] = [:]
    /// Less than the server's least pause between deliveries (100 ms), more than duplicates' spread.
    static let refusalGap: Duration = .milliseconds(50)
    /// The server's key, pinned at the first welcome: later welcomes must be signed by it.
    var serverKeys: ServerKeyPin
    /// The server in use: `config.server` until it falls silent and the client moves to another of its group.
    public internal(set) var server: Address
    /// The other servers sharing the current one's database, as it last listed them (signed): where to move.
    var serverGroup: [ServerListing] = []
    /// Prekeys looked up (deltas carry none), by nick: used while the row names the key that signed them.
    var lookedUpPrekeys: [String: PublishedPrekey] = [:]
    /// The prekey last sealed to, per nick, with the key that signed it: checked once, not per letter.
    var checkedPrekeys: [String: CheckedPrekey] = [:]
    /// Commands waiting until the client can run them (while it registers, say), in order.
    var heldCommands = FIFOQueue<ClientCommand>()
    var inputEnded = false
    /// The client's Ed25519 identity: `config.identity`, or one drawn from `random` (simulations).
    let identity: IdentityKey?
    /// The server's latest registration cookie for this address, nick and key.
    var registrationCookie: [UInt8] = []
    /// The end-to-end sessions with peers, and the handshakes that set them up.
    var sessions: PeerSessions
    /// The peers' identity keys, pinned at first contact.
    var pins: PeerKeyPins
    /// The client's prekeys, newest first: letters sealed to any of them open.
    let prekeys: [Prekey]
    /// The newest prekey, signed, as registrations publish it.
    let publishedPrekey: PublishedPrekey?

    /// What a registration carries: the public key, the cookie and the signature over both.
    var identityProof: IdentityProof {
        guard let identity else { return IdentityProof() }
        return IdentityProof.signed(cookie: registrationCookie, nick: config.nick, key: identity)
    }

    /// The ids of the latest keepalives: a keepalive reply counts only if it answers one of them.
    var keepaliveIDs: [UInt64] = []
    /// Whether the outbox kept from the last run has been sent.
    var keptMessagesSent = false
    /// What the outbox holds now; each message leaves it once it has an outcome.
    var outboxHeld: [PendingMessage] = []
    /// Whether `[Server not responding]` was shown for the current silence (a client that stays says it once).
    var toldServerSilent = false

    private(set) var now = Instant.zero
    private var effects: [ClientEffect] = []
    /// The replica's `nicknamesVersion` when `.nicknamesChanged` last went out: only changes are
    /// announced, and a number per client costs no allocation, unlike a copy of the nicknames.
    private var announcedNicknamesVersion: UInt64 = 0

    /// Datagrams that were not valid or not expected, and so were dropped.
    public private(set) var droppedDatagrams = 0

    /// Sealed packets and handshake messages from peers that failed authentication or were replays:
    /// dropped without a reply (and counted in `droppedDatagrams` too).
    public var peerAuthenticationFailures: Int { sessions.authenticationFailures }

    /// Makes a client that has not started yet.
    public init(config: ClientConfig) {
        self.config = config
        self.random = config.random
        self.inbox = ChatInbox(remembered: config.rememberedMessages)
        let seed = random.bytes(32)
        let identity = config.identity ?? (try? IdentityKey(privateKey: seed))
        self.identity = identity
        // The sessions' X25519 static key lives as long as the process; the identity key vouches for it.
        let staticKey = try? X25519Key(privateKey: random.bytes(32))
        self.sessions = PeerSessions(
            nick: config.nick, identity: identity, staticKey: staticKey, rekeyAfter: config.sessionRekeyAfter,
            rejectAfter: config.sessionRejectAfter)
        self.pins = PeerKeyPins(config.pinnedKeys)
        self.serverKeys = ServerKeyPin(pinned: config.pinnedServerKey)
        self.server = config.server
        self.serverGroup = config.serverGroup
        let drawn = Prekey(id: UInt32(truncatingIfNeeded: random.next()), privateKey: random.bytes(32), createdAtMicroseconds: 0)
        let prekeys = config.prekeys.isEmpty ? [drawn] : config.prekeys
        self.prekeys = prekeys
        self.publishedPrekey = identity.flatMap { try? prekeys[0].published(nick: config.nick, identity: $0) }
        self.registrationCookie = config.addressToken
        self.requests = ServerRequests(
            interval: config.serverRetryInterval, floor: config.serverRetryFloor, initialWait: config.serverFirstRetry,
            silenceLimit: config.serverSilenceLimit, silenceNotice: config.serverSilenceNotice)
        self.watch = ServerWatch(interval: config.keepaliveInterval)
        self.watch.triesFastWhileQuiet = !config.serverGroup.isEmpty
        self.paths = PeerPaths(
            refreshInterval: config.pathRefreshInterval, activeFor: config.pathActiveFor, relayFor: config.relayPathLifetime)
        self.nextDeadline = earliestDeadline
        prepareSpareEphemeral()
    }

    /// The earliest instant at which the machine wants a `.tick`, if any, as of the last batch handled.
    /// It may be earlier than needed (for a chat ACKed meanwhile); a `.tick` then does nothing. Stored,
    /// not computed: a driver reading a computed property of the machine it keeps copies the whole machine.
    public private(set) var nextDeadline: Instant?

    /// The earliest deadline of the machine's parts now.
    private var earliestDeadline: Instant? {
        let refresh: Instant? = if case .online = phase { paths.nextRefresh } else { nil }
        return Instant.earliest(Instant.earliest(chats.nextDeadline, requests.nextDeadline), Instant.earliest(watch.next, refresh))
    }

    /// True once the machine has asked to exit; it ignores every later event.
    public var hasExited: Bool { phase == .exited }

    /// The rows the client holds, sorted by nickname.
    public var tableEntries: [TableEntry] { replica.rows.values.sorted { $0.nick < $1.nick } }

    /// The rows the client holds, by nickname: no copy, no sorting, for lookups and comparisons.
    public var tableByNick: [String: TableEntry] { replica.rows }

    /// Handles events that arrived together (a burst of datagrams, a pasted block of lines) at time `now`
    /// and returns the effects to carry out, in order. Chats from one peer are acknowledged together, with
    /// one datagram at the end, and so are tables; a change in the nicknames held ends the list.
    public mutating func handle(_ events: [ClientEvent], at now: Instant) -> [ClientEffect] {
        guard phase != .exited, !events.isEmpty else { return [] }
        // Every event of the batch appends to the one list, which is handed over whole at the end.
        effects = []
        for event in events { apply(event, at: now) }
        if inbox.holdsAcks { sendHeldAcks() }
        sendTableAckIfOwed()
        announceNicknames()
        nextDeadline = earliestDeadline
        defer { effects = [] }
        return effects
    }

    /// Handles one event at time `now`, as a batch of one: the same path, and the same acknowledgements.
    public mutating func handle(_ event: ClientEvent, at now: Instant) -> [ClientEffect] {
        handle([event], at: now)
    }

    /// Appends `.nicknamesChanged` when the set of nicknames held changed: a number compared per batch,
    /// so a pipelined stream of chats sorts nothing.
    private mutating func announceNicknames() {
        guard replica.nicknamesVersion != announcedNicknamesVersion else { return }
        announcedNicknamesVersion = replica.nicknamesVersion
        effects.append(.nicknamesChanged(replica.rows.keys.sorted()))
    }

    /// Carries out one event of a batch, appending to `effects`; acknowledgements wait for the batch's end.
    private mutating func apply(_ event: ClientEvent, at now: Instant) {
        guard phase != .exited else { return }
        self.now = now
        switch event {
        case .start: start()
        case .line(let line) where !inputEnded: heldCommands.append(ClientCommand(parsing: line))
        case .command(let command) where !inputEnded: heldCommands.append(command)
        case .line, .command: break  // after `quit` or the end of input, nothing more runs
        case .inputEnded: inputEnded = true
        case .interrupt: leave()
        case .datagram(let datagram): receive(datagram)
        case .tick: expireDeadlines()
        }
        runHeldCommands()
        pruneOutbox()
        finishIfInputEndedAndSettled()
    }

    // MARK: - Lifecycle

    private mutating func start() {
        guard phase == .notStarted else { return }
        show(.connecting(to: server))
        beginRegistration()
    }

    mutating func beginRegistration(quiet: Bool = false) {
        enter(.registering(requestID: newMessageID(), replied: false, quiet: quiet))
    }

    mutating func exit(code: Int32, notice: Notice) {
        effects.append(.show(notice))
        effects.append(.exit(code: code))
        enter(.exited)
    }

    private mutating func finishIfInputEndedAndSettled() {
        guard inputEnded, phase != .exited, heldCommands.isEmpty, chats.isEmpty, requests.isEmpty else { return }
        leave()
    }

    /// The user leaves (`quit`, Ctrl-C, the end of input): one best-effort `deregister`, not waited for,
    /// so peers see the client offline at once instead of after the server's 35 s timeout.
    mutating func leave() {
        keepUntaken()
        if phase == .online || isRegisteredWithServer {
            transmit(Packet(id: newMessageID(), message: .deregister(nick: config.nick, token: token)), to: server)
        }
        exit(code: 0, notice: .exiting)
    }

    // MARK: - Incoming datagrams

    private mutating func receive(_ datagram: Datagram) {
        let packet: Packet
        do {
            packet = try Packet(decoding: datagram.bytes)
        } catch {
            return drop()  // counted in `droppedDatagrams`
        }
        guard datagram.source == server else { return receiveFromPeer(packet, datagram.source) }
        requests.heardFromServer(at: now)
        requests.answered(packet.id, now: now)
        toldServerSilent = false
        if watch.heard(now) { show(.serverBack) }
        let id = packet.id
        switch packet.message {
        case .registerReply(let outcome, let newToken, let cookie, let server): registrationAnswered(id, outcome, newToken, cookie: cookie, server: server)
        case .deregisterReply(let outcome): deregistrationAnswered(id, outcome)
        case .tableDelta(let delta): tableDeltaArrived(delta)
        case .saveReply(let outcome, let peer): saveAnswered(id, outcome, peer)
        case .lookupReply(let outcome, let entry): lookupAnswered(id, outcome, entry)
        case .whoReply(let rows, let more): whoAnswered(id, rows, more: more)
        case .offlineBatch(let batchToken, let messages): storedMessagesArrived(id, batchToken, messages)
        case .keepaliveReply where !keepaliveIDs.contains(id):
            drop()  // a reply to no keepalive of ours: forged, or very late
        case .keepaliveReply(.unknownSession, _) where phase == .online:
            // The server restarted or gave up on us: register again, quietly, with the same nickname.
            beginRegistration(quiet: true)
        case .keepaliveReply: break
        case .probe(let probeToken) where token != 0 && probeToken == token && isRegisteredWithServer:
            transmit(Packet(id: id, message: .probeReply(token: token)), to: server)
        case .punchOrder(let orderToken, let peer, let nonce, let candidates) where token != 0 && orderToken == token && isRegisteredWithServer:
            punchOrdered(toward: peer, nonce: nonce, candidates: candidates)
        case .relayedChat(let chatToken, let sender, let text) where token != 0 && chatToken == token && isRegisteredWithServer:
            relayedChatArrived(id, from: sender, letter: text)
        case .serverList(let listToken, let servers, let signature) where token != 0 && listToken == token && isRegisteredWithServer:
            serverListArrived(servers, signature: signature)
        default: drop()
        }
    }

    mutating func drop() {
        droppedDatagrams += 1
    }

    var isRegisteredWithServer: Bool {
        switch phase {
        case .online, .deregistering, .registering(_, replied: true, _): true
        default: false
        }
    }

    // MARK: - Helpers

    /// A fresh, unpredictable message id (never 0).
    mutating func newMessageID() -> UInt64 {
        random.nextNonZero()
    }

    /// A fresh index for a peer session (PeerSessions skips 0 and any in use).
    mutating func newSessionIndex() -> UInt32 {
        UInt32(truncatingIfNeeded: random.nextNonZero())
    }

    /// 32 fresh bytes for a handshake's ephemeral key.
    mutating func newKeySeed() -> [UInt8] {
        random.bytes(32)
    }

    mutating func transmit(_ packet: Packet, to destination: Address) {
        effects.append(.send(packet, to: destination))
    }

    mutating func emit(_ effect: ClientEffect) {
        effects.append(effect)
    }

    mutating func show(_ notice: Notice) {
        effects.append(.show(notice))
    }
}
