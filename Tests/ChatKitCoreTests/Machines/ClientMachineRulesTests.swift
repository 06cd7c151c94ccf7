import ChatKitCore
import ChatKitCrypto
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
        effects.compactMap { if case .send(let packet, _) = $0 { packet } else { nil } }
    }

    @Test("a request is retried every 250 ms while the server is silent (no round trip measured), and given up after 8 s, not before")
    func givesUpAfterEightSeconds() {
        var client = Self.machine()
        var registers = Self.sends(client.handle(.start, at: .zero)).count
        var now = Instant.zero
        while now < .zero + .milliseconds(7_999) {
            now = client.nextDeadline ?? now
            guard now < .zero + .seconds(8) else { break }
            registers += Self.sends(client.handle(.tick, at: now)).count
        }
        #expect(registers == 32)
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

    @Test("the nicknames go to completion when the set held changes, not when a row's status does")
    func nicknamesAnnouncedOnChange() {
        var (client, effects) = Self.registered()
        #expect(effects.filter(Self.isNicknames) == [.nicknamesChanged(["x", "y"])])
        func delta(_ version: UInt64, _ row: TableEntry) -> [ClientEffect] {
            let bytes = (try? Packet(id: 0, message: .tableDelta(TableDelta(token: 9, from: version - 1, to: version, latest: version, entries: [row]))).encoded()) ?? []
            return client.handle(.datagram(Datagram(bytes: bytes, source: Self.server)), at: .zero)
        }
        var online = Self.yRow
        online.online = true
        online.version = 3
        let statusOnly = delta(3, online)
        #expect(statusOnly.contains(.show(.tableUpdated)) && statusOnly.filter(Self.isNicknames).isEmpty, "y came online: same nicknames")
        let added = delta(4, TableEntry(nick: "z", address: Address(host: "10.0.0.3", port: 1), online: true, version: 4))
        #expect(added.filter(Self.isNicknames) == [.nicknamesChanged(["x", "y", "z"])])
    }

    static func isNicknames(_ effect: ClientEffect) -> Bool {
        if case .nicknamesChanged = effect { true } else { false }
    }

    /// y's identity, and the prekey its row publishes (x seals what it hands the server to it).
    static let yIdentity = try? IdentityKey(privateKey: [UInt8](repeating: 7, count: 32))
    static var yRow: TableEntry {
        var row = TableEntry(nick: "y", address: Address(host: "10.0.0.2", port: 1), online: false, version: 2)
        row.identityKey = yIdentity?.publicKey
        row.prekey = yIdentity.flatMap { try? Prekey(id: 1, privateKey: [UInt8](repeating: 8, count: 32), createdAtMicroseconds: 0).published(nick: "y", identity: $0) }
        return row
    }

    /// A client registered as x, holding y's row (offline), at time zero.
    static func registered(_ config: (inout ClientConfig) -> Void = { _ in }) -> (ClientMachine, [ClientEffect]) {
        var settings = ClientConfig(nick: "x", server: server)
        settings.random = .seeded(3)
        config(&settings)
        var client = ClientMachine(config: settings)
        let register = Self.sends(client.handle(.start, at: .zero))[0]
        let reply = (try? Packet(id: register.id, message: .registerReply(.registered, token: 9)).encoded()) ?? []
        var effects = client.handle(.datagram(Datagram(bytes: reply, source: Self.server)), at: .zero)
        let rows = [
            TableEntry(nick: "x", address: Address(host: "10.0.0.1", port: 1), online: true, version: 1),
            yRow,
        ]
        let table = (try? Packet(id: 0, message: .tableDelta(TableDelta(token: 9, from: 0, to: 2, latest: 2, entries: rows))).encoded()) ?? []
        effects += client.handle(.datagram(Datagram(bytes: table, source: Self.server)), at: .zero)
        return (client, effects)
    }

    /// The server's answer to each lookup among `effects` (a save to y first looks y's row up, for the
    /// prekey that table deltas leave out): y's row, prekey included.
    static func answerLookups(_ client: inout ClientMachine, _ effects: [ClientEffect], at now: Instant = .zero) -> [ClientEffect] {
        Self.sends(effects).filter { $0.message.kind == .lookup }.flatMap { lookup in
            let reply = (try? Packet(id: lookup.id, message: .lookupReply(.found, entry: yRow)).encoded()) ?? []
            return client.handle(.datagram(Datagram(bytes: reply, source: Self.server)), at: now)
        }
    }

    @Test("nothing typed is lost: a save the server never answered goes to the outbox, with its id")
    func outboxKeepsUnansweredSave() {
        var (client, _) = Self.registered()
        let save = Self.sends(client.handle(.line("send y are you there"), at: .zero)).first
        var effects: [ClientEffect] = []
        var now = Instant.zero
        while !client.hasExited, let next = client.nextDeadline {
            now = next
            effects += client.handle(.tick, at: now)
        }
        #expect(effects.contains(.show(.serverNotResponding)))
        #expect(effects.contains(.keepInOutbox([PendingMessage(id: save?.id ?? 0, recipient: "y", text: "are you there")])))
    }

    @Test("the next start sends the kept messages with their ids, says so, and empties the outbox only once each has an outcome")
    func outboxSentAtNextStart() {
        let kept = [PendingMessage(id: 77, recipient: "y", text: "from last time"), PendingMessage(id: 78, recipient: "y", text: "and this")]
        var (client, effects) = Self.registered { $0.keptMessages = kept }
        #expect(effects.contains(.show(.resendingOutbox(count: 2))))
        #expect(!effects.contains { if case .keepInOutbox = $0 { true } else { false } }, "kept until answered: a crash now loses nothing")
        effects = Self.answerLookups(&client, effects)
        #expect(Self.sends(effects).contains { $0.id == 77 && $0.message.kind == .save }, "y is offline: saved, same id")
        let saved = (try? Packet(id: 77, message: .saveReply(.saved, peer: nil)).encoded()) ?? []
        effects = client.handle(.datagram(Datagram(bytes: saved, source: Self.server)), at: .zero + .milliseconds(1))
        #expect(effects.contains(.keepInOutbox([kept[1]])), "the saved one leaves the outbox")
        let alsoSaved = (try? Packet(id: 78, message: .saveReply(.saved, peer: nil)).encoded()) ?? []
        effects = client.handle(.datagram(Datagram(bytes: alsoSaved, source: Self.server)), at: .zero + .milliseconds(2))
        #expect(effects.contains(.keepInOutbox([])))
    }

    @Test("at a terminal, an online client stays after [Server not responding]: the message is kept, still tried, and leaves the outbox once saved")
    func staysWhenServerIsSilent() {
        var (client, _) = Self.registered { $0.staysWhenServerIsSilent = true }
        let save = Self.sends(client.handle(.line("send y are you there"), at: .zero)).first
        var effects: [ClientEffect] = []
        var now = Instant.zero
        while now < .zero + .seconds(20), let next = client.nextDeadline {
            now = next
            effects += client.handle(.tick, at: now)
        }
        #expect(!client.hasExited)
        #expect(effects.filter { $0 == .show(.serverNotResponding) }.count == 1, "said once per silence")
        #expect(effects.contains(.show(.keptWhileServerSilent(count: 1))))
        let message = PendingMessage(id: save?.id ?? 0, recipient: "y", text: "are you there")
        #expect(effects.contains(.keepInOutbox([message])))
        let found = (try? Packet(id: message.id, message: .lookupReply(.found, entry: Self.yRow)).encoded()) ?? []
        let sealed = client.handle(.datagram(Datagram(bytes: found, source: Self.server)), at: now)
        #expect(Self.sends(sealed).contains { $0.id == message.id && $0.message.kind == .save }, "y's prekey found: sealed and saved")
        let saved = (try? Packet(id: message.id, message: .saveReply(.saved, peer: nil)).encoded()) ?? []
        effects = client.handle(.datagram(Datagram(bytes: saved, source: Self.server)), at: now)
        #expect(effects.contains(.show(.savedByServer)) && effects.contains(.keepInOutbox([])))
    }
}
