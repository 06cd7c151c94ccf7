import ChatKitCore
import ChatKitRuntime
import ChatKitCrypto
import TransportLoopback
import Synchronization

/// Liveness at a fixed loss rate, counted over many trials on the loopback network and the virtual clock:
/// how often a client gives up on a live server, how often a live holder loses its nickname to a second
/// process, and how long a table change takes to reach the clients that hold its row. The benchmark
/// runs them at scale; the tests run them small.
public enum LivenessTrials {
    /// How many of `trials` trials went wrong.
    public struct Rate: Sendable, Equatable {
        /// Trials that went wrong.
        public var failures: Int
        /// Trials run.
        public var trials: Int
    }

    /// `requests` requests (registrations and saves) by clients of a server that is up, at `lossRate`:
    /// counts the requests after which a client printed `[Server not responding]`.
    public static func serverGiveUps(
        requests: Int, lossRate: Double, seed: UInt64 = 1, store: @escaping () -> any OfflineStore
    ) -> Rate {
        let world = World(lossRate: lossRate, seed: seed, store: store)
        world.startServer()
        world.startClient("z").runUntil { $0.count(of: "[Client table updated.]") >= 1 }
        world.clients["z"]?.console.type("dereg z")
        world.clients["z"]?.runUntil { $0.count(of: "[You are Offline. Bye.]") >= 1 }
        var rate = Rate(failures: 0, trials: 0)
        var generation = 0
        while rate.trials < requests {
            generation += 1
            let sender = world.startClient("x\(generation)")
            rate.trials += 1
            sender.runUntil { $0.exitStatus != nil || $0.count(of: "[Client table updated.]") >= 1 }
            var sent = 0
            while sender.exitStatus == nil, rate.trials < requests, sent < 1_000 {
                sent += 1
                rate.trials += 1
                let saved = sender.count(of: "[Messages received by the server and saved.]")
                sender.console.type("send z \(sent)")
                sender.runUntil { $0.exitStatus != nil || $0.count(of: "[Messages received by the server and saved.]") > saved }
            }
            if sender.count(of: "[Server not responding]") > 0 { rate.failures += 1 }
            sender.stop()
        }
        return rate
    }

    /// `attempts` second processes, each at an address of its own, ask for the nickname of a holder that
    /// is up and answering, at `lossRate`: counts the attempts that took the nickname.
    public static func nicksLost(
        attempts: Int, lossRate: Double, seed: UInt64 = 1, store: @escaping () -> any OfflineStore
    ) -> Rate {
        var rate = Rate(failures: 0, trials: 0)
        var world = World(lossRate: lossRate, seed: seed, store: store)
        var holder = world.startHolder()
        while rate.trials < attempts {
            rate.trials += 1
            let impostor = world.startClient("h", port: UInt16(7000 + rate.trials % 50_000))
            impostor.runUntil { $0.exitStatus != nil || $0.count(of: "registered") > 0 }
            let tookIt = impostor.count(of: "registered") > 0
            impostor.stop()
            if tookIt || holder.exitStatus != nil {
                rate.failures += 1
                world = World(lossRate: lossRate, seed: seed &+ UInt64(rate.trials), store: store)
                holder = world.startHolder()
            }
        }
        return rate
    }

    /// `changes` changes of one client's row (it goes offline and comes back) while `clients` other
    /// clients hold the whole table, at `lossRate`: for each change and each holder, the time from the
    /// server's change until the holder has the row's new version.
    public static func propagationTimes(
        clients count: Int, changes: Int, lossRate: Double, seed: UInt64 = 1, store: @escaping () -> any OfflineStore
    ) -> [Duration] {
        let world = World(lossRate: lossRate, seed: seed, store: store)
        let server = world.startServer()
        let changer = world.startClient("c")
        let holders = (0..<count).map { world.startClient("h\($0)") }
        world.clock.advance(by: .seconds(10))
        var times: [Duration] = []
        for change in 0..<changes {
            let command = change % 2 == 0 ? "dereg c" : "reg c"
            let before = server.tableByNick["c"]?.version ?? 0
            changer.console.type(command)
            while (server.tableByNick["c"]?.version ?? 0) == before, world.clock.runNext() {}
            guard let version = server.tableByNick["c"]?.version, version > before else { break }
            let changedAt = world.clock.now
            var waiting = Set(holders.indices)
            while !waiting.isEmpty, world.clock.now - changedAt < .seconds(30) {
                for index in waiting where (holders[index].driver.tableByNick["c"]?.version ?? 0) >= version {
                    waiting.remove(index)
                    times.append(world.clock.now - changedAt)
                }
                world.clock.advance(by: .milliseconds(1))
            }
            times += waiting.map { _ in Duration.seconds(30) }
            world.clock.advance(by: .seconds(1))
        }
        return times
    }
}

/// One server and its clients on a lossy loopback network, for `LivenessTrials`.
private final class World {
    let clock = VirtualClock()
    let network: LoopbackNetwork
    let serverAddress = Address(host: "server", port: 6000)
    var clients: [String: TrialClient] = [:]
    private var keys: [String: IdentityKey] = [:]
    /// Kept here: a driver is held only by whoever started it.
    private var server: ServerDriver?
    private var seed: UInt64
    private let store: () -> any OfflineStore

    init(lossRate: Double, seed: UInt64, store: @escaping () -> any OfflineStore) {
        self.seed = seed
        self.store = store
        network = LoopbackNetwork(clock: clock, seed: seed)
        network.faults = FaultPlan(lossRate: lossRate)
    }

    @discardableResult
    func startServer() -> ServerDriver {
        var config = ServerConfig()
        config.random = .seeded(seed)
        config.mailboxLimit = 10_000_000
        config.senderShareLimit = 10_000_000
        let server = ServerDriver(
            machine: ServerMachine(config: config), transport: network.bind(serverAddress), store: store(), clock: clock,
            log: DiscardingServerLog())
        server.start()
        self.server = server
        return server
    }

    /// A server and a holder of "h" that has its table.
    func startHolder() -> TrialClient {
        startServer()
        let holder = startClient("h", port: 6061)
        holder.runUntil { $0.count(of: "[Client table updated.]") >= 1 }
        return holder
    }

    func startClient(_ nick: String, port: UInt16 = 6061) -> TrialClient {
        seed = seed &+ 0x9E37_79B9_7F4A_7C15
        var config = ClientConfig(nick: nick, server: serverAddress)
        config.random = .seeded(seed)
        // Every process of one user has the user's key, as `udpchat` keeps it on disk.
        if keys[nick] == nil {
            var random = RandomSource.seeded(seed ^ 0x5DEE_CE66_D1CE_4E5B)
            keys[nick] = try? IdentityKey(privateKey: random.bytes(32))
        }
        config.identity = keys[nick]
        let client = TrialClient(config: config, address: Address(host: "host-\(nick)", port: port), world: self)
        clients[nick] = client
        client.driver.start()
        return client
    }
}

/// A client of a `World`, with a count of the lines it showed.
private final class TrialClient {
    let driver: ClientDriver
    let console: RecordingConsole
    private let transport: LoopbackTransport
    private let tally = Tally()
    private unowned let world: World

    init(config: ClientConfig, address: Address, world: World) {
        self.world = world
        let tally = self.tally
        console = RecordingConsole(keepsRecord: false, onShow: { line in tally.shown.withLock { $0[line, default: 0] += 1 } })
        transport = world.network.bind(address)
        driver = ClientDriver(
            machine: ClientMachine(config: config), transport: transport, console: console, clock: world.clock,
            onExit: { code in tally.exit.withLock { $0 = $0 ?? code } })
    }

    var exitStatus: Int32? { tally.exit.withLock { $0 } }

    /// How many lines shown so far contain `text`.
    func count(of text: String) -> Int {
        tally.shown.withLock { $0.reduce(0) { $0 + ($1.key.contains(text) ? $1.value : 0) } }
    }

    /// Runs the world's timers until `done` holds (or nothing is left to run).
    func runUntil(_ done: (TrialClient) -> Bool) {
        while !done(self), world.clock.runNext() {}
    }

    /// Ends the client's process: it sends nothing more.
    func stop() {
        transport.close()
    }
}

/// What a `TrialClient` showed, counted per distinct line, and its exit status.
private final class Tally: Sendable {
    let shown = Mutex<[String: Int]>([:])
    let exit = Mutex<Int32?>(nil)
}
