/// The whole client as a pure state machine: `handle(event, at:)` returns what to do, and touches nothing.
///
/// A driver feeds it typed lines, datagrams, the end of input, Ctrl-C and clock ticks, and carries out the
/// returned effects; the same code runs over real UDP and in the deterministic simulation. The table is
/// kept by `TableReplica`, requests to the server by `ServerRequests`; chats in flight by `ChatsInFlight`.
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

    /// What a request to the server is for, so its reply or its failure can be handled.
    enum Purpose: Equatable {
        case register
        case deregister
        case save(OutgoingChat, SaveReason)
        /// A send to a nickname whose row the client does not hold: look it up, then send.
        case lookup(recipient: String, text: String)
        case who(prefix: String, after: String, shown: Int)
    }

    private(set) var phase: Phase = .notStarted
    private var token: UInt64 = 0
    private var hasBeenRegistered = false
    private var random: RandomSource
    private var replica = TableReplica()
    private var tableAckOwed = false
    private var chats = ChatsInFlight()
    private var requests: ServerRequests<Purpose>
    private var nextKeepalive: Instant?
    private var seen: RecentKeys
    private var announcedStoredMessages = false
    private var heldLines = FIFOQueue<String>()
    private var inputEnded = false

    private var now = Instant.zero
    private var effects: [ClientEffect] = []
    /// True while a batch of events is handled: chat acknowledgements wait for its end.
    private var handlingBatch = false
    private var heldAcks = HeldAcks()

    /// Datagrams that were not valid or not expected, and so were dropped.
    public private(set) var droppedDatagrams = 0

    /// Makes a client that has not started yet.
    public init(config: ClientConfig) {
        self.config = config
        self.random = config.random
        self.seen = RecentKeys(capacity: config.rememberedMessages)
        self.requests = ServerRequests(interval: config.serverRetryInterval, silenceLimit: config.serverSilenceLimit)
    }

    /// The earliest instant at which the machine wants a `.tick`, if any.
    /// It may be earlier than needed (for a chat ACKed meanwhile); a `.tick` then does nothing.
    public var nextDeadline: Instant? {
        [chats.nextDeadline, requests.nextDeadline, nextKeepalive].compactMap { $0 }.min()
    }

    /// True once the machine has asked to exit; it ignores every later event.
    public var hasExited: Bool { phase == .exited }

    /// The rows the client holds, sorted by nickname.
    public var tableEntries: [TableEntry] { replica.rows.values.sorted { $0.nick < $1.nick } }

    /// The rows the client holds, by nickname: no copy, no sorting, for lookups and comparisons.
    public var tableByNick: [String: TableEntry] { replica.rows }

    /// Handles events that arrived together (a burst of datagrams, a pasted block of lines) at time `now`
    /// and returns the effects to carry out, in order. The same as handling them one by one, except that
    /// chats from one peer are acknowledged together, with one datagram at the end, and so are tables.
    public mutating func handle(_ events: [ClientEvent], at now: Instant) -> [ClientEffect] {
        guard events.count > 1 else { return events.first.map { handle($0, at: now) } ?? [] }
        handlingBatch = true
        var all: [ClientEffect] = []
        for event in events { all += handle(event, at: now) }
        handlingBatch = false
        for (peer, ids) in heldAcks.takeAll() {
            all += acknowledgements(of: ids, to: peer)
        }
        effects = []
        sendTableAckIfOwed()
        all += effects
        effects = []
        return all
    }

    /// Handles one event at time `now` and returns the effects to carry out, in order.
    public mutating func handle(_ event: ClientEvent, at now: Instant) -> [ClientEffect] {
        guard phase != .exited else { return [] }
        self.now = now
        effects = []
        switch event {
        case .start: start()
        case .line(let line): heldLines.append(line)
        case .inputEnded: inputEnded = true
        case .interrupt: exit(code: 0, notice: .exiting)
        case .datagram(let datagram): receive(datagram)
        case .tick: expireDeadlines()
        }
        drainHeldLines()
        finishIfInputEndedAndSettled()
        if !handlingBatch { sendTableAckIfOwed() }
        defer { effects = [] }
        return effects
    }

    // MARK: - Lifecycle

    private mutating func start() {
        guard phase == .notStarted else { return }
        beginRegistration()
    }

    private mutating func beginRegistration(quiet: Bool = false) {
        let id = newMessageID()
        phase = .registering(requestID: id, replied: false, quiet: quiet)
        startRequest(id, .register)
    }

    private mutating func exit(code: Int32, notice: Notice) {
        effects.append(.show(notice))
        effects.append(.exit(code: code))
        phase = .exited
        chats.removeAll()
        requests.removeAll()
        heldLines.removeAll()
    }

    private mutating func finishIfInputEndedAndSettled() {
        guard inputEnded, phase != .exited, heldLines.isEmpty, chats.isEmpty, requests.isEmpty else { return }
        exit(code: 0, notice: .exiting)
    }

    // MARK: - Commands

    /// Commands wait while registering or deregistering, and while `maxChatsInFlight` chats await their
    /// ACK (so input piped in streams at the pace the peers keep up with).
    private var acceptsCommands: Bool {
        (phase == .online || phase == .offline) && chats.count < config.maxChatsInFlight
    }

    private mutating func drainHeldLines() {
        while acceptsCommands, let line = heldLines.popFirst() {
            run(ClientCommand(parsing: line))
        }
    }

    private mutating func run(_ command: ClientCommand) {
        switch command {
        case .nothing: break
        case .invalid(let reason): show(.problem(reason))
        case .help:
            show(.info("Commands:"))
            for line in ClientCommand.usage { show(.info("  " + line)) }
        case .who(let prefix): who(prefix: (try? Nickname.normalized(prefix)) ?? prefix)
        case .quit: inputEnded = true
        case .send(let recipient, let text): send(to: recipient, text: text)
        case .register(let nick): register(as: nick)
        case .deregister(let nick): deregister(as: nick)
        }
    }

    private mutating func who(prefix: String) {
        guard replica.mode == .onDemand, phase == .online else {
            let rows = tableEntries.filter { $0.nick.hasPrefix(prefix) }
            guard !rows.isEmpty else {
                return show(.info(prefix.isEmpty ? "The client table is empty." : "No client's nickname starts with \(prefix)."))
            }
            return showRows(rows)
        }
        startRequest(newMessageID(), .who(prefix: prefix, after: "", shown: 0))
    }

    private mutating func showRows(_ rows: [TableEntry]) {
        for entry in rows {
            show(.info("\(entry.nick)  \(entry.address)  \(entry.online ? "online" : "offline")"))
        }
    }

    private mutating func send(to rawRecipient: String, text: String) {
        guard phase == .online else {
            return show(.problem("You are offline. Type reg \(config.nick) to come back online first."))
        }
        do {
            try MessageText.validate(text)
        } catch {
            return show(.problem("Message not sent: \(error)."))
        }
        // Swift strings hash and compare by canonical equivalence, so any spelling of a nickname finds its
        // (NFC) entry without normalizing it first.
        guard let entry = replica[rawRecipient] else {
            // Not held (a table behind the server, or a directory too big to hold): ask the server.
            guard let nick = try? Nickname.normalized(rawRecipient) else {
                return show(.problem("<\(rawRecipient)> is not a valid nickname."))
            }
            return startRequest(newMessageID(), .lookup(recipient: nick, text: text))
        }
        send(text, to: entry)
    }

    private mutating func send(_ text: String, to entry: TableEntry) {
        guard entry.nick != config.nick else { return show(.problem("You cannot send a message to yourself.")) }
        let chat = OutgoingChat(id: newMessageID(), recipient: entry.nick, text: text, peer: entry.address)
        if entry.online {
            sendDirectly(chat)
        } else {
            show(.recipientOffline(entry.nick))
            startRequest(chat.id, .save(chat, .recipientOffline))
        }
    }

    private mutating func register(as rawNick: String) {
        guard (try? Nickname.normalized(rawNick)) == config.nick else {
            return show(.problem("You can only register as yourself: reg \(config.nick)"))
        }
        guard phase == .offline else { return show(.problem("You are already registered.")) }
        beginRegistration()
    }

    private mutating func deregister(as rawNick: String) {
        guard (try? Nickname.normalized(rawNick)) == config.nick else {
            return show(.problem("You can only deregister yourself: dereg \(config.nick)"))
        }
        guard phase == .online else { return show(.problem("You are already offline.")) }
        let id = newMessageID()
        phase = .deregistering(requestID: id)
        startRequest(id, .deregister)
    }

    // MARK: - Outgoing chats

    private mutating func sendDirectly(_ chat: OutgoingChat) {
        let sent = chats.send(chat, now: now, ackTimeout: config.ackTimeout, retransmitAfter: config.chatRetransmitAfter)
        transmit(Packet(id: sent.id, message: .chat(from: config.nick, text: sent.text)), to: sent.peer)
    }

    // MARK: - Server requests

    private mutating func startRequest(_ id: UInt64, _ purpose: Purpose) {
        requests.start(id, purpose, now: now)
        transmitRequest(id)
    }

    /// Sends request `id` (again) and schedules its next try.
    private mutating func transmitRequest(_ id: UInt64) {
        guard let request = requests[id] else { return }
        requests.scheduleRetry(id, now: now)
        transmit(Packet(id: id, message: requestMessage(for: request.purpose)), to: config.server)
    }

    private func requestMessage(for purpose: Purpose) -> Message {
        switch purpose {
        case .register: .register(nick: config.nick, token: token)
        case .deregister: .deregister(nick: config.nick, token: token)
        case .save(let chat, let reason):
            .save(SaveRequest(token: token, recipient: chat.recipient, reason: reason, text: chat.text))
        case .lookup(let recipient, _): .lookup(token: token, nick: recipient)
        case .who(let prefix, let after, _): .who(token: token, prefix: prefix, after: after)
        }
    }

    private mutating func expireDeadlines() {
        let due = chats.due(now)
        for chat in due.retransmit {
            transmit(Packet(id: chat.id, message: .chat(from: config.nick, text: chat.text)), to: chat.peer)
        }
        for chat in due.expired {
            show(.noAck(from: chat.recipient))
            startRequest(chat.id, .save(chat, .noAck))
        }
        if let due = nextKeepalive, due <= now {
            if phase == .online {
                transmit(Packet(id: newMessageID(), message: .keepalive(token: token, tableVersion: replica.version)), to: config.server)
                nextKeepalive = now + config.keepaliveInterval
            } else {
                nextKeepalive = nil
            }
        }
        let (retry, gaveUp) = requests.due(now)
        if gaveUp {
            show(.serverNotResponding)
            return exit(code: 1, notice: .exitingAfterFailure)
        }
        for id in retry { transmitRequest(id) }
    }

    // MARK: - Incoming datagrams

    private mutating func receive(_ datagram: Datagram) {
        guard let packet = try? Packet(decoding: datagram.bytes) else { return drop() }
        guard datagram.source == config.server else { return receiveFromPeer(packet, datagram.source) }
        requests.heardFromServer(at: now)
        let id = packet.id
        switch packet.message {
        case .registerReply(let outcome, let newToken): registrationAnswered(id, outcome, newToken)
        case .deregisterReply(let outcome): deregistrationAnswered(id, outcome)
        case .tableDelta(let delta): tableDeltaArrived(delta)
        case .saveReply(let outcome, let peer): saveAnswered(id, outcome, peer)
        case .lookupReply(let outcome, let entry): lookupAnswered(id, outcome, entry)
        case .whoReply(let rows, let more): whoAnswered(id, rows, more: more)
        case .offlineBatch(let batchToken, let messages): storedMessagesArrived(id, batchToken, messages)
        case .keepaliveReply(.unknownSession, _) where phase == .online:
            // The server restarted or gave up on us: register again, quietly, with the same nickname.
            beginRegistration(quiet: true)
        case .keepaliveReply: break
        case .probe(let probeToken) where token != 0 && probeToken == token && isRegisteredWithServer:
            transmit(Packet(id: id, message: .probeReply(token: token)), to: config.server)
        default: drop()
        }
    }

    private mutating func receiveFromPeer(_ packet: Packet, _ source: Address) {
        switch packet.message {
        case .chat(let from, let text): chatArrived(packet.id, from: from, text: text, source: source)
        case .chatAck: chatAcknowledged(packet.id, by: source)
        case .chatAcks(let ids): for id in ids { chatAcknowledged(id, by: source) }
        default: drop()
        }
    }

    private mutating func drop() {
        droppedDatagrams += 1
    }

    private var isRegisteredWithServer: Bool {
        switch phase {
        case .online, .deregistering, .registering(_, replied: true, _): true
        default: false
        }
    }

    private mutating func registrationAnswered(_ id: UInt64, _ outcome: RegisterOutcome, _ newToken: UInt64) {
        guard case .registering(let requestID, let replied, let quiet) = phase, requestID == id else { return drop() }
        if replied {
            // A retry answered again, perhaps by a server that restarted meanwhile: its token is the
            // one its table will carry.
            if outcome == .registered || outcome == .reRegistered, newToken != token { startSession(newToken) }
            return
        }
        switch outcome {
        case .registered, .reRegistered:
            startSession(newToken)
            phase = .registering(requestID: id, replied: true, quiet: quiet)
            announcedStoredMessages = false
            if !quiet { show(outcome == .registered && !hasBeenRegistered ? .registered : .reRegistered) }
            hasBeenRegistered = true
            // The request stays outstanding until the table arrives; a retry makes the server resend it.
        case .checking:
            break  // the holder of our nickname is being probed; the retries fetch the verdict
        case .nickInUse:
            show(.problem("The nickname <\(config.nick)> is already in use by another online client."))
            exit(code: 1, notice: .exitingAfterFailure)
        case .invalidNick:
            show(.problem("The server refused the nickname <\(config.nick)>."))
            exit(code: 1, notice: .exitingAfterFailure)
        }
    }

    /// Adopts a new session token. Table versions count per server session (a restarted server starts
    /// again from 1), and tables carry the token, so the first table of the new session always applies.
    private mutating func startSession(_ newToken: UInt64) {
        token = newToken
        replica.reset()
    }

    private mutating func deregistrationAnswered(_ id: UInt64, _ outcome: DeregisterOutcome) {
        guard case .deregistering(let requestID) = phase, requestID == id else { return drop() }
        requests.finish(id)
        switch outcome {
        case .deregistered:
            phase = .offline
            show(.deregistered)
        case .notHolder:
            phase = .online
            show(.problem("The server refused to deregister <\(config.nick)>: the registration is not yours."))
        }
    }

    private mutating func tableDeltaArrived(_ delta: TableDelta) {
        guard token != 0, delta.token == token, isRegisteredWithServer else { return drop() }
        let applied = replica.apply(delta, own: config.nick)
        tableAckOwed = true
        if applied.announce { show(.tableUpdated) }
        guard applied.caughtUp else { return }
        if case .registering(let requestID, replied: true, _) = phase {
            requests.finish(requestID)
            phase = .online
            nextKeepalive = now + config.keepaliveInterval
            for id in requests.parked { transmitRequest(id) }
        }
        if phase == .online, replica[config.nick]?.online == false {
            // The server believes we are gone (it missed our keepalives): register again.
            beginRegistration(quiet: true)
        }
    }

    /// The cumulative acknowledgement of the table version held, once per event or batch of events.
    private mutating func sendTableAckIfOwed() {
        guard tableAckOwed else { return }
        tableAckOwed = false
        transmit(Packet(id: newMessageID(), message: .tableAck(token: token, version: replica.version)), to: config.server)
    }

    private mutating func saveAnswered(_ id: UInt64, _ outcome: SaveOutcome, _ peer: Address?) {
        guard let request = requests[id], case .save(let chat, let reason) = request.purpose else { return drop() }
        requests.finish(id)
        switch outcome {
        case .saved:
            show(.savedByServer)
        case .recipientOnline where reason == .recipientOffline && chat.directTries < 2:
            show(.recipientExists(chat.recipient))
            var retry = chat
            if let peer { retry.peer = peer }
            sendDirectly(retry)
        case .recipientOnline:
            show(.problem("Message to <\(chat.recipient)> not delivered: the peer does not answer and the server says it is online."))
        case .unknownRecipient:
            show(.problem("The server does not know <\(chat.recipient)>; message not saved."))
        case .notRegistered where canRegisterAgain:
            retryAfterRegistering(id, request.purpose)
        case .notRegistered:
            show(.problem("The server does not recognise this session; message to <\(chat.recipient)> not saved."))
        case .mailboxFull:
            show(.problem("The mailbox of <\(chat.recipient)> is full; message not saved."))
        case .storageFailed:
            show(.problem("The server could not save the message to <\(chat.recipient)>."))
        case .invalidMessage:
            show(.problem("The server refused the message to <\(chat.recipient)> as invalid."))
        }
    }

    private mutating func lookupAnswered(_ id: UInt64, _ outcome: LookupOutcome, _ entry: TableEntry?) {
        guard let request = requests[id], case .lookup(let recipient, let text) = request.purpose else { return drop() }
        // A "found" without the asked-for row is malformed: drop it and keep asking, so the send still ends
        // in an outcome line.
        if outcome == .found, entry?.nick != recipient { return drop() }
        requests.finish(id)
        switch outcome {
        case .found:
            guard let entry else { return }
            replica.learn(entry)
            send(text, to: replica[recipient] ?? entry)
        case .noSuchClient:
            show(.problem("<\(recipient)> is not in the client table. Type who to list clients."))
        case .notRegistered where canRegisterAgain:
            retryAfterRegistering(id, request.purpose)
        case .notRegistered:
            show(.problem("The server does not recognise this session; message to <\(recipient)> not sent."))
        }
    }

    private mutating func whoAnswered(_ id: UInt64, _ rows: [TableEntry], more: Bool) {
        guard let request = requests[id], case .who(let prefix, _, let shown) = request.purpose else { return drop() }
        requests.finish(id)
        if rows.isEmpty, shown == 0 {
            return show(.info(prefix.isEmpty ? "The client table is empty." : "No client's nickname starts with \(prefix)."))
        }
        showRows(rows)
        guard more, let last = rows.last?.nick else { return }
        if shown + rows.count >= config.whoListingLimit {
            return show(.info("(more clients; type who <prefix> to narrow the list)"))
        }
        startRequest(newMessageID(), .who(prefix: prefix, after: last, shown: shown + rows.count))
    }

    private var canRegisterAgain: Bool { phase == .online || isRegistering }

    /// The server restarted and forgot us: register again quietly, then send request `id` again.
    private mutating func retryAfterRegistering(_ id: UInt64, _ purpose: Purpose) {
        requests.park(id, purpose, now: now)
        if phase == .online { beginRegistration(quiet: true) }
    }

    private var isRegistering: Bool {
        if case .registering = phase { return true }
        return false
    }

    private mutating func storedMessagesArrived(_ id: UInt64, _ batchToken: UInt64, _ messages: [OfflineMessage]) {
        guard token != 0, batchToken == token, isRegisteredWithServer else { return drop() }
        if !announcedStoredMessages, messages.contains(where: { !seen.contains($0.key) }) {
            announcedStoredMessages = true
            show(.youHaveMessages)
        }
        for message in messages where seen.insert(message.key) {
            let savedAt = Timestamp.format(
                microseconds: message.savedAtMicroseconds, utcOffsetSeconds: config.utcOffsetSeconds)
            show(.offlineMessage(from: message.key.sender, savedAt: savedAt, text: message.text))
        }
        transmit(Packet(id: id, message: .offlineAck(token: token)), to: config.server)
    }

    private mutating func chatArrived(_ id: UInt64, from sender: String, text: String, source: Address) {
        // An offline client does not answer, so the sender falls back to the server as it should. A chat
        // counts only from the address the table gives for its sender, so nobody can speak for another.
        guard isRegisteredWithServer, replica[sender]?.address == source else { return drop() }
        if seen.insert(MessageKey(sender: sender, id: id)) {
            show(.chat(from: sender, text: text))
        }
        if handlingBatch {
            heldAcks.add(id, for: source)
        } else {
            transmit(Packet(id: id, message: .chatAck), to: source)
        }
    }

    /// The datagrams that acknowledge `ids` to `peer`: a plain `chatAck` for one, `chatAcks` for more.
    private mutating func acknowledgements(of ids: [UInt64], to peer: Address) -> [ClientEffect] {
        var datagrams: [ClientEffect] = []
        var start = 0
        while start < ids.count {
            let group = Array(ids[start..<min(start + WireLimits.maxAcksPerDatagram, ids.count)])
            let packet = group.count == 1
                ? Packet(id: group[0], message: .chatAck) : Packet(id: newMessageID(), message: .chatAcks(ids: group))
            if let bytes = try? packet.encoded() { datagrams.append(.send(bytes, to: peer)) }
            start += group.count
        }
        return datagrams
    }

    private mutating func chatAcknowledged(_ id: UInt64, by source: Address) {
        guard let chat = chats.acknowledged(id, by: source) else { return drop() }
        show(.delivered(to: chat.recipient))
    }

    // MARK: - Helpers

    /// A fresh, unpredictable message id (never 0).
    private mutating func newMessageID() -> UInt64 {
        random.nextNonZero()
    }

    private mutating func transmit(_ packet: Packet, to destination: Address) {
        guard let bytes = try? packet.encoded() else { return }
        effects.append(.send(bytes, to: destination))
    }

    private mutating func show(_ notice: Notice) {
        effects.append(.show(notice))
    }
}
