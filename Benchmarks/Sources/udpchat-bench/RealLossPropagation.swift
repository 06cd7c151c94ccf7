import ChatKitCore
import ChatKitRuntime
import ChatKitTesting
import Foundation
import Glibc
import StoreMemory
import TransportUDP

/// How long a table change takes to reach every holder through a real kernel network that drops UDP at
/// random: a network namespace whose loopback has the nftables rule `numgen random mod 100 < 20 drop`.
/// The benchmark makes the namespace and runs this program inside it (`--propagation-real`); without
/// root or nftables it reports why it did not run.
enum RealLossPropagation {
    static let holders = 50
    static let changers = 10
    static let changes = 60

    /// Runs the child in a fresh namespace with `lossPercent`% UDP loss; its samples in milliseconds.
    static func run(lossPercent: Int) throws -> [Double] {
        let text = try LossyNamespace.runChild(lossPercent: lossPercent, arguments: ["--propagation-real"])
        let samples = text.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        guard samples.count == holders * changes else { throw BenchError.childFailed("propagation child printed \(text.prefix(200))") }
        return samples
    }

    /// The child's side, inside the namespace: a server, `changers` clients whose rows change in turn (each
    /// goes offline or comes back, one change every 250 ms once the server made the last) and `holders`
    /// clients holding the whole table, all on real UDP over the namespace's loopback. Prints, for each
    /// change and holder, the milliseconds from the server's change until the holder had that version of
    /// the row or a newer one (a row changes again only `changers` changes later).
    static func child() -> Never {
        do {
            let server = try startServer()
            let changerNicks = (0..<changers).map { "c\($0)" }
            let consoles = changerNicks.map { _ in countingConsole() }
            var clients: [ClientDriver] = []
            for (nick, console) in zip(changerNicks, consoles) { clients.append(try startClient(nick, console: console, server: server.address)) }
            let holderClients = try (0..<holders).map { try startClient("h\($0)", console: countingConsole(), server: server.address) }
            clients += holderClients
            // Registration itself runs through the same loss: wait until every client has every row.
            let settled = ContinuousClock.now + .seconds(30)
            while clients.contains(where: { $0.tableByNick.count < clients.count }), ContinuousClock.now < settled {
                usleep(10_000)
            }
            struct Change {
                var row: String
                var version: UInt64
                var at: ContinuousClock.Instant
                var reached: [ContinuousClock.Instant?]
            }
            var made: [Change] = []
            var typed = 0
            var nextChange = ContinuousClock.now
            let deadline = ContinuousClock.now + .seconds(Int64(changes) + 60)
            while ContinuousClock.now < deadline {
                let now = ContinuousClock.now
                // The next change once the server has made the last (a request slowed by loss would
                // otherwise let typed commands pile up and run back to back).
                if typed < changes, now >= nextChange, made.count == typed {
                    let changer = typed % changers
                    consoles[changer].type(typed / changers % 2 == 0 ? "dereg c\(changer)" : "reg c\(changer)")
                    typed += 1
                    nextChange = now + .milliseconds(250)
                }
                if made.count < typed {
                    let row = "c\((typed - 1) % changers)"
                    let before = made.last { $0.row == row }?.version ?? 0
                    if let version = server.driver.tableByNick[row]?.version, version > before, version > made.last?.version ?? 0 {
                        made.append(Change(row: row, version: version, at: now, reached: Array(repeating: nil, count: holders)))
                    }
                }
                for index in made.indices where made[index].reached.contains(nil) {
                    for holder in 0..<holders where made[index].reached[holder] == nil {
                        if let held = holderClients[holder].tableByNick[made[index].row]?.version, held >= made[index].version {
                            made[index].reached[holder] = now
                        }
                    }
                }
                if made.count == changes, made.allSatisfy({ !$0.reached.contains(nil) }) { break }
                usleep(200)
            }
            let lines = made.flatMap { change in
                change.reached.map { String(format: "%.1f", (($0 ?? deadline) - change.at).seconds * 1_000) }
            }
            print(lines.joined(separator: " "))
            exit(0)
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }

    private static func startServer() throws -> (driver: ServerDriver, address: Address) {
        let transport = try UDPTransport(port: 0, host: "127.0.0.1")
        var config = ServerConfig()
        config.newNicksPerAddressPerMinute = 0  // all 60 clients register from 127.0.0.1 at once
        let driver = ServerDriver(
            machine: ServerMachine(config: config), transport: transport, store: MemoryStore(), clock: SystemClock(),
            log: DiscardingServerLog())
        driver.start()
        return (driver, Address(host: "127.0.0.1", port: transport.localAddress.port))
    }

    private static func startClient(_ nick: String, console: RecordingConsole, server: Address) throws -> ClientDriver {
        let client = ClientDriver(
            machine: ClientMachine(config: ClientConfig(nick: nick, server: server)),
            transport: try UDPTransport(port: 0, host: "127.0.0.1"), console: console, clock: SystemClock(), onExit: { _ in })
        client.start()
        return client
    }
}
