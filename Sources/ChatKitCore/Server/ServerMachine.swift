/// The rendezvous server as a pure state machine: sessions and tokens, and the dispatch of each event to
/// the type that owns its rule: `Directory` (the rows), `TablePublisher` (confirmed table pushes),
/// `HolderProbes` (is a holder alive?) and `StoredMessageCourier` (stored messages out).
///
/// Storage is an effect, not a call: the machine emits `.save`/`.load`/`.remove` and learns the outcome
/// from a later event, so "saved" is only ever answered after the store reported the data durable.
public struct ServerMachine: Sendable {
    /// The configuration the server was made with.
    public let config: ServerConfig

    private var clients: [String: ClientRecord] = [:]
    private var nickByToken: [UInt64: String] = [:]
    private var directory = Directory()
    private var publisher: TablePublisher
    private var probes: HolderProbes
    private var courier: StoredMessageCourier
    private var flushAt: Instant?
    private var random: RandomSource
    /// Saves handed to storage and not yet finished: who to answer, keyed by recipient and message.
    private var savesInProgress: [SaveKey: [Address]] = [:]
    private var recentlySaved: RecentKeys
    private var nextSweep: Instant?
    /// Drops are logged one by one at first, then only now and then, so a flood cannot flood the log.
    private var dropsLogged = 0

    private var now = Instant.zero
    private var wallClockMicroseconds: Int64 = 0
    private var effects: [ServerEffect] = []

    /// What the server has done since it started.
    public private(set) var statistics = ServerStatistics()

    /// Datagrams that were not valid or not expected, and so were dropped.
    public var droppedDatagrams: Int { statistics.datagramsDropped }

    /// How many clients the table holds, and how many of them are online.
    public var clientCounts: (known: Int, online: Int) { (clients.count, clients.values.filter(\.online).count) }

    struct SaveKey: Hashable {
        var recipient: String
        var key: MessageKey
    }

    /// Makes a server with an empty table.
    public init(config: ServerConfig = ServerConfig()) {
        self.config = config
        self.random = config.random
        self.recentlySaved = RecentKeys(capacity: config.rememberedSaves)
        self.publisher = TablePublisher(wholeTableLimit: config.wholeTableLimit)
        self.probes = HolderProbes(attempts: config.probeAttempts, interval: config.probeInterval)
        self.courier = StoredMessageCourier(retryInterval: config.deliveryRetryInterval, attempts: config.deliveryAttempts)
    }

    /// The client table, sorted by nickname.
    public var tableEntries: [TableEntry] { directory.rows.values.sorted { $0.nick < $1.nick } }

    /// The client table by nickname, without sorting; compares directly with a client's `tableByNick`.
    public var tableByNick: [String: TableEntry] { directory.rows }

    /// The rows each online client should hold: all of them in whole-table mode, else those it looked up.
    public func rowsHeld(by nick: String) -> Set<String>? {
        guard let subscriber = publisher.subscribers[nick] else { return nil }
        return subscriber.mode == .whole ? Set(directory.rows.keys) : subscriber.held
    }

    /// The earliest instant at which the machine wants a `.tick`, if any.
    public var nextDeadline: Instant? {
        [courier.nextDeadline, probes.nextDeadline, nextSweep, flushAt, publisher.nextResend].compactMap { $0 }.min()
    }

    /// Handles one event at monotonic time `now` (wall-clock time `wallClockMicroseconds`) and returns the
    /// effects to carry out, in order.
    public mutating func handle(_ event: ServerEvent, at now: Instant, wallClockMicroseconds: Int64) -> [ServerEffect] {
        self.now = now
        self.wallClockMicroseconds = wallClockMicroseconds
        effects = []
        switch event {
        case .datagram(let datagram): receive(datagram)
        case .tick:
            retryDeliveries()
            probeHolders()
            sweepSilentClients()
            flushTableChanges()
            send(publisher.resendDue(directory, now: now))
        case .saved(let message, let outcome): saveFinished(message, outcome)
        case .loaded(let recipient, let result): loadFinished(recipient, result)
        }
        defer { effects = [] }
        return effects
    }

    // MARK: - Datagrams

    private mutating func receive(_ datagram: Datagram) {
        let packet: Packet
        do {
            packet = try Packet(decoding: datagram.bytes)
        } catch {
            return drop("\(datagram.source): \(error)")
        }
        let source = datagram.source
        let id = packet.id
        switch packet.message {
        case .register(let nick, let token): register(id, nick: nick, token: token, from: source)
        case .deregister(let nick, let token): deregister(id, nick: nick, token: token, from: source)
        case .save(let request): save(id, request, from: source)
        case .offlineAck(let token): storedMessagesAcknowledged(id, token: token, from: source)
        case .keepalive(let token, let version): keepalive(id, token: token, version: version, from: source)
        case .tableAck(let token, let version):
            guard let nick = heardFrom(token, at: source) else { return drop("\(source): table acknowledgement from no session") }
            tableAcknowledged(version, by: nick)
        case .probeReply(let token): if heardFrom(token, at: source) == nil { drop("\(source): answer to no probe") }
        case .lookup(let token, let nick): lookup(id, nick, token: token, from: source)
        case .who(let token, let prefix, let after): who(id, prefix: prefix, after: after, token: token, from: source)
        default: drop("\(source): unexpected \(packet.message.kind) message")
        }
    }

    private mutating func drop(_ reason: String) {
        statistics.datagramsDropped += 1
        if dropsLogged < 100 || statistics.datagramsDropped % 10_000 == 0 {
            dropsLogged += 1
            log("dropped datagram from \(reason) (\(statistics.datagramsDropped) dropped so far)", level: .debug)
        }
    }

    /// The online holder of `token` at `source`, if any. Any request from it is a sign of life: it is
    /// seen now, a probe of it ends (alive), and a delivery to it that stalled starts again.
    @discardableResult
    private mutating func heardFrom(_ token: UInt64, at source: Address) -> String? {
        guard token != 0, let nick = nickByToken[token], let record = clients[nick], record.address == source,
            record.online
        else { return nil }
        clients[nick]?.lastSeen = now
        if let probe = probes.answered(nick) { holderAnswered(nick, probe) }
        if courier.resumeIfStalled(nick) { effects.append(.load(recipient: nick)) }
        return nick
    }

    // MARK: - Registration

    private mutating func register(_ id: UInt64, nick: String, token: UInt64, from source: Address) {
        guard Nickname.isValidCanonical(nick) else {
            log("refused invalid nickname from \(source)")
            return reply(id, .registerReply(.invalidNick, token: 0), to: source)
        }
        if let record = clients[nick], record.deregistered, record.address == source, record.registrationID == id {
            // A duplicate of a registration the client has since closed with `dereg` (found by chaos seed 1333).
            return drop("\(source): late copy of a registration of \(nick) since deregistered")
        }
        if let record = clients[nick], record.online {
            if record.address == source, record.registrationID == id {
                // A retry of the registration we already granted: answer it the same way, and resend the
                // table from what the client acknowledged.
                reply(id, .registerReply(record.registrationOutcome, token: record.token), to: source)
                publisher.nudge(nick)
                return scheduleFlush()
            }
            let holderIsAsking = token != 0 && token == record.token
            if record.address != source, !holderIsAsking {
                return probeForTakeover(record, id, from: source)
            }
        }
        grant(id, nick: nick, to: source)
    }

    /// Registers `nick` at `source`, answering request `id`, and starts delivering its stored messages.
    private mutating func grant(_ id: UInt64, nick: String, to source: Address) {
        probes.cancel(nick)
        let outcome: RegisterOutcome = clients[nick] == nil ? .registered : .reRegistered
        if let oldToken = clients[nick]?.token { nickByToken[oldToken] = nil }
        let record = ClientRecord(
            nick: nick, address: source, online: true, token: newToken(), registrationID: id,
            registrationOutcome: outcome, lastSeen: now)
        clients[nick] = record
        nickByToken[record.token] = nick
        statistics.registrations += 1
        log("\(outcome == .registered ? "registered" : "re-registered") \(nick) at \(source)")
        reply(id, .registerReply(outcome, token: record.token), to: source)
        let wasWhole = publisher.mode(forDirectoryOf: directory.count) == .whole
        rowChanged(nick)
        if wasWhole, publisher.mode(forDirectoryOf: directory.count) == .onDemand {
            log("the table has \(directory.count) rows, over \(config.wholeTableLimit): clients now hold only the rows they use")
            publisher.switchToOnDemand()
        }
        publisher.subscribe(nick, address: source, token: record.token, mode: publisher.mode(forDirectoryOf: directory.count))
        courier.stop(nick)
        if courier.start(nick) { effects.append(.load(recipient: nick)) }
        if nextSweep == nil { nextSweep = now + config.sweepInterval }
    }

    private mutating func deregister(_ id: UInt64, nick: String, token: UInt64, from source: Address) {
        guard clients[nick] != nil else {
            // Unknown here (the server restarted, say): it is offline already, which is what was asked.
            return reply(id, .deregisterReply(.deregistered), to: source)
        }
        guard token != 0, nickByToken[token] == nick, let record = clients[nick], record.address == source else {
            log("refused deregistration of \(nick) from \(source)")
            return reply(id, .deregisterReply(.notHolder), to: source)
        }
        if record.online {
            statistics.deregistrations += 1
            log("deregistered \(nick)")
            clients[nick]?.deregistered = true
            markOffline(nick)
        }
        reply(id, .deregisterReply(.deregistered), to: source)
    }

    private mutating func markOffline(_ nick: String) {
        guard let record = clients[nick] else { return }
        clients[nick]?.online = false
        courier.stop(nick)
        publisher.unsubscribe(nick)
        rowChanged(nick, online: false, address: record.address)
        if let probe = probes[nick], let takeover = probe.takeover {
            // A newcomer was waiting for this nickname: it is free now.
            grant(takeover.requestID, nick: nick, to: takeover.requester)
        }
        probes.cancel(nick)
    }

    private mutating func newToken() -> UInt64 {
        while true {
            let token = random.nextNonZero()
            if nickByToken[token] == nil { return token }
        }
    }

    // MARK: - Liveness

    /// Someone at another address wants a nickname whose holder seems online: probe the holder, and
    /// tell the newcomer to keep asking until the verdict.
    private mutating func probeForTakeover(_ record: ClientRecord, _ id: UInt64, from source: Address) {
        let takeover = HolderProbes.Takeover(requestID: id, requester: source)
        if let pending = probes[record.nick]?.takeover, pending.requester != source {
            log("refused \(record.nick) from \(source): held by \(record.address), already being probed")
            return reply(id, .registerReply(.nickInUse, token: 0), to: source)
        }
        if probes[record.nick] == nil {
            log("\(source) asks for \(record.nick), held by \(record.address): probing the holder", level: .debug)
        }
        startProbe(of: record, takeover: takeover)
        reply(id, .registerReply(.checking, token: 0), to: source)
    }

    private mutating func startProbe(of record: ClientRecord, takeover: HolderProbes.Takeover? = nil) {
        let probe = probes.probe(
            record.nick, token: record.token, address: record.address, probeID: random.next(), now: now, takeover: takeover)
        if let probe { send([probe]) }
    }

    private mutating func holderAnswered(_ nick: String, _ probe: HolderProbes.Probe) {
        guard let takeover = probe.takeover else { return }
        log("refused \(nick) from \(takeover.requester): the holder answered")
        reply(takeover.requestID, .registerReply(.nickInUse, token: 0), to: takeover.requester)
    }

    private mutating func probeHolders() {
        let (sends, dead) = probes.tick(now)
        send(sends)
        for (nick, probe) in dead where clients[nick]?.token == probe.token && clients[nick]?.online == true {
            if let takeover = probe.takeover {
                log("the holder of \(nick) answered none of \(config.probeAttempts) probes: it goes to \(takeover.requester)")
                grant(takeover.requestID, nick: nick, to: takeover.requester)
            } else {
                log("\(nick) answered none of \(config.probeAttempts) probes; marking it offline")
                markOffline(nick)
            }
        }
    }

    private mutating func keepalive(_ id: UInt64, token: UInt64, version: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source) else {
            return reply(id, .keepaliveReply(.unknownSession, tableVersion: 0), to: source)
        }
        tableAcknowledged(version, by: nick)
        reply(id, .keepaliveReply(.alive, tableVersion: publisher.sentVersion(of: nick)), to: source)
    }

    /// Marks offline every online client silent for longer than `clientTimeout`.
    private mutating func sweepSilentClients() {
        guard let due = nextSweep, due <= now else { return }
        let silent = clients.values.filter { $0.online && $0.lastSeen + config.clientTimeout <= now }.map(\.nick).sorted()
        for nick in silent {
            log("\(nick) has been silent for \(config.clientTimeout); marking it offline")
            markOffline(nick)
        }
        nextSweep = clients.values.contains(where: \.online) ? now + config.sweepInterval : nil
    }

    // MARK: - The table

    /// Stamps a new version on `nick`'s row; its holders hear of it at the next flush.
    private mutating func rowChanged(_ nick: String, online: Bool = true, address: Address? = nil) {
        guard let address = address ?? clients[nick]?.address else { return }
        directory.set(nick, address: address, online: online)
        publisher.rowChanged(nick)
        scheduleFlush()
    }

    private mutating func scheduleFlush() {
        if flushAt == nil { flushAt = now + config.tableFlushDelay }
    }

    private mutating func flushTableChanges() {
        guard let due = flushAt, due <= now else { return }
        flushAt = nil
        send(publisher.flush(directory, now: now))
    }

    /// `nick` (already checked by `heardFrom`) holds every row up to `version`; the first table it
    /// acknowledges releases the stored messages waiting for it.
    private mutating func tableAcknowledged(_ version: UInt64, by nick: String) {
        guard let record = clients[nick] else { return }
        let hadTable = publisher.hasConfirmedTable(nick)
        publisher.acknowledged(version, token: record.token)
        if !hadTable, publisher.hasConfirmedTable(nick) {
            send(courier.tableArrived(nick, recipient: recipient(record), newID: { random.next() }, now: now))
        }
    }

    private mutating func lookup(_ id: UInt64, _ nick: String, token: UInt64, from source: Address) {
        guard let asker = heardFrom(token, at: source) else {
            return reply(id, .lookupReply(.notRegistered, entry: nil), to: source)
        }
        guard let row = directory[nick] else { return reply(id, .lookupReply(.noSuchClient, entry: nil), to: source) }
        publisher.hold(nick, by: asker)
        reply(id, .lookupReply(.found, entry: row), to: source)
    }

    private mutating func who(_ id: UInt64, prefix: String, after: String, token: UInt64, from source: Address) {
        guard heardFrom(token, at: source) != nil else { return drop("\(source): who from no session") }
        let page = directory.page(prefix: prefix, after: after, limit: 64)
        var rows: [TableEntry] = []
        var bytes = WireLimits.headerBytes + 1 + 2
        for row in page.rows {
            guard bytes + row.encodedBytes <= WireLimits.maxDatagramBytes else { break }
            rows.append(row)
            bytes += row.encodedBytes
        }
        reply(id, .whoReply(entries: rows, more: page.more || rows.count < page.rows.count), to: source)
    }

    // MARK: - Offline messages in

    private mutating func save(_ id: UInt64, _ request: SaveRequest, from source: Address) {
        guard let sender = heardFrom(request.token, at: source) else {
            return reply(id, .saveReply(.notRegistered, peer: nil), to: source)
        }
        guard Nickname.isValidCanonical(request.recipient), (try? MessageText.validate(request.text)) != nil else {
            return reply(id, .saveReply(.invalidMessage, peer: nil), to: source)
        }
        guard let recipient = clients[request.recipient] else {
            return reply(id, .saveReply(.unknownRecipient, peer: nil), to: source)
        }
        let key = MessageKey(sender: sender, id: id)
        if recipient.online {
            switch request.reason {
            case .recipientOffline where !recentlySaved.contains(key):
                log("\(sender) thinks \(recipient.nick) is offline; it is not")
                return reply(id, .saveReply(.recipientOnline, peer: recipient.address), to: source)
            case .recipientOffline:
                break
            case .noAck:
                // A peer's word is not enough to mark anyone offline: probe first. The message is stored
                // either way, and goes to the recipient at once if it turns out to be alive.
                log("\(recipient.nick) did not acknowledge \(sender): probing it", level: .debug)
                startProbe(of: recipient)
            }
        }
        if recentlySaved.contains(key) {
            return reply(id, .saveReply(.saved, peer: nil), to: source)
        }
        let saveKey = SaveKey(recipient: recipient.nick, key: key)
        if savesInProgress[saveKey] != nil {
            savesInProgress[saveKey]?.append(source)
            return
        }
        savesInProgress[saveKey] = [source]
        effects.append(
            .save(
                StoredMessage(
                    recipient: recipient.nick, key: key, savedAtMicroseconds: wallClockMicroseconds,
                    text: request.text),
                mailboxLimit: config.mailboxLimit))
    }

    private mutating func saveFinished(_ message: StoredMessage, _ stored: StoreOutcome) {
        let waiting = savesInProgress.removeValue(forKey: SaveKey(recipient: message.recipient, key: message.key)) ?? []
        let outcome: SaveOutcome
        switch stored {
        case .stored:
            recentlySaved.insert(message.key)
            statistics.messagesStored += 1
            log("saved a message from \(message.key.sender) for \(message.recipient)")
            outcome = .saved
            // A recipient that is online after all (only an ACK was lost) gets it now.
            if clients[message.recipient]?.online == true, courier.start(message.recipient) {
                effects.append(.load(recipient: message.recipient))
            }
        case .mailboxFull:
            log("the mailbox of \(message.recipient) is full; refused a message from \(message.key.sender)")
            outcome = .mailboxFull
        case .failed(let error):
            log("could not save a message for \(message.recipient): \(error)")
            outcome = .storageFailed
        }
        for address in waiting {
            reply(message.key.id, .saveReply(outcome, peer: nil), to: address)
        }
    }

    // MARK: - Offline messages out

    private func recipient(_ record: ClientRecord) -> StoredMessageCourier.Recipient {
        StoredMessageCourier.Recipient(
            address: record.address, token: record.token,
            hasTable: publisher.hasConfirmedTable(record.nick))
    }

    private func onlineRecipient(_ nick: String) -> StoredMessageCourier.Recipient? {
        clients[nick].flatMap { $0.online ? recipient($0) : nil }
    }

    private mutating func loadFinished(_ nick: String, _ result: Result<[StoredMessage], StoreError>) {
        let messages: [StoredMessage]
        switch result {
        case .success(let loaded): messages = loaded
        case .failure(let error):
            log("could not read stored messages for \(nick): \(error)")
            messages = []
        }
        if !messages.isEmpty { log("delivering \(messages.count) stored message(s) to \(nick)", level: .debug) }
        let next = courier.loaded(nick, messages, to: onlineRecipient(nick), newID: { random.next() }, now: now)
        send(next.sends)
        if next.reload { effects.append(.load(recipient: nick)) }
    }

    private mutating func storedMessagesAcknowledged(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source),
            let done = courier.acknowledged(id, by: nick, recipient: onlineRecipient(nick), newID: { random.next() }, now: now)
        else {
            return drop("\(source): acknowledgement of no batch in flight")
        }
        statistics.messagesDelivered += done.keys.count
        log("\(nick) received \(done.keys.count) stored message(s)")
        effects.append(.remove(done.keys, recipient: nick))
        send(done.sends)
        if done.reload { effects.append(.load(recipient: nick)) }
    }

    private mutating func retryDeliveries() {
        let (sends, stalled) = courier.retry(now) { clients[$0]?.address }
        send(sends)
        for nick in stalled {
            log("\(nick) does not acknowledge its stored messages; trying again at its next sign of life")
        }
    }

    // MARK: - Helpers

    private mutating func reply(_ id: UInt64, _ message: Message, to destination: Address) {
        guard let bytes = try? Packet(id: id, message: message).encoded() else {
            return log("could not encode a \(message.kind) message for \(destination)")
        }
        effects.append(.send(bytes, to: destination))
    }

    private mutating func send(_ datagrams: [OutgoingDatagram]) {
        for datagram in datagrams { effects.append(.send(datagram.bytes, to: datagram.destination)) }
    }

    private mutating func log(_ line: String, level: LogLevel = .info) {
        effects.append(.log(line, level: level))
    }
}
