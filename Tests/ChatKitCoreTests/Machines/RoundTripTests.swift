import ChatKitCore
import ChatKitTesting
import StoreMemory
import Testing

/// Relays are timed from the recipient's measured round trip (RFC 6298), so a vanished recipient's chat
/// is stored sooner on a fast path, and no sooner than the floor allows on a slow one.
@Suite("Round trips: RFC 6298 estimates time the relay")
struct RoundTripTests {
    @Test("the estimator follows RFC 6298: the first sample sets SRTT and RTTVAR = SRTT/2; the timeout stays within floor and cap")
    func estimator() {
        var estimator = RoundTripEstimator()
        #expect(estimator.timeout(floor: .milliseconds(50), cap: .milliseconds(200), fallback: .milliseconds(200)) == .milliseconds(200))
        estimator.add(.milliseconds(40))
        #expect(estimator.smoothed == .milliseconds(40) && estimator.variation == .milliseconds(20))
        #expect(estimator.timeout(floor: .milliseconds(50), cap: .milliseconds(500), fallback: .zero) == .milliseconds(120))
        estimator.add(.milliseconds(80))
        #expect(estimator.smoothed == .milliseconds(45) && estimator.variation == .milliseconds(25))
        estimator.add(.microseconds(500))
        #expect(estimator.timeout(floor: .milliseconds(50), cap: .milliseconds(100), fallback: .zero) == .milliseconds(100))
        var fast = RoundTripEstimator()
        for _ in 0..<20 { fast.add(.milliseconds(1)) }
        #expect(fast.timeout(floor: .milliseconds(50), cap: .milliseconds(200), fallback: .zero) == .milliseconds(50))
    }

    /// When a chat to `x`, which acknowledged its table after `tableAckAfter` and then fell silent, is
    /// answered "saved" after the sender's "no ACK" save.
    static func savedAfter(tableAckAfter delay: Duration) -> Duration? {
        var server = ServerHarness()
        server.store = MemoryStore()
        let x = Address(host: "10.0.0.1", port: 6061)
        let a = Address(host: "10.0.0.2", port: 6062)
        let replies = server.asks(for: "x", id: 1, from: x)
        guard case .registerReply(_, let xToken, _, _)? = replies.first?.0.message else { return nil }
        for (packet, _) in server.advance(by: .zero) {
            guard case .tableDelta(let delta) = packet.message, delta.token == xToken else { continue }
            _ = server.advance(by: delay)
            _ = server.receive(.tableAck(token: xToken, version: delta.to), id: 99, from: x)
        }
        let aToken = server.register("a", at: a, id: 2)
        let start = server.now
        var packets = server.receive(.save(SaveRequest(token: aToken, recipient: "x", reason: .noAck, text: "gone?")), id: 3, from: a)
        for _ in 0..<200 where !packets.contains(where: { $0.1 == a && $0.0.id == 3 }) {
            packets += server.advance(by: .milliseconds(5))
        }
        return packets.contains { $0.1 == a && $0.0.id == 3 } ? server.now - start : nil
    }

    @Test("stored messages ride in the welcome's burst: reply, table, then the batch, before any table acknowledgement")
    func storedMessagesInWelcomeBurst() throws {
        var server = ServerHarness()
        let store = MemoryStore()
        server.store = store
        let x = Address(host: "10.0.0.1", port: 6061)
        let message = StoredMessage(recipient: "x", key: MessageKey(sender: "y", id: 1), savedAtMicroseconds: 0, text: "offline?")
        _ = try store.save([message], limits: ServerConfig().mailboxLimits)
        let burst = server.asks(for: "x", id: 1, from: x) + server.advance(by: .zero)
        let kinds = burst.filter { $0.1 == x }.map(\.0.message.kind)
        #expect(kinds == [.registerReply, .tableDelta, .offlineBatch], "\(kinds)")
    }

    @Test("the client's requests follow the server's measured round trip: the first retry after 250 ms, then the timeout (100 ms at least), doubling up to 500 ms; echoed 20 ms later once the path is lossy")
    func requestsFollowRoundTrip() {
        var config = ClientConfig(nick: "x", server: Address(host: "10.0.0.100", port: 6000))
        config.random = .seeded(3)
        var client = ClientMachine(config: config)
        func registers(_ effects: [ClientEffect]) -> [Packet] {
            effects.compactMap { if case .send(let packet, _) = $0 { packet } else { nil } }
        }
        let first = registers(client.handle(.start, at: .zero))
        #expect(client.nextDeadline == .zero + .milliseconds(250), "no round trip measured yet")
        guard let id = first.first?.id, let challenge = try? Packet(id: id, message: .registerReply(.challenge, token: 0, cookie: [1, 2, 3])).encoded()
        else { return #expect(Bool(false)) }
        let signed = registers(client.handle(.datagram(Datagram(bytes: challenge, source: config.server)), at: .zero + .milliseconds(20)))
        #expect(signed.count == 1)
        // 20 ms measured: SRTT 20 ms, RTTVAR 10 ms, so the timeout is 60 ms, raised to the 100 ms floor.
        var tries: [Duration] = []
        var now = Instant.zero + .milliseconds(20)
        while tries.count < 4, let next = client.nextDeadline {
            now = next
            if !registers(client.handle(.tick, at: now)).isEmpty { tries.append(now - .zero) }
        }
        // The retry at 120 ms shows the path lossy (one exchange of two lost its first send): from then on
        // every send is echoed 20 ms later.
        #expect(tries == [.milliseconds(120), .milliseconds(140), .milliseconds(320), .milliseconds(340)])
    }

    @Test("a vanished recipient on a fast path: its chat is stored after 5 × 50 ms of relay tries, not 5 × 200 ms")
    func fastPathStoresSooner() {
        let fast = Self.savedAfter(tableAckAfter: .milliseconds(1))
        let slow = Self.savedAfter(tableAckAfter: .milliseconds(150))
        #expect(fast.map { $0 <= .milliseconds(300) } == true, "\(String(describing: fast))")
        #expect(slow.map { $0 >= .milliseconds(900) } == true, "a 150 ms path keeps the 200 ms cap: \(String(describing: slow))")
    }
}

/// `PathLoss`: which paths get their requests echoed.
@Suite("Path loss: lossy paths echo their requests")
struct PathLossTests {
    @Test("lossy when a quarter or more of the last 8 exchanges lost their first send, once the path has answered")
    func lossyWindow() {
        var loss = PathLoss()
        #expect(!loss.isLossy, "no exchange yet")
        loss.record(lost: true)
        #expect(!loss.isLossy, "nothing answered: a dead path, not a lossy one")
        loss.answered()
        #expect(loss.isLossy)
        loss.record(lost: false)
        #expect(loss.isLossy, "1 of 2")
        for _ in 0..<7 { loss.record(lost: false) }
        #expect(!loss.isLossy, "the loss fell out of the window")
        loss.record(lost: true)
        #expect(!loss.isLossy, "1 of 8")
        loss.record(lost: true)
        #expect(loss.isLossy, "2 of 8")
    }
}
