import ChatKitCore
import Testing

/// The client machine on its own: events in, effects out.
@Suite("Client machine rules")
struct ClientMachineRulesTests {
    static let server = Address(host: "server", port: 6000)

    static func machine() -> ClientMachine {
        var config = ClientConfig(nick: "x", server: server)
        config.random = .seeded(3)
        return ClientMachine(config: config)
    }

    static func sends(_ effects: [ClientEffect]) -> [Packet] {
        effects.compactMap { if case .send(let bytes, _) = $0 { try? Packet(decoding: bytes) } else { nil } }
    }

    @Test("a request is retried every 500 ms while the server is silent, and given up after 8 s, not before")
    func givesUpAfterEightSeconds() {
        var client = Self.machine()
        var registers = Self.sends(client.handle(.start, at: .zero)).count
        var now = Instant.zero
        while now < .zero + .milliseconds(7_999) {
            now = client.nextDeadline ?? now
            guard now < .zero + .seconds(8) else { break }
            registers += Self.sends(client.handle(.tick, at: now)).count
        }
        #expect(registers == 16)
        #expect(!client.hasExited)
        let last = client.handle(.tick, at: .zero + .seconds(8))
        #expect(last.contains(.show(.serverNotResponding)))
        #expect(client.hasExited)
    }

    @Test("any answer from the server restarts the 8 s: a 'checking' reply keeps the client trying")
    func answersKeepItTrying() {
        var client = Self.machine()
        let register = Self.sends(client.handle(.start, at: .zero))[0]
        let checking = (try? Packet(id: register.id, message: .registerReply(.checking, token: 0)).encoded()) ?? []
        for second in 1...20 {
            let now = Instant.zero + .seconds(Int64(second))
            _ = client.handle(.datagram(Datagram(bytes: checking, source: Self.server)), at: now)
            _ = client.handle(.tick, at: now)
        }
        #expect(!client.hasExited)
    }

    @Test("a delta after a gap is applied row by row but the acknowledged version waits for the gap")
    func gapKeepsVersion() {
        var client = Self.machine()
        let register = Self.sends(client.handle(.start, at: .zero))[0]
        let reply = (try? Packet(id: register.id, message: .registerReply(.registered, token: 9)).encoded()) ?? []
        _ = client.handle(.datagram(Datagram(bytes: reply, source: Self.server)), at: .zero)
        let row = TableEntry(nick: "y", address: Address(host: "10.0.0.2", port: 1), online: true, version: 5)
        let late = TableDelta(token: 9, from: 4, to: 5, latest: 5, entries: [row])
        let bytes = (try? Packet(id: 0, message: .tableDelta(late)).encoded()) ?? []
        let effects = client.handle(.datagram(Datagram(bytes: bytes, source: Self.server)), at: .zero)
        #expect(client.tableByNick["y"] == row)
        #expect(Self.sends(effects).contains { $0.message == .tableAck(token: 9, version: 0) })
    }
}
