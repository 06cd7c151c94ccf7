/// The whole client as a pure state machine: `handle(event, at:)` returns what to do, and touches nothing.
///
/// A driver feeds it typed lines, datagrams, the end of input, Ctrl-C and clock ticks, and carries out the
/// returned effects; the same code runs over real UDP and in the deterministic simulation.
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
    }

    /// A request to the server that is retried until answered. Its packet is made afresh for every try,
    /// so a retry after a new registration carries the new session token.
    struct ServerRequest {
        var attemptsMade: Int
        /// When to try again; nil while a save waits for the client to register again.
        var nextTry: Instant?
        var purpose: Purpose
    }

    /// A chat sent directly to a peer and waiting for its ACK.
    struct OutgoingChat: Equatable {
        var id: UInt64
        var recipient: String
        var text: String
        var peer: Address
        var deadline: Instant
        /// When to send the chat once more if no ACK has come by then; nil once resent.
        var retransmitAt: Instant?
        /// How many times the chat went to the peer directly; bounds the "client exists" retry loop.
        var directTries: Int
    }

    private(set) var phase: Phase = .notStarted
    private var token: UInt64 = 0
    private var hasBeenRegistered = false
    private var random: RandomSource
    private var lastMessageID: UInt64

    private var table: [String: TableEntry] = [:]
    private var tableVersion: UInt64 = 0
    private var assembly = TableAssembly()
    /// Deltas that arrived ahead of a missing one, by the version they apply to.
    private var earlyDeltas: [UInt64: TableDelta] = [:]
    /// When to ask for a snapshot if the gap in table versions has not closed by then.
    private var snapshotDue: Instant?

    private var awaitingAck: [UInt64: OutgoingChat] = [:]
    private var serverRequests: [UInt64: ServerRequest] = [:]
    /// When each chat's ACK is due, its retransmission is due, and each server request's next try is due.
    private var ackDeadlines = DeadlineQueue()
    private var retransmits = DeadlineQueue()
    private var serverRetries = DeadlineQueue()

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
        self.lastMessageID = random.next()
        self.seen = RecentKeys(capacity: config.rememberedMessages)
    }

    /// The earliest instant at which the machine wants a `.tick`, if any.
    /// It may be earlier than needed (for a chat ACKed meanwhile); a `.tick` then does nothing.
    public var nextDeadline: Instant? {
        [ackDeadlines.earliest, retransmits.earliest, serverRetries.earliest, nextKeepalive, snapshotDue]
            .compactMap { $0 }.min()
    }

    /// True once the machine has asked to exit; it ignores every later event.
    public var hasExited: Bool { phase == .exited }

    /// The client table as last received, sorted by nickname.
    public var tableEntries: [TableEntry] { table.values.sorted { $0.nick < $1.nick } }

    /// The client table as last received, by nickname: no copy, no sorting, for lookups and comparisons.
    public var tableByNick: [String: TableEntry] { table }

    /// Handles events that arrived together (a burst of datagrams, a pasted block of lines) at time `now`
    /// and returns the effects to carry out, in order. The same as handling them one by one, except that
    /// chats from one peer are acknowledged together, with one datagram at the end.
    public mutating func handle(_ events: [ClientEvent], at now: Instant) -> [ClientEffect] {
        guard events.count > 1 else { return events.first.map { handle($0, at: now) } ?? [] }
        handlingBatch = true
        var all: [ClientEffect] = []
        for event in events { all += handle(event, at: now) }
        handlingBatch = false
        for (peer, ids) in heldAcks.takeAll() {
            all += acknowledgements(of: ids, to: peer)
        }
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
        startServerRequest(id, .register)
    }

    private mutating func exit(code: Int32, notice: Notice) {
        effects.append(.show(notice))
        effects.append(.exit(code: code))
        phase = .exited
        awaitingAck = [:]
        serverRequests = [:]
        heldLines.removeAll()
    }

    private mutating func finishIfInputEndedAndSettled() {
        guard inputEnded, phase != .exited, heldLines.isEmpty, awaitingAck.isEmpty, serverRequests.isEmpty else { return }
        exit(code: 0, notice: .exiting)
    }

    // MARK: - Commands

    /// Commands wait while registering or deregistering, and while `maxChatsInFlight` chats await their
    /// ACK (so input piped in streams at the pace the peers keep up with).
    private var acceptsCommands: Bool {
        (phase == .online || phase == .offline) && awaitingAck.count < config.maxChatsInFlight
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
        case .who: showTable()
        case .quit: inputEnded = true
        case .send(let recipient, let text): send(to: recipient, text: text)
        case .register(let nick): register(as: nick)
        case .deregister(let nick): deregister(as: nick)
        }
    }

    private mutating func showTable() {
        guard !table.isEmpty else { return show(.info("The client table is empty.")) }
        for entry in tableEntries {
            show(.info("\(entry.nick)  \(entry.address)  \(entry.online ? "online" : "offline")"))
        }
    }

    private mutating func send(to rawRecipient: String, text: String) {
        guard phase == .online else {
            return show(.problem("You are offline. Type reg \(config.nick) to come back online first."))
        }
        // Swift strings hash and compare by canonical equivalence, so any spelling of a nickname finds its
        // (NFC) entry without normalizing it first.
        guard let entry = table[rawRecipient] else {
            return show(.problem("<\(rawRecipient)> is not in the client table. Type who to list clients."))
        }
        let recipient = entry.nick
        guard recipient != config.nick else { return show(.problem("You cannot send a message to yourself.")) }
        do {
            try MessageText.validate(text)
        } catch {
            return show(.problem("Message not sent: \(error)."))
        }
        let chat = OutgoingChat(
            id: newMessageID(), recipient: recipient, text: text, peer: entry.address, deadline: now,
            retransmitAt: nil, directTries: 0)
        if entry.online {
            sendDirectly(chat)
        } else {
            show(.recipientOffline(recipient))
            handToServer(chat, reason: .recipientOffline)
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
        startServerRequest(id, .deregister)
    }

    // MARK: - Outgoing chats

    private mutating func sendDirectly(_ chat: OutgoingChat) {
        var chat = chat
        chat.deadline = now + config.ackTimeout
        chat.retransmitAt = now + config.chatRetransmitAfter
        chat.directTries += 1
        awaitingAck[chat.id] = chat
        ackDeadlines.add(chat.id, at: chat.deadline)
        retransmits.add(chat.id, at: now + config.chatRetransmitAfter)
        transmit(Packet(id: chat.id, message: .chat(from: config.nick, text: chat.text)), to: chat.peer)
    }

    /// Hands a chat to the server for storage. The save keeps the chat's id, so a recipient that saw the
    /// direct copy will not show the stored one again.
    private mutating func handToServer(_ chat: OutgoingChat, reason: SaveReason) {
        startServerRequest(chat.id, .save(chat, reason))
    }

    // MARK: - Server requests

    private mutating func startServerRequest(_ id: UInt64, _ purpose: Purpose) {
        serverRequests[id] = ServerRequest(attemptsMade: 0, nextTry: now, purpose: purpose)
        tryServerRequest(id)
    }

    /// Sends request `id` (again) and schedules the next try.
    private mutating func tryServerRequest(_ id: UInt64) {
        guard let request = serverRequests[id] else { return }
        serverRequests[id]?.attemptsMade += 1
        serverRequests[id]?.nextTry = now + config.serverRetryInterval
        serverRetries.add(id, at: now + config.serverRetryInterval)
        transmit(Packet(id: id, message: requestMessage(for: request.purpose)), to: config.server)
    }

    private func requestMessage(for purpose: Purpose) -> Message {
        switch purpose {
        case .register: .register(nick: config.nick, token: token)
        case .deregister: .deregister(nick: config.nick, token: token)
        case .save(let chat, let reason):
            .save(SaveRequest(token: token, recipient: chat.recipient, reason: reason, text: chat.text))
        }
    }

    private mutating func expireDeadlines() {
        for (deadline, id) in retransmits.popDue(now) {
            guard let chat = awaitingAck[id], chat.retransmitAt == deadline, chat.deadline > now else { continue }
            awaitingAck[id]?.retransmitAt = nil
            transmit(Packet(id: id, message: .chat(from: config.nick, text: chat.text)), to: chat.peer)
        }
        for (deadline, id) in ackDeadlines.popDue(now) {
            guard let chat = awaitingAck[id], chat.deadline == deadline else { continue }
            awaitingAck[id] = nil
            show(.noAck(from: chat.recipient))
            handToServer(chat, reason: .noAck)
        }
        if let due = snapshotDue, due <= now {
            snapshotDue = isRegisteredWithServer ? now + config.serverRetryInterval : nil
            if snapshotDue != nil {
                transmit(Packet(id: newMessageID(), message: .tableRequest(token: token)), to: config.server)
            }
        }
        if let due = nextKeepalive, due <= now {
            if phase == .online {
                transmit(Packet(id: newMessageID(), message: .keepalive(token: token)), to: config.server)
                nextKeepalive = now + config.keepaliveInterval
            } else {
                nextKeepalive = nil
            }
        }
        for (deadline, id) in serverRetries.popDue(now) {
            guard let request = serverRequests[id], request.nextTry == deadline else { continue }
            guard request.attemptsMade < config.serverAttempts else {
                show(.serverNotResponding)
                return exit(code: 1, notice: .exitingAfterFailure)
            }
            tryServerRequest(id)
        }
    }

    // MARK: - Incoming datagrams

    private mutating func receive(_ datagram: Datagram) {
        guard let packet = try? Packet(decoding: datagram.bytes) else { return drop() }
        let fromServer = datagram.source == config.server
        switch packet.message {
        case .registerReply(let outcome, let newToken) where fromServer:
            registrationAnswered(packet.id, outcome, newToken)
        case .deregisterReply(let outcome) where fromServer:
            deregistrationAnswered(packet.id, outcome)
        case .table(let chunk) where fromServer:
            tableChunkArrived(chunk)
        case .tableDelta(let delta) where fromServer:
            tableDeltaArrived(delta)
        case .saveReply(let outcome, let peer) where fromServer:
            saveAnswered(packet.id, outcome, peer)
        case .offlineBatch(let batchToken, let messages) where fromServer:
            storedMessagesArrived(packet.id, batchToken, messages)
        case .keepaliveReply(.unknownSession, _) where fromServer && phase == .online:
            // The server restarted or gave up on us: register again, quietly, with the same nickname.
            beginRegistration(quiet: true)
        case .keepaliveReply(.alive, let serverVersion) where fromServer:
            // Behind the server (the last delta was lost): unless it turns up meanwhile, ask for a snapshot.
            if serverVersion > tableVersion, snapshotDue == nil { snapshotDue = now + config.tableGapPatience }
        case .probe(let probeToken) where fromServer && token != 0 && probeToken == token && isRegisteredWithServer:
            transmit(Packet(id: packet.id, message: .probeReply(token: token)), to: config.server)
        case .chat(let from, let text):
            chatArrived(packet.id, from: from, text: text, source: datagram.source)
        case .chatAck:
            chatAcknowledged(packet.id, by: datagram.source)
        case .chatAcks(let ids):
            for id in ids { chatAcknowledged(id, by: datagram.source) }
        default:
            drop()
        }
    }

    private mutating func drop() {
        droppedDatagrams += 1
    }

    private var isRegistering: Bool {
        if case .registering = phase { return true }
        return false
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
            // The request stays outstanding until the table arrives; a retry makes the server resend both.
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
        tableVersion = 0
        assembly = TableAssembly()
        earlyDeltas = [:]
        snapshotDue = nil
    }

    private mutating func deregistrationAnswered(_ id: UInt64, _ outcome: DeregisterOutcome) {
        guard case .deregistering(let requestID) = phase, requestID == id else { return drop() }
        serverRequests[id] = nil
        switch outcome {
        case .deregistered:
            phase = .offline
            show(.deregistered)
        case .notHolder:
            phase = .online
            show(.problem("The server refused to deregister <\(config.nick)>: the registration is not yours."))
        }
    }

    private mutating func tableChunkArrived(_ chunk: TableChunk) {
        guard token != 0, chunk.token == token, isRegisteredWithServer else { return drop() }
        guard chunk.version > tableVersion, let entries = assembly.add(chunk) else { return }
        tableVersion = chunk.version
        table = [:]
        table.reserveCapacity(entries.count)
        for entry in entries { table[entry.nick] = entry }
        applyEarlyDeltas()
        tableApplied()
    }

    private mutating func tableDeltaArrived(_ delta: TableDelta) {
        guard token != 0, delta.token == token, isRegisteredWithServer else { return drop() }
        guard delta.to > tableVersion else { return }  // old news
        // Version 0 means no snapshot yet in this session (server versions start at 1).
        if delta.from != tableVersion || tableVersion == 0 {
            // A gap: an earlier delta is late or lost. Wait a little for it, then ask for a snapshot.
            earlyDeltas[delta.from] = delta
            if snapshotDue == nil { snapshotDue = now + config.tableGapPatience }
            return
        }
        apply(delta)
        applyEarlyDeltas()
        tableApplied()
    }

    private mutating func apply(_ delta: TableDelta) {
        for entry in delta.entries { table[entry.nick] = entry }
        tableVersion = delta.to
    }

    private mutating func applyEarlyDeltas() {
        while let next = earlyDeltas.removeValue(forKey: tableVersion) {
            apply(next)
        }
        earlyDeltas = earlyDeltas.filter { $0.value.to > tableVersion }
        if earlyDeltas.isEmpty { snapshotDue = nil }
    }

    /// A new version of the table is in place.
    private mutating func tableApplied() {
        show(.tableUpdated)
        if case .registering(let requestID, replied: true, _) = phase {
            serverRequests[requestID] = nil
            phase = .online
            nextKeepalive = now + config.keepaliveInterval
            for (id, request) in serverRequests.sorted(by: { $0.key < $1.key }) where request.nextTry == nil {
                tryServerRequest(id)
            }
        }
        if phase == .online, table[config.nick]?.online == false {
            // The server believes we are gone (a peer's ACK from us was lost): register again.
            beginRegistration(quiet: true)
        }
    }

    private mutating func saveAnswered(_ id: UInt64, _ outcome: SaveOutcome, _ peer: Address?) {
        guard let request = serverRequests[id], case .save(let chat, let reason) = request.purpose else {
            return drop()
        }
        serverRequests[id] = nil
        switch outcome {
        case .saved:
            show(.savedByServer)
        case .recipientOnline where reason == .recipientOffline && chat.directTries < 2:
            show(.recipientExists(chat.recipient))
            var retry = chat
            if let peer {
                retry.peer = peer
                table[chat.recipient] = TableEntry(nick: chat.recipient, address: peer, online: true)
            }
            sendDirectly(retry)
        case .recipientOnline:
            show(.problem("Message to <\(chat.recipient)> not delivered: the peer does not answer and the server says it is online."))
        case .unknownRecipient:
            show(.problem("The server does not know <\(chat.recipient)>; message not saved."))
        case .notRegistered where phase == .online || isRegistering:
            // The server restarted and forgot us: register again quietly, then send this save again.
            serverRequests[id] = ServerRequest(attemptsMade: 0, nextTry: nil, purpose: request.purpose)
            if phase == .online { beginRegistration(quiet: true) }
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

    private mutating func storedMessagesArrived(_ id: UInt64, _ batchToken: UInt64, _ messages: [OfflineMessage]) {
        guard token != 0, batchToken == token, isRegisteredWithServer else {
            return drop()
        }
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
        guard isRegisteredWithServer, table[sender]?.address == source else { return drop() }
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
        guard let chat = awaitingAck[id], chat.peer == source else { return drop() }
        awaitingAck[id] = nil
        show(.delivered(to: chat.recipient))
    }

    // MARK: - Helpers

    private mutating func newMessageID() -> UInt64 {
        lastMessageID &+= 1
        if lastMessageID == 0 { lastMessageID = 1 }
        return lastMessageID
    }

    private mutating func transmit(_ packet: Packet, to destination: Address) {
        guard let bytes = try? packet.encoded() else { return }
        effects.append(.send(bytes, to: destination))
    }

    private mutating func show(_ notice: Notice) {
        effects.append(.show(notice))
    }
}
