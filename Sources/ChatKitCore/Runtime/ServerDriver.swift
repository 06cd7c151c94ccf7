import Foundation

/// Runs a `ServerMachine` on a transport, an offline store, a clock and a log: one per server process.
///
/// It performs the machine's storage effects against the store and feeds the results back as events.
/// All saves asked for while handling one event go to the store in one call, so a store can make
/// them durable together.
public final class ServerDriver: @unchecked Sendable {
    private let lock = NSLock()
    private var machine: ServerMachine
    private let transport: any Transport
    private let store: any OfflineStore
    private let clock: any Clock
    private let log: @Sendable (String) -> Void
    private var wakeup = WakeupTimer()
    private var stopped = false

    /// Makes a driver; nothing happens until `start`. `log` receives one line per server event.
    public init(
        machine: ServerMachine, transport: any Transport, store: any OfflineStore, clock: any Clock,
        log: @escaping @Sendable (String) -> Void
    ) {
        self.machine = machine
        self.transport = transport
        self.store = store
        self.clock = clock
        self.log = log
    }

    /// Starts serving datagrams.
    public func start() {
        transport.startReceiving { [weak self] datagram in self?.handle(.datagram(datagram)) }
    }

    /// Stops serving: no more events are handled and the transport is closed.
    public func stop() {
        lock.withLock {
            stopped = true
            wakeup.cancel()
        }
        transport.close()
    }

    /// Feeds one event to the machine, and the results of the storage work it asks for, until it is done.
    public func handle(_ event: ServerEvent) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        if event == .tick { wakeup.fired() }
        var pending = [event]
        while !pending.isEmpty {
            let effects = machine.handle(
                pending.removeFirst(), at: clock.now, wallClockMicroseconds: clock.wallClockMicroseconds)
            pending += perform(effects)
        }
        wakeup.arm(at: machine.nextDeadline, on: clock) { [weak self] in self?.handle(.tick) }
    }

    /// Carries out effects and returns the events that report on storage work.
    private func perform(_ effects: [ServerEffect]) -> [ServerEvent] {
        var results: [ServerEvent] = []
        var saves: [StoredMessage] = []
        var mailboxLimit = Int.max
        for effect in effects {
            switch effect {
            case .send(let bytes, let destination):
                transport.send(bytes, to: destination)
            case .log(let line):
                log(line)
            case .save(let message, let limit):
                saves.append(message)
                mailboxLimit = min(mailboxLimit, limit)
            case .load(let recipient):
                results.append(.loaded(recipient: recipient, Result { () throws(StoreError) in try store.messages(for: recipient) }))
            case .remove(let keys, let recipient):
                do {
                    try store.remove(keys, for: recipient)
                } catch {
                    log("could not remove delivered messages of \(recipient): \(error)")
                }
            }
        }
        if !saves.isEmpty {
            do {
                let refused = try store.save(saves, mailboxLimit: mailboxLimit)
                results += saves.map { .saved($0, refused.contains($0.key) ? .mailboxFull : .stored) }
            } catch {
                results += saves.map { .saved($0, .failed(error)) }
            }
        }
        return results
    }

    /// The client table as the server currently knows it.
    public var tableEntries: [TableEntry] {
        lock.withLock { machine.tableEntries }
    }

    /// Datagrams the server dropped as invalid or unexpected.
    public var droppedDatagrams: Int {
        lock.withLock { machine.droppedDatagrams }
    }
}
