import ChatKitCore
import Foundation

// @unchecked: every mutable field is touched only with `lock` held. An NSLock rather than a Mutex because
// the machine (a large value) is mutated in place while effects call out to the transport and store.
/// Runs a `ServerMachine` on a transport, an offline store, a clock and a log: one per server process.
///
/// It performs the machine's storage effects against the store and feeds the results back as events.
/// Datagrams that arrive together are handled as one batch, and every save asked for in the batch goes
/// to the store in one call (group commit: one durable write for all), before any of their "saved"
/// replies can go out.
public final class ServerDriver: @unchecked Sendable {
    private let lock = NSLock()
    var machine: ServerMachine
    private let transport: any Transport
    private let store: any OfflineStore
    /// The store's roster, when it is shared by a group of servers.
    let roster: (any ServerRoster)?
    let clock: any DriverClock
    let log: any ServerLog
    private let logLevel: LogLevel
    private var wakeup = WakeupTimer()
    private var stopped = false
    private var encoder = PacketEncoder()
    /// How far this server has read the group's changes in a shared store.
    var groupCursor = GroupCursor()

    /// Makes a driver; nothing happens until `start`. `log` records every server event of `logLevel`
    /// or below.
    public init(
        machine: ServerMachine, transport: any Transport, store: any OfflineStore, clock: any DriverClock,
        log: any ServerLog = DiscardingServerLog(), logLevel: LogLevel = .info
    ) {
        self.machine = machine
        self.transport = transport
        self.store = store
        self.roster = store as? any ServerRoster
        self.clock = clock
        self.log = log
        self.logLevel = logLevel
        do {
            self.machine.restorePins(try store.pinnedKeys())
        } catch {
            log.record(.pinFailed(nick: "*", error: error))
        }
    }

    /// Starts serving datagrams.
    public func start() {
        // A server in a group announces itself at once, not at its first datagram.
        if lock.withLock({ machine.config.listing != nil }) {
            watchGroupChanges()
            handle(.tick)
        }
        transport.startReceivingBatches { [weak self] datagrams in self?.handle(datagrams.map(ServerEvent.datagram)) }
    }

    /// Stops serving: no more events are handled and the transport is closed.
    public func stop() {
        lock.withLock {
            stopped = true
            wakeup.cancel()
            log.flush()
        }
        transport.close()
    }

    /// Feeds one event to the machine, and the results of the storage work it asks for, until it is done.
    public func handle(_ event: ServerEvent) {
        handle([event])
    }

    /// Feeds events that arrived together to the machine, then the results of the storage work they
    /// asked for, until nothing is left to do.
    public func handle(_ events: [ServerEvent]) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        if events.contains(where: \.isTick) { wakeup.fired() }
        var pending = events[...]
        var work = BatchWork()
        while true {
            while let event = pending.popFirst() {
                let effects = machine.handle(event, at: clock.now, wallClockMicroseconds: clock.wallClockMicroseconds)
                pending += perform(effects, into: &work)
            }
            // Replies that wait for nothing go out before the durable write, not after it.
            if !work.outbox.isEmpty { transport.send(work.outbox) }
            work.outbox = []
            publishPresence(&work.presence)
            if !work.claims.isEmpty {
                pending += settleClaims(&work.claims)
                continue
            }
            guard !work.saves.isEmpty else { break }
            pending += commit(&work)
        }
        log.flush()
        wakeup.arm(at: machine.nextDeadline, on: clock) { [weak self] in self?.handle(.tick) }
    }

    /// What a batch of events gathers to do at once: datagrams to send together, saves for one durable
    /// write, claims on new nicks for one, presence rows for one.
    struct BatchWork {
        var outbox: [OutgoingDatagram] = []
        var saves: [StoredMessage] = []
        var limits = MailboxLimits.none
        var claims: [(nick: String, key: [UInt8], registration: Datagram)] = []
        var presence: [PresenceRow] = []
    }

    /// Carries out effects; datagrams, saves, claims and presence are gathered into `work` to be done
    /// together, other storage work is done now and its results returned as events.
    private func perform(_ effects: [ServerEffect], into work: inout BatchWork) -> [ServerEvent] {
        var results: [ServerEvent] = []
        for effect in effects {
            switch effect {
            case .send(let packet, let destination):
                switch encoder.datagram(packet, to: destination) {
                case .success(let datagram): work.outbox.append(datagram)
                case .failure(let failure): log.record(.encodingFailed(kind: failure.kind, destination: failure.destination))
                }
            case .log(let event) where event.level <= logLevel:
                log.record(event)
            case .log:
                break
            case .save(let message, let limit):
                work.saves.append(message)
                work.limits = work.limits.tightened(by: limit)
            case .load(let recipient):
                // Saves still waiting for the batch's durable write go first, so what is loaded has them:
                // a recipient may come back online in the very batch that saved a message for it.
                results += commit(&work)
                results.append(.loaded(recipient: recipient, Result { () throws(StoreError) in try store.messages(for: recipient) }))
            case .pinKey(let nick, let key):
                do {
                    try store.pin(key, for: nick)
                } catch {
                    log.record(.pinFailed(nick: nick, error: error))
                }
            case .claimNick(let nick, let key, let registration):
                work.claims.append((nick, key, registration))
            case .fetchPins(let nicks, let event):
                let pinned = Result { () throws(StoreError) in try store.pinnedKeys(of: nicks) }
                results.append(.pinsFetched(nicks: nicks, pinned, then: event))
            case .publishPresence(let row):
                work.presence.append(row)
            case .forwardToServer, .announceServer, .readGroupNews:
                // This server's rows go first, so news read now is newer than every grant made here.
                publishPresence(&work.presence)
                results += performGroupEffect(effect)
            case .keepPrekey(let nick, let prekey):
                do {
                    try store.keepPrekey(prekey.bytes, for: nick)
                } catch {
                    log.record(.pinFailed(nick: nick, error: error))
                }
            case .touchNick(let nick, let microseconds):
                try? store.touch(nick, atMicroseconds: microseconds)
            case .forgetNick(let nick):
                do {
                    try store.forget(nick)
                } catch {
                    log.record(.removeFailed(recipient: nick, error: error))
                }
            case .remove(let keys, let recipient):
                do {
                    try store.remove(keys, for: recipient)
                } catch {
                    log.record(.removeFailed(recipient: recipient, error: error))
                }
            }
        }
        return results
    }

    /// Claims the batch's new nicks in one call (one durable write in a shared store), and hands each
    /// registration back with its answer.
    private func settleClaims(_ claims: inout [(nick: String, key: [UInt8], registration: Datagram)]) -> [ServerEvent] {
        defer { claims = [] }
        do {
            let answers = try store.claim(claims.map { ($0.nick, $0.key) }, atMicroseconds: clock.wallClockMicroseconds)
            return zip(claims, answers).map { claim, answer in .claimed(nick: claim.nick, .success(answer), registration: claim.registration) }
        } catch {
            return claims.map { .claimed(nick: $0.nick, .failure(error), registration: $0.registration) }
        }
    }

    /// Stores all the batch's saves in one call and reports each one's outcome.
    /// Gathering starts afresh afterwards: the saves are emptied and the limits reset.
    private func commit(_ work: inout BatchWork) -> [ServerEvent] {
        defer {
            work.saves = []
            work.limits = .none
        }
        guard !work.saves.isEmpty else { return [] }
        do {
            let refused = try store.save(work.saves, limits: work.limits)
            return work.saves.map { save in
                switch refused[save.key] {
                case .mailboxFull: .saved(save, .mailboxFull)
                case .overQuota: .saved(save, .overQuota)
                case nil: .saved(save, .stored)
                }
            }
        } catch {
            return work.saves.map { .saved($0, .failed(error)) }
        }
    }

    /// The client table as the server currently knows it.
    public var tableEntries: [TableEntry] {
        lock.withLock { machine.tableEntries }
    }

    /// The server's public key, which clients pin (`ServerMachine.serverPublicKey`).
    public var serverPublicKey: [UInt8]? {
        lock.withLock { machine.serverPublicKey }
    }

    /// The client table by nickname, without sorting.
    public var tableByNick: [String: TableEntry] {
        lock.withLock { machine.tableByNick }
    }

    /// The nicknames whose rows the online client `nick` should hold (nil if it is not online), so tests
    /// can check every holder's copy.
    public func rowsHeld(by nick: String) -> Set<String>? {
        lock.withLock { machine.rowsHeld(by: nick) }
    }

    /// What the server has done since it started (registrations, messages stored and relayed…), with the
    /// packets that could not be encoded.
    public var statistics: ServerStatistics {
        lock.withLock {
            var statistics = machine.statistics
            statistics.encodingFailures = encoder.failures
            return statistics
        }
    }

    /// Datagrams the server dropped as invalid or unexpected.
    public var droppedDatagrams: Int {
        lock.withLock { machine.droppedDatagrams }
    }

    /// One line on what the server has done: for the log when it stops.
    public var summary: String {
        lock.withLock {
            let statistics = machine.statistics
            let (known, online) = machine.clientCounts
            return "summary: \(known) client(s) known, \(online) online; \(statistics.registrations) registration(s), "
                + "\(statistics.deregistrations) deregistration(s); \(statistics.messagesStored) message(s) stored, "
                + "\(statistics.messagesDelivered) delivered from storage; \(statistics.datagramsDropped) datagram(s) dropped"
        }
    }
}
