import ChatKitCore
import Foundation
import StoreMemory
import Testing
import ChatKitTesting

/// Many clients registering against one server on the loopback network: every client's held rows converge
/// to the server's. Above the whole-table limit (256 rows) clients hold only the rows they use, so a
/// registration costs O(holders of the row), not O(online clients). `swift test` runs 1,000 clients, and
/// `.ci/run` the same check at 100,000 in release (`udpchat-bench --storm-check 100000`).
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
        print("scale: \(count) clients registered and converged in \(ContinuousClock.now - started); \(outcome.clientRows) rows held, \(outcome.datagrams) datagrams, \(outcome.datagrams / count) per client")
        // Past the whole-table limit each client holds its own row only, and costs a constant number of
        // datagrams: its registration, its table, their acknowledgements (the first 256 clients more).
        if count > 1_000 { #expect(outcome.clientRows < 2 * count) }
        #expect(outcome.datagrams < count * 12 + 256 * 256 * 4)
        _ = wave
    }
}
