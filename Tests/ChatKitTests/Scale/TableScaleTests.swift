import ChatKitCore
import Foundation
import StoreMemory
import Testing
import TransportLoopback

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
    func registrationStorm() {
        let count = Self.clientCount
        let wave = 100
        let started = ContinuousClock.now
        let outcome = RegistrationStorm.run(clients: count, wave: wave, store: MemoryStore())
        #expect(outcome.serverRows == count)
        #expect(outcome.onlineRows == count)
        #expect(outcome.staleTables == 0, "\(outcome.staleTables) of \(count) client tables differ from the server's")
        #expect(outcome.clientRows == count * count)
        print("scale: \(count) clients registered and converged in \(ContinuousClock.now - started); \(outcome.datagrams) datagrams, \(outcome.datagrams / count) per client")
        // Waves of `wave` registrations: each online client gets about one delta per wave, not one per
        // registration, and the whole table only once, in its snapshot (at most ~30 rows per datagram).
        let perClientBound = count / wave + count / 30 + 10
        #expect(outcome.datagrams < count * perClientBound)
    }
}
