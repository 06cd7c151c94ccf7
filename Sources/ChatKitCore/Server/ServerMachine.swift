/// The rendezvous server as a pure state machine: the client table, session tokens, table pushes, and the
/// hand-off of offline messages to and from storage.
///
/// Storage is an effect, not a call: the machine emits `.save`/`.load`/`.remove` and learns the outcome
/// from a later event, so "saved" is only ever answered after the store reported the data durable.
public struct ServerMachine: Sendable {
    /// The configuration the server was made with.
    public let config: ServerConfig

    private var clients: [String: ClientRecord] = [:]
    /// Every nickname in the table, sorted: the order snapshots and flushes walk the table in, so a
    /// simulation replays byte for byte without sorting the whole table at every flush.
    private var nicksInOrder: [String] = []
    private var nickByToken: [UInt64: String] = [:]
    private var tableVersion: UInt64 = 0
    /// Which client changed at each version since the last flush, oldest first.
    private var changeLog: [(version: UInt64, nick: String)] = []
    private var flushAt: Instant?
    /// Clients owed a snapshot at the next flush; registrants that arrive together share one encoding.
    private var snapshotsDue: [String] = []
    private var random: RandomSource
    private var lastPacketID: UInt64

    private var deliveries: [String: Delivery] = [:]
    /// Saves handed to storage and not yet finished: who to answer, keyed by recipient and message.
    private var savesInProgress: [SaveKey: [Address]] = [:]
    private var recentlySaved: RecentKeys
    private var takeovers: [String: Takeover] = [:]
    /// Online clients whose delivery was given up; it starts again at their next keepalive.
    private var deliveryStalled: Set<String> = []
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
        self.lastPacketID = random.next()
        self.recentlySaved = RecentKeys(capacity: config.rememberedSaves)
    }

    /// The client table, sorted by nickname.
    public var tableEntries: [TableEntry] { nicksInOrder.compactMap { clients[$0]?.entry } }

    /// The client table by nickname, without sorting; compares directly with a client's `tableByNick`.
    public var tableByNick: [String: TableEntry] { clients.mapValues(\.entry) }

    /// The earliest instant at which the machine wants a `.tick`, if any.
    public var nextDeadline: Instant? {
        let delivery = deliveries.values.compactMap { $0.inFlight?.nextTry }.min()
        let takeover = takeovers.values.map(\.deadline).min()
        return [delivery, takeover, nextSweep, flushAt].compactMap { $0 }.min()
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
            finishTakeovers()
            sweepSilentClients()
            flushTableChanges()
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
        switch packet.message {
        case .register(let nick, let token): register(packet.id, nick: nick, token: token, from: source)
        case .deregister(let nick, let token): deregister(packet.id, nick: nick, token: token, from: source)
        case .save(let request): save(packet.id, request, from: source)
        case .offlineAck(let token): storedMessagesAcknowledged(packet.id, token: token, from: source)
        case .keepalive(let token): keepalive(packet.id, token: token, from: source)
        case .probeReply(let token): probeAnswered(packet.id, token: token, from: source)
        case .tableRequest(let token): snapshotRequested(token: token, from: source)
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

    /// The sender of a request carrying `token` from `source`, if that is the session's holder.
    private func holder(of token: UInt64, at source: Address) -> String? {
        guard token != 0, let nick = nickByToken[token], clients[nick]?.address == source else { return nil }
        return nick
    }

    // MARK: - Registration

    private mutating func register(_ id: UInt64, nick: String, token: UInt64, from source: Address) {
        guard Nickname.isValidCanonical(nick) else {
            log("refused invalid nickname from \(source)")
            return reply(id, .registerReply(.invalidNick, token: 0), to: source)
        }
        if let record = clients[nick] {
            if record.online, record.address == source, record.registrationID == id {
                // A retry of the registration we already granted: answer it the same way, and send the
                // table again unless it went out within the last second (it is likely on its way).
                reply(id, .registerReply(record.registrationOutcome, token: record.token), to: source)
                if let last = record.lastSnapshotAt, now - last < .seconds(1) { return }
                return sendSnapshot(to: nick)
            }
            let holderIsAsking = token != 0 && token == record.token
            if record.online, record.address != source, !holderIsAsking {
                return probeHolder(of: record, for: id, from: source)
            }
        }
        grant(id, nick: nick, to: source)
    }

    /// Registers `nick` at `source`, answering request `id`, and starts delivering its stored messages.
    private mutating func grant(_ id: UInt64, nick: String, to source: Address) {
        takeovers[nick] = nil
        let outcome: RegisterOutcome = clients[nick] == nil ? .registered : .reRegistered
        if let oldToken = clients[nick]?.token { nickByToken[oldToken] = nil }
        if clients[nick] == nil { insertInOrder(nick) }
        let record = ClientRecord(
            nick: nick, address: source, online: true, token: newToken(), registrationID: id,
            registrationOutcome: outcome, lastSeen: now)
        clients[nick] = record
        nickByToken[record.token] = nick
        statistics.registrations += 1
        log("\(outcome == .registered ? "registered" : "re-registered") \(nick) at \(source)")
        reply(id, .registerReply(outcome, token: record.token), to: source)
        tableChanged(nick)
        sendSnapshot(to: nick)
        startDelivery(to: nick)
        if nextSweep == nil { nextSweep = now + config.sweepInterval }
    }

    // MARK: - Liveness

    /// Someone at another address wants a nickname whose holder seems online: ask the holder first.
    private mutating func probeHolder(of record: ClientRecord, for id: UInt64, from source: Address) {
        if let pending = takeovers[record.nick] {
            guard pending.requester == source else {
                log("refused \(record.nick) from \(source): held by \(record.address), already being probed")
                return reply(id, .registerReply(.nickInUse, token: 0), to: source)
            }
            // A retry of the request under way, or a new process at the same address: the probe decides,
            // and its verdict answers the latest request.
            takeovers[record.nick]?.requestID = id
            return
        }
        let probeID = newPacketID()
        takeovers[record.nick] = Takeover(
            requestID: id, requester: source, probeID: probeID, deadline: now + config.probeTimeout)
        log("\(source) asks for \(record.nick), held by \(record.address): probing the holder", level: .debug)
        reply(probeID, .probe(token: record.token), to: record.address)
    }

    private mutating func probeAnswered(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = holder(of: token, at: source), let takeover = takeovers[nick], takeover.probeID == id else {
            return drop("\(source): answer to no probe")
        }
        takeovers[nick] = nil
        clients[nick]?.lastSeen = now
        log("refused \(nick) from \(takeover.requester): the holder answered")
        reply(takeover.requestID, .registerReply(.nickInUse, token: 0), to: takeover.requester)
    }

    private mutating func finishTakeovers() {
        for nick in takeovers.keys.sorted() {
            guard let takeover = takeovers[nick], takeover.deadline <= now else { continue }
            log("the holder of \(nick) did not answer: it goes to \(takeover.requester)")
            grant(takeover.requestID, nick: nick, to: takeover.requester)
        }
    }

    private mutating func keepalive(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = holder(of: token, at: source), clients[nick]?.online == true else {
            return reply(id, .keepaliveReply(.unknownSession, tableVersion: 0), to: source)
        }
        clients[nick]?.lastSeen = now
        reply(id, .keepaliveReply(.alive, tableVersion: clients[nick]?.tableVersionSent ?? 0), to: source)
        if deliveryStalled.remove(nick) != nil, deliveries[nick] == nil {
            startDelivery(to: nick)
        }
    }

    /// Marks offline every online client silent for longer than `clientTimeout`.
    private mutating func sweepSilentClients() {
        guard let due = nextSweep, due <= now else { return }
        let silent = clients.values.filter { $0.online && $0.lastSeen + config.clientTimeout <= now }.map(\.nick).sorted()
        for nick in silent {
            log("\(nick) has been silent for \(config.clientTimeout); marking it offline")
            markOffline(nick)
            tableChanged(nick)
        }
        nextSweep = clients.values.contains(where: \.online) ? now + config.sweepInterval : nil
    }

    private mutating func deregister(_ id: UInt64, nick: String, token: UInt64, from source: Address) {
        guard clients[nick] != nil else {
            // Unknown here (the server restarted, say): it is offline already, which is what was asked.
            return reply(id, .deregisterReply(.deregistered), to: source)
        }
        guard holder(of: token, at: source) == nick, let record = clients[nick] else {
            log("refused deregistration of \(nick) from \(source)")
            return reply(id, .deregisterReply(.notHolder), to: source)
        }
        if record.online {
            statistics.deregistrations += 1
            log("deregistered \(nick)")
            markOffline(nick)
            tableChanged(nick)
        }
        reply(id, .deregisterReply(.deregistered), to: source)
    }

    private mutating func markOffline(_ nick: String) {
        clients[nick]?.online = false
        deliveries[nick] = nil
        deliveryStalled.remove(nick)
    }

    private mutating func newToken() -> UInt64 {
        while true {
            let token = random.nextNonZero()
            if nickByToken[token] == nil { return token }
        }
    }

    // MARK: - The table

    /// Adds a new nickname to `nicksInOrder`, where it sorts.
    private mutating func insertInOrder(_ nick: String) {
        var low = 0
        var high = nicksInOrder.count
        while low < high {
            let middle = (low + high) / 2
            if nicksInOrder[middle] < nick { low = middle + 1 } else { high = middle }
        }
        nicksInOrder.insert(nick, at: low)
    }

    /// Records that `nick`'s row changed; online clients hear of it in the next flush of deltas.
    private mutating func tableChanged(_ nick: String) {
        tableVersion += 1
        changeLog.append((tableVersion, nick))
        if flushAt == nil { flushAt = now + config.tableFlushDelay }
    }

    /// Owes `nick` a snapshot of the whole table, sent at the next flush (right after this event).
    private mutating func sendSnapshot(to nick: String) {
        snapshotsDue.append(nick)
        if flushAt == nil { flushAt = now }
    }

    /// Sends the snapshots owed and every online client the changes since the version it was last sent:
    /// one datagram each for a handful of changes, whatever the size of the table. Each distinct
    /// datagram is encoded once; only the 8-byte token differs between recipients.
    private mutating func flushTableChanges() {
        guard let due = flushAt, due <= now else { return }
        flushAt = nil
        if !snapshotsDue.isEmpty {
            // Sorted so a simulation replays byte for byte (dictionary order differs between runs).
            let chunks = TableChunker.chunks(of: tableEntries, version: tableVersion, token: 0).compactMap {
                try? Packet(id: 0, message: .table($0)).encoded()
            }
            let owed = Set(snapshotsDue).sorted()
            snapshotsDue = []
            for nick in owed {
                guard let record = clients[nick] else { continue }
                for chunk in chunks { sendPatched(chunk, token: record.token, to: record.address) }
                clients[nick]?.tableVersionSent = tableVersion
                clients[nick]?.lastSnapshotAt = now
                if let delivery = deliveries[nick], delivery.inFlight == nil, delivery.queue?.isEmpty == false {
                    sendNextBatch(to: nick)
                }
            }
        }
        var encodedSince: [UInt64: [[UInt8]]] = [:]
        for nick in nicksInOrder {
            guard let record = clients[nick], record.online else { continue }
            let sent = record.tableVersionSent
            guard sent < tableVersion else { continue }
            if encodedSince[sent] == nil {
                encodedSince[sent] = TableChunker.deltas(of: changes(after: sent), from: sent, token: 0).compactMap {
                    try? Packet(id: 0, message: .tableDelta($0)).encoded()
                }
            }
            for delta in encodedSince[sent] ?? [] { sendPatched(delta, token: record.token, to: record.address) }
            clients[record.nick]?.tableVersionSent = tableVersion
        }
        // Every online client is up to date now; anyone else gets a snapshot when it comes back.
        changeLog.removeAll()
    }

    /// Sends a table datagram encoded with token 0, with a fresh packet id and `token` written in.
    /// (Table snapshots and deltas both carry the token right after the 12-byte header.)
    private mutating func sendPatched(_ encoded: [UInt8], token: UInt64, to destination: Address) {
        var bytes = encoded
        let id = newPacketID()
        for index in 0..<8 {
            bytes[4 + index] = UInt8(truncatingIfNeeded: id >> UInt64(56 - 8 * index))
            bytes[WireLimits.headerBytes + index] = UInt8(truncatingIfNeeded: token >> UInt64(56 - 8 * index))
        }
        effects.append(.send(bytes, to: destination))
    }

    /// The changed rows after `version`, in version order, each with the row's current state.
    private func changes(after version: UInt64) -> [(version: UInt64, entry: TableEntry)] {
        let start = changeLog.firstIndex { $0.version > version } ?? changeLog.endIndex
        return changeLog[start...].compactMap { change in clients[change.nick].map { (change.version, $0.entry) } }
    }

    private mutating func snapshotRequested(token: UInt64, from source: Address) {
        guard let nick = holder(of: token, at: source), let record = clients[nick], record.online else {
            return drop("\(source): table request from no session")
        }
        clients[nick]?.lastSeen = now
        sendSnapshot(to: record.nick)
    }

    // MARK: - Offline messages in

    private mutating func save(_ id: UInt64, _ request: SaveRequest, from source: Address) {
        guard let sender = holder(of: request.token, at: source), let senderRecord = clients[sender] else {
            return reply(id, .saveReply(.notRegistered, peer: nil), to: source)
        }
        clients[sender]?.lastSeen = now
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
                reply(id, .saveReply(.recipientOnline, peer: recipient.address), to: source)
                return sendSnapshot(to: senderRecord.nick)
            case .recipientOffline:
                break
            case .noAck:
                log("\(recipient.nick) did not acknowledge \(sender); marking it offline")
                markOffline(recipient.nick)
                tableChanged(recipient.nick)
                // If only the ACK was lost, the recipient is alive: telling it lets it re-register and
                // collect the stored copy (which it shows only if it missed the direct one).
                sendSnapshot(to: recipient.nick)
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

    /// Reads the nickname's stored messages; delivery starts when they arrive.
    private mutating func startDelivery(to nick: String) {
        deliveryStalled.remove(nick)
        deliveries[nick] = Delivery(queue: nil, inFlight: nil)
        effects.append(.load(recipient: nick))
    }

    private mutating func loadFinished(_ recipient: String, _ result: Result<[StoredMessage], StoreError>) {
        guard deliveries[recipient]?.queue == nil, deliveries[recipient] != nil else { return }
        switch result {
        case .success(let messages) where !messages.isEmpty:
            log("delivering \(messages.count) stored message(s) to \(recipient)", level: .debug)
            deliveries[recipient]?.queue = messages
            // After the welcome and the table, as the seed shows them: wait for the snapshot owed.
            if !snapshotsDue.contains(recipient) { sendNextBatch(to: recipient) }
        case .success:
            deliveries[recipient] = nil
        case .failure(let error):
            log("could not read stored messages for \(recipient): \(error)")
            deliveries[recipient] = nil
        }
    }

    private mutating func sendNextBatch(to nick: String) {
        guard let record = clients[nick], record.online, var delivery = deliveries[nick],
            let queue = delivery.queue, !queue.isEmpty
        else {
            deliveries[nick] = nil
            return
        }
        let id = newPacketID()
        var batch: [OfflineMessage] = []
        var bytes: [UInt8] = []
        for message in queue {
            let candidate = batch + [OfflineMessage(key: message.key, savedAtMicroseconds: message.savedAtMicroseconds, text: message.text)]
            guard let encoded = try? Packet(id: id, message: .offlineBatch(token: record.token, messages: candidate)).encoded()
            else { break }
            batch = candidate
            bytes = encoded
        }
        guard !batch.isEmpty else {
            log("a stored message for \(nick) does not fit in a datagram; skipping it")
            delivery.queue = Array(queue.dropFirst())
            deliveries[nick] = delivery
            return sendNextBatch(to: nick)
        }
        delivery.queue = Array(queue.dropFirst(batch.count))
        delivery.inFlight = Delivery.Batch(
            id: id, keys: Set(batch.map(\.key)), bytes: bytes, attemptsMade: 1,
            nextTry: now + config.deliveryRetryInterval)
        deliveries[nick] = delivery
        effects.append(.send(bytes, to: record.address))
    }

    private mutating func storedMessagesAcknowledged(_ id: UInt64, token: UInt64, from source: Address) {
        guard let nick = holder(of: token, at: source), let batch = deliveries[nick]?.inFlight, batch.id == id
        else {
            return drop("\(source): acknowledgement of no batch in flight")
        }
        deliveries[nick]?.inFlight = nil
        clients[nick]?.lastSeen = now
        statistics.messagesDelivered += batch.keys.count
        log("\(nick) received \(batch.keys.count) stored message(s)")
        effects.append(.remove(batch.keys, recipient: nick))
        sendNextBatch(to: nick)
    }

    private mutating func retryDeliveries() {
        for nick in deliveries.keys.sorted() {
            guard let batch = deliveries[nick]?.inFlight, batch.nextTry <= now,
                let address = clients[nick]?.address
            else { continue }
            if batch.attemptsMade >= config.deliveryAttempts {
                log("\(nick) does not acknowledge its stored messages; trying again at its next keepalive")
                deliveries[nick] = nil
                deliveryStalled.insert(nick)
                continue
            }
            deliveries[nick]?.inFlight?.attemptsMade += 1
            deliveries[nick]?.inFlight?.nextTry = now + config.deliveryRetryInterval
            effects.append(.send(batch.bytes, to: address))
        }
    }

    // MARK: - Helpers

    private mutating func newPacketID() -> UInt64 {
        lastPacketID &+= 1
        return lastPacketID
    }

    private mutating func reply(_ id: UInt64, _ message: Message, to destination: Address) {
        guard let bytes = try? Packet(id: id, message: message).encoded() else {
            return log("could not encode a \(message.kind) message for \(destination)")
        }
        effects.append(.send(bytes, to: destination))
    }

    private mutating func log(_ line: String, level: LogLevel = .info) {
        effects.append(.log(line, level: level))
    }
}
