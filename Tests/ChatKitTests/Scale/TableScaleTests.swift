import ChatKitCore
import Foundation
import Testing

/// Many clients registering against one server on the loopback network: every table converges, and a
/// registration costs the server one small datagram per online client.
///
/// Every client holding every row is N² rows in all (10⁸ for 10,000 clients: about 2 minutes and 9 GB in a
/// release build, far longer in a debug one), so `swift test` runs 1,000 clients and `.ci/run` runs the
/// full size with `CHATKIT_SCALE_CLIENTS=10000 swift test -c release --filter TableScale`.
@Suite("Table scale")
struct TableScaleTests {
    static var clientCount: Int {
        ProcessInfo.processInfo.environment["CHATKIT_SCALE_CLIENTS"].flatMap(Int.init) ?? 1_000
    }

    @Test("thousands of clients register in waves and every client's table converges to the server's")
    func registrationStorm() throws {
        let count = Self.clientCount
        let wave = 100
        let sim = Simulation(seed: 42)
        sim.startServer()
        let started = ContinuousClock.now
        var clients: [SimulatedClient] = []
        clients.reserveCapacity(count)
        for index in 0..<count {
            clients.append(sim.startClient("n\(index)", host: "10.\(index / 65536).\(index / 256 % 256).\(index % 256)", port: 6061))
            if index % wave == wave - 1 { sim.run(for: .milliseconds(2)) }
        }
        sim.run(for: .seconds(1))
        let serverTable = try #require(sim.server?.tableByNick)
        #expect(serverTable.count == count)
        #expect(serverTable.values.allSatisfy { $0.online })
        var stale = 0
        for client in clients where client.driver.tableByNick != serverTable { stale += 1 }
        #expect(stale == 0, "\(stale) of \(count) client tables differ from the server's")
        let statistics = sim.network.statistics
        print("scale: \(count) clients registered and converged in \(ContinuousClock.now - started); \(statistics.sent) datagrams, \(statistics.sent / count) per client")
        // Waves of `wave` registrations: each online client gets about one delta per wave, not one per
        // registration, and the whole table only once, in its snapshot (at most ~30 rows per datagram).
        let perClientBound = count / wave + count / 30 + 10
        #expect(statistics.sent < count * perClientBound)
    }
}
