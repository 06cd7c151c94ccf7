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
        guard case .registerReply(_, let xToken, _)? = replies.first?.0.message else { return nil }
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

    @Test("a vanished recipient on a fast path: its chat is stored after 5 × 50 ms of relay tries, not 5 × 200 ms")
    func fastPathStoresSooner() {
        let fast = Self.savedAfter(tableAckAfter: .milliseconds(1))
        let slow = Self.savedAfter(tableAckAfter: .milliseconds(150))
        #expect(fast.map { $0 <= .milliseconds(300) } == true, "\(String(describing: fast))")
        #expect(slow.map { $0 >= .milliseconds(900) } == true, "a 150 ms path keeps the 200 ms cap: \(String(describing: slow))")
    }
}
