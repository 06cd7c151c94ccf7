@testable import ChatKitCore
import ChatKitRuntime
import ChatKitCrypto
import StoreMemory
import Synchronization
import ChatKitTesting

/// A whole chat system in memory: one server and any number of clients on a loopback network driven by
/// a virtual clock. The drivers are the production ones; only the transport, store, console and clock
/// are swapped, so a simulation exercises the very code `udpchat` runs.
final class Simulation {
    let clock = VirtualClock()
    let network: LoopbackNetwork
    let serverAddress = Address(host: "server", port: 6000)
    let store: any OfflineStore
    private(set) var server: ServerDriver?
    /// The other servers of a group sharing the store (`Simulation+ServerGroup.swift`), by port.
    var groupServers: [UInt16: ServerDriver] = [:]
    let serverLog = RecordingServerLog()
    /// The client started last under each nickname.
    private(set) var clients: [String: SimulatedClient] = [:]
    /// Every client process started, so an older one under the same nickname lives on until it crashes.
    private(set) var processes: [SimulatedClient] = []
    private var seeds: RandomSource

    /// By default the store is in memory, and tells a group's servers of changes through the virtual clock.
    init(seed: UInt64 = 1, store: (any OfflineStore)? = nil, faults: FaultPlan = FaultPlan()) {
        self.seeds = .seeded(seed)
        self.store = store ?? MemoryStore(changesOn: clock)
        self.network = LoopbackNetwork(clock: clock, seed: seed)
        network.faults = faults
    }

    /// Starts (or restarts, after `crashServer`) the server on its store.
    /// How much the server logs; hostile-input tests look at debug lines.
    var logLevel = LogLevel.info

    func startServer(config: ServerConfig = ServerConfig()) {
        var config = config
        config.random = .seeded(nextSeed())
        // The server's key is kept with its data, as `udpchat` keeps it: a restarted server has the same.
        config.identity = config.identity ?? identity(of: "the server")
        let driver = ServerDriver(
            machine: ServerMachine(config: config), transport: network.bind(serverAddress), store: store, clock: clock,
            log: serverLog, logLevel: logLevel)
        driver.start()
        server = driver
    }

    /// Stops the server at once, as a crash would; what the store holds survives.
    func crashServer() {
        server?.stop()
        server = nil
    }

    /// Starts a client process for `nick` at `host:port` (by default a host of its own, port 6061).
    @discardableResult
    func startClient(
        _ nick: String, host: String? = nil, port: UInt16 = 6061, configure: (inout ClientConfig) -> Void = { _ in }
    ) -> SimulatedClient {
        var config = ClientConfig(nick: nick, server: serverAddress)
        config.random = .seeded(nextSeed())
        config.identity = identity(of: nick)
        config.prekeys = prekeys(of: nick)
        let address = Address(host: host ?? "host-\(nick)", port: port)
        // As `udpchat` offers its local-network interface addresses (never loopback) as host candidates.
        if address.isLocalNetwork, !address.host.hasPrefix("127.") { config.hostCandidates = [address] }
        // As `udpchat` decides from its identity's shared lock: a restart when no other process of this
        // nick runs on this host (at any server).
        config.restarted = !processes.contains { $0.nick == nick && $0.address.host == address.host && $0.isRunning }
        configure(&config)
        let client = SimulatedClient(nick: nick, address: address, config: config, network: network, clock: clock)
        clients[nick] = client
        processes.append(client)
        client.driver.start()
        return client
    }

    /// Each user's key, as `udpchat` keeps it on disk: every process started under a nick has the same.
    private var keys: [String: IdentityKey] = [:]
    /// Each user's prekey, kept on disk as well, so a stored message opens in a later process.
    private var prekeys: [String: [Prekey]] = [:]

    /// The same users as `other`: their processes here use the keys they had there (a new simulation
    /// standing for a later run of the same machines).
    func useKeys(of other: Simulation) {
        keys = other.keys
        prekeys = other.prekeys
    }

    /// The prekeys of the user called `nick`, made (from the simulation's seed) the first time.
    func prekeys(of nick: String) -> [Prekey] {
        if let kept = prekeys[nick] { return kept }
        var seed = RandomSource.seeded(nextSeed())
        let made = [Prekey(id: UInt32(truncatingIfNeeded: seed.next()), privateKey: seed.bytes(32), createdAtMicroseconds: 0)]
        prekeys[nick] = made
        return made
    }

    /// The texts the store keeps for `nick`, opened with `nick`'s prekeys (the store holds only letters);
    /// one that does not open reads as "<sealed>".
    func storedTexts(for nick: String) throws -> [String] {
        try store.messages(for: nick).map { message in
            let envelope = Letter.Envelope(sender: message.key.sender, recipient: nick, id: message.key.id)
            return Letter.open(message.text, envelope: envelope, prekeys: prekeys(of: nick))?.text ?? "<sealed>"
        }
    }

    /// The key of the user called `nick`, made (from the simulation's seed) the first time.
    func identity(of nick: String) -> IdentityKey? {
        if let key = keys[nick] { return key }
        var seed = RandomSource.seeded(nextSeed())
        keys[nick] = try? IdentityKey(privateKey: seed.bytes(32))
        return keys[nick]
    }

    /// The client started last under `nick`.
    subscript(nick: String) -> SimulatedClient {
        guard let client = clients[nick] else { preconditionFailure("no client \(nick) in this simulation") }
        return client
    }

    /// Types a line into a client, then lets the network and timers run for `settle`.
    func type(_ nick: String, _ line: String, settle: Duration = .milliseconds(100)) {
        self[nick].console.type(line)
        run(for: settle)
    }

    /// Lets time pass, running every delivery and timer that falls due.
    func run(for duration: Duration) {
        clock.advance(by: duration)
    }

    /// A well-mixed seed for the next server or client. (Stepping seeds by SplitMix's own increment
    /// would make each new generator replay the previous one shifted by one value.)
    func nextSeed() -> UInt64 {
        seeds.next()
    }
}

/// One client process in a simulation.
final class SimulatedClient: Sendable {
    let nick: String
    let address: Address
    let console = RecordingConsole()
    let driver: ClientDriver
    let transport: LoopbackTransport
    private let exit = ExitRecord()
    private let crashed = Mutex(false)

    init(nick: String, address: Address, config: ClientConfig, network: LoopbackNetwork, clock: VirtualClock) {
        self.nick = nick
        self.address = address
        transport = network.bind(address)
        let exit = self.exit
        driver = ClientDriver(
            machine: ClientMachine(config: config), transport: transport, console: console, clock: clock,
            onExit: { code in exit.record(code) })
    }

    /// Everything the client has shown, prompts included.
    var lines: [String] { console.lines }

    /// Every notice the client has shown, typed: what checks read, rather than parsing `lines`.
    var notices: [Notice] { console.notices }

    /// The notices piped output shows (terminal-only ones left out), typed: `lines`, before printing.
    var shown: [Notice] { console.notices.filter { !$0.isTerminalOnly } }

    /// The notices shown (as `shown`) since `count` had been shown.
    func shown(after count: Int) -> [Notice] {
        Array(shown.dropFirst(count))
    }

    /// The exit status, once the client has left.
    var exitStatus: Int32? { exit.status }

    /// Stops the client without a word to anyone, as a crash or a pulled cable would.
    func crash() {
        crashed.withLock { $0 = true }
        transport.close()
    }

    /// Whether the process still runs: neither exited nor crashed.
    var isRunning: Bool { exitStatus == nil && !crashed.withLock { $0 } }
}

/// The exit status a client reported, shared with its driver's exit callback.
final class ExitRecord: Sendable {
    private let code = Mutex<Int32?>(nil)

    var status: Int32? { code.withLock { $0 } }

    func record(_ status: Int32) {
        code.withLock { $0 = $0 ?? status }
    }
}

/// What tests ask of a notice, typed, instead of parsing its printed line.
extension Notice {
    /// Who sent a message shown live (`x: hello`); nil for anything else.
    var liveSender: String? {
        if case .chat(let sender, _) = self { sender } else { nil }
    }

    /// The text of a message shown, live or stored; nil for any other notice.
    var messageText: String? {
        switch self {
        case .chat(_, let text), .offlineMessage(_, _, let text): text
        default: nil
        }
    }

    /// Whether this ends a send: ACKed by the peer, or saved by the server.
    var isSendOutcome: Bool {
        if case .delivered = self { return true }
        return self == .savedByServer
    }

    /// Whether this is a "no ACK" line, for any peer.
    var isNoAck: Bool {
        if case .noAck = self { true } else { false }
    }
}

extension Notice {
    /// The text of an informational line (a `who` row, help); nil for anything else.
    var infoText: String? {
        if case .info(let text) = self { text } else { nil }
    }

    /// The text of a problem line, without its brackets; nil for anything else.
    var problemText: String? {
        if case .problem(let text) = self { text } else { nil }
    }
}
