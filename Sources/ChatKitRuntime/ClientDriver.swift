import ChatKitCore
import Foundation

// @unchecked: every mutable field is touched only with `lock` held. An NSLock rather than a Mutex because
// the machine (a large value) is mutated in place while effects call out to the transport and console.
/// Runs a `ClientMachine` on a transport, a console and a clock: one per client process.
///
/// Every input (datagram, typed line, end of input, Ctrl-C, timer) goes through `handle`, which is
/// serialized by a lock, so the machine sees one event at a time whichever thread delivers it.
public final class ClientDriver: @unchecked Sendable {
    private let lock = NSLock()
    private var machine: ClientMachine
    private let transport: any Transport
    private let console: any Console
    private let clock: any DriverClock
    private let outbox: (any Outbox)?
    private let keepAddressToken: (@Sendable ([UInt8]) -> Void)?
    private let keepPinnedKey: (@Sendable (PeerKeyPin) -> Void)?
    private let keepServerKey: (@Sendable ([UInt8]) -> Void)?
    private let keepServerGroup: (@Sendable ([ServerListing]) -> Void)?
    private let onExit: @Sendable (Int32) -> Void
    private var wakeup = WakeupTimer()
    private var exitCode: Int32?
    private var encoder = PacketEncoder()

    /// Makes a driver; nothing happens until `start`. `onExit` is called once, with the exit status,
    /// when the client decides to leave.
    /// `outbox`, if given, keeps the messages the client could not send when it gives up;
    /// `keepAddressToken`, if given, keeps the server's latest address-validation token for the next start;
    /// `keepPinnedKey`, if given, keeps each peer key pinned or marked verified (`ClientConfig.pinnedKeys`);
    /// `keepServerKey`, the server's key pinned at its first welcome (`ClientConfig.pinnedServerKey`);
    /// `keepServerGroup`, the other servers its list names (`ClientConfig.serverGroup`).
    public init(
        machine: ClientMachine, transport: any Transport, console: any Console, clock: any DriverClock,
        outbox: (any Outbox)? = nil, keepAddressToken: (@Sendable ([UInt8]) -> Void)? = nil,
        keepPinnedKey: (@Sendable (PeerKeyPin) -> Void)? = nil, keepServerKey: (@Sendable ([UInt8]) -> Void)? = nil,
        keepServerGroup: (@Sendable ([ServerListing]) -> Void)? = nil, onExit: @escaping @Sendable (Int32) -> Void
    ) {
        self.outbox = outbox
        self.keepAddressToken = keepAddressToken
        self.keepPinnedKey = keepPinnedKey
        self.keepServerKey = keepServerKey
        self.keepServerGroup = keepServerGroup
        self.machine = machine
        self.transport = transport
        self.console = console
        self.clock = clock
        self.onExit = onExit
    }

    /// Starts receiving datagrams, registers with the server and starts reading the console.
    public func start() {
        transport.startReceivingBatches { [weak self] datagrams in self?.handle(datagrams.map(ClientEvent.datagram)) }
        handle(.start)
        console.startReadingBatches(
            onLines: { [weak self] lines in self?.handle(lines.map(ClientEvent.line)) },
            onEnd: { [weak self] in self?.handle(.inputEnded) })
    }

    /// Gives the client a command, as if the user had typed it: the typed way for a program to drive it.
    public func perform(_ command: ClientCommand) {
        handle(.command(command))
    }

    /// Feeds one event to the machine and carries out what it asks.
    public func handle(_ event: ClientEvent) {
        handle([event])
    }

    /// Feeds events that arrived together to the machine, in order, and carries out what it asks: the
    /// batch's datagrams go out together first (a peer waiting for an ACK should not wait for this side's
    /// output), then its lines are shown and the console is flushed once.
    public func handle(_ events: [ClientEvent]) {
        lock.lock()
        defer { lock.unlock() }
        guard exitCode == nil else { return }
        var outbox: [OutgoingDatagram] = []
        var notices: [Notice] = []
        if events.contains(where: \.isTick) { wakeup.fired() }
        var nicknames: [String]?
        for effect in machine.handle(events, at: clock.now) {
            switch effect {
            case .send(let packet, let destination):
                switch encoder.datagram(packet, to: destination) {
                case .success(let datagram): outbox.append(datagram)
                case .failure(let failure): notices.append(.problem("Could not encode a \(failure.kind) message: \(failure.error)"))
                }
            case .show(let notice): notices.append(notice)
            case .nicknamesChanged(let latest): nicknames = latest
            case .exit(let code): exitCode = code
            case .keepInOutbox(let messages): self.outbox?.replace(with: messages)
            case .keepAddressToken(let token): keepAddressToken?(token)
            case .keepPinnedKey(let pin): keepPinnedKey?(pin)
            case .keepServerKey(let key): keepServerKey?(key)
            case .keepServerGroup(let group): keepServerGroup?(group)
            }
        }
        if !outbox.isEmpty { transport.send(outbox) }
        for notice in notices { console.show(notice) }
        if let nicknames { console.nicknamesChanged(nicknames) }
        console.flush()
        if let exitCode {
            wakeup.cancel()
            onExit(exitCode)
        } else {
            wakeup.arm(at: machine.nextDeadline, on: clock) { [weak self] in self?.handle(.tick) }
        }
    }

    /// Packets the machine asked to send that could not be encoded (each also shown as a problem).
    public var encodingFailures: Int {
        lock.withLock { encoder.failures }
    }

    /// Packets from peers that failed authentication or were replays, dropped without a reply.
    public var peerAuthenticationFailures: Int {
        lock.withLock { machine.peerAuthenticationFailures }
    }

    /// The exit status, once the client has decided to leave.
    public var exitStatus: Int32? {
        lock.withLock { exitCode }
    }

    /// The client table as the client currently knows it.
    public var tableEntries: [TableEntry] {
        lock.withLock { machine.tableEntries }
    }

    /// The client table by nickname, without sorting: cheap enough to compare thousands of tables.
    public var tableByNick: [String: TableEntry] {
        lock.withLock { machine.tableByNick }
    }

    /// The server the client uses now: the one it was given, or another of its group after a failover.
    public var server: Address {
        lock.withLock { machine.server }
    }
}
