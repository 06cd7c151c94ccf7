import ChatKitCore
import ChatKitRuntime
import TransportLoopback

/// A registration storm on the loopback network: `clients` clients register with one server in waves,
/// then every client's held rows are compared with what the server says it holds. The scale test and
/// the benchmark both run it.
///
/// Up to the server's whole-table limit (256 rows) every client holds every row; above it, clients hold
/// only their own row (and what they look up), so a storm of N clients holds about N rows, not N².
public enum RegistrationStorm {
    /// What a storm ended with.
    public struct Outcome: Sendable, Equatable {
        /// Rows in the server's table.
        public var serverRows: Int
        /// How many of them are online.
        public var onlineRows: Int
        /// Clients whose held rows differ from the server's.
        public var staleTables: Int
        /// Rows held by all the clients together.
        public var clientRows: Int
        /// Datagrams sent on the network, in all.
        public var datagrams: Int

        /// Makes an outcome from its counts (a benchmark reads them back from a child process).
        public init(serverRows: Int, onlineRows: Int, staleTables: Int, clientRows: Int, datagrams: Int) {
            self.serverRows = serverRows
            self.onlineRows = onlineRows
            self.staleTables = staleTables
            self.clientRows = clientRows
            self.datagrams = datagrams
        }
    }

    /// Registers `clients` clients, `wave` at a time with 2 simulated milliseconds between waves, lets
    /// the network settle for a simulated second and compares the tables.
    public static func run(clients count: Int, wave: Int = 100, store: any OfflineStore, seed: UInt64 = 42) -> Outcome {
        let clock = VirtualClock()
        let network = LoopbackNetwork(clock: clock, seed: seed)
        let serverAddress = Address(host: "server", port: 6000)
        var serverConfig = ServerConfig()
        serverConfig.random = .seeded(seed)
        let server = ServerDriver(
            machine: ServerMachine(config: serverConfig), transport: network.bind(serverAddress), store: store, clock: clock,
            log: DiscardingServerLog())
        server.start()
        var clients: [ClientDriver] = []
        clients.reserveCapacity(count)
        for index in 0..<count {
            var config = ClientConfig(nick: "n\(index)", server: serverAddress)
            config.random = .seeded(seed &+ UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15)
            config.makesEphemeralKeysAhead = false  // these clients register and never chat
            let host = "10.\(index / 65_536).\(index / 256 % 256).\(index % 256)"
            let client = ClientDriver(
                machine: ClientMachine(config: config), transport: network.bind(Address(host: host, port: 6061)),
                console: RecordingConsole(keepsRecord: false), clock: clock, onExit: { _ in })
            client.start()
            clients.append(client)
            if index % wave == wave - 1 { clock.advance(by: .milliseconds(2)) }
        }
        clock.advance(by: .seconds(1))
        let serverTable = server.tableByNick
        var outcome = Outcome(
            serverRows: serverTable.count, onlineRows: serverTable.values.filter(\.online).count, staleTables: 0,
            clientRows: 0, datagrams: network.statistics.sent)
        for (index, client) in clients.enumerated() {
            let table = client.tableByNick
            outcome.clientRows += table.count
            let held = server.rowsHeld(by: "n\(index)") ?? []
            if Set(table.keys) != held || !held.allSatisfy({ table[$0] == serverTable[$0] }) { outcome.staleTables += 1 }
        }
        server.stop()
        return outcome
    }
}
