import ChatKitCore
import ChatKitTesting
import Testing

/// Nobody can turn the server or a peer into a loudspeaker, or lock others out: each mechanism a remote
/// party can trigger, measured on the real machines (`AbuseTrials`), and the rules behind them.
@Suite("Abuse: amplification, churn, log floods and lockouts")
struct AbuseRulesTests {
    typealias Harness = ServerHarness
    static let x = Address(host: "10.0.0.1", port: 6061)
    static let attacker = Address(host: "10.0.0.66", port: 6066)

    @Test("punch orders and the punches they cause send nobody more than the asker sent")
    func punchAmplification() {
        let (orders, punches) = AbuseTrials.punches()
        #expect(orders.targetBytes > 0, "an order still goes through: \(orders)")
        #expect(orders.ratio <= 1, "\(orders)")
        #expect(punches.targetBytes > 0, "x still punches toward the asker's candidates: \(punches)")
        #expect(punches.ratio <= 1, "\(punches)")
    }

    @Test("relays and probes toward a silent recipient stay under what the flooder sent, and every save is answered")
    func relayAmplification() {
        let (relays, probes, answered) = AbuseTrials.relaysToSilentRecipient()
        #expect(relays.ratio <= 1, "\(relays)")
        #expect(probes.ratio <= 1, "\(probes)")
        #expect(answered == 300)
    }

    @Test("re-registration churn: holders get at most one push a second, never more than the churner sent")
    func reRegistrationChurn() {
        let (pushes, toChurner) = AbuseTrials.reRegistrations()
        #expect(pushes.ratio <= 1, "\(pushes)")
        #expect(toChurner.ratio <= 1, "tables back to the churner are paced too: \(toChurner)")
    }

    @Test("a re-registration that changes nothing pushes nothing; a changed row waits its turn and goes out once")
    func idempotentReRegistration() {
        var server = Harness()
        let holder = Address(host: "10.0.0.2", port: 6062)
        _ = server.register("h", at: holder, id: 1)
        _ = server.register("a", at: Self.attacker, id: 2)
        _ = server.advance(by: .seconds(5))
        let again = server.asks(for: "a", id: 3, from: Self.attacker) + server.advance(by: .seconds(2))
        #expect(!again.contains { $0.1 == holder }, "nothing changed, nothing pushed")
        // Versions pushed (a resend of one, while the harness holds the holder's ack back, is not a new push).
        var pushed = Set<UInt64>()
        func heldBy(_ replies: [(Packet, Address)]) {
            for (packet, destination) in replies where destination == holder {
                guard case .tableDelta(let delta) = packet.message else { continue }
                pushed.insert(delta.to)
                heldBy(server.receive(.tableAck(token: delta.token, version: delta.to), id: 0, from: holder))
            }
        }
        for index in 0..<10 {
            let candidates = [Address(host: "10.0.0.\(5 + index % 2)", port: 1)]
            heldBy(server.asks(for: "a", id: UInt64(10 + index), from: Self.attacker, candidates: candidates) + server.advance(by: .milliseconds(100)))
        }
        heldBy(server.advance(by: .seconds(1)))
        // The last registration came too soon and heard "checking"; its retry gets it, as a client's would.
        heldBy(server.asks(for: "a", id: 19, from: Self.attacker, candidates: [Address(host: "10.0.0.6", port: 1)]))
        heldBy(server.advance(by: .seconds(3)))
        #expect(pushed.count <= 5, "a burst of 3, then one a second: \(pushed.count)")
        #expect(server.machine.tableByNick["a"]?.candidates == [Address(host: "10.0.0.6", port: 1)], "the last change wins")
    }

    @Test("a cookie is good for one registration: a new request with an old cookie is challenged again")
    func cookieOnce() {
        var server = Harness()
        _ = server.register("a", at: Self.attacker, id: 1)
        let key = server.keys["a"]
        guard let key else { return #expect(Bool(false)) }
        let first = server.receive(.register(nick: "a", token: 0, proof: IdentityProof(publicKey: key.publicKey)), id: 2, from: Self.attacker)
        guard case .registerReply(.challenge, _, let cookie, _)? = first.first?.0.message else { return #expect(Bool(false)) }
        let granted = server.receive(.register(nick: "a", token: 0, proof: .signed(cookie: cookie, nick: "a", key: key)), id: 2, from: Self.attacker)
        #expect(granted.first.map { if case .registerReply(.reRegistered, _, _, _) = $0.0.message { true } else { false } } == true)
        let reused = server.receive(.register(nick: "a", token: 0, proof: .signed(cookie: cookie, nick: "a", key: key)), id: 3, from: Self.attacker)
        #expect(reused.first.map { if case .registerReply(.challenge, _, _, _) = $0.0.message { true } else { false } } == true)
    }

    @Test("host candidates: deduplicated, capped, no public address, loopback only from a loopback client")
    func candidateFilter() {
        var server = Harness()
        let loopback = Address(host: "127.0.0.1", port: 9)
        // The wire carries 8 at most.
        let offered = [
            loopback, loopback, Address(host: "8.8.8.8", port: 1), Address(host: "10.0.0.5", port: 1), Address(host: "10.0.0.5", port: 1),
            Self.attacker, Address(host: "192.168.1.2", port: 1), Address(host: "172.16.0.3", port: 1),
        ]
        _ = server.register("a", at: Self.attacker, id: 1, candidates: offered)
        #expect(server.machine.tableByNick["a"]?.candidates == [
            Address(host: "10.0.0.5", port: 1), Address(host: "192.168.1.2", port: 1), Address(host: "172.16.0.3", port: 1),
        ])
        let many = ["fd00::4", "10.9.9.9", "10.1.1.1", "10.2.2.2", "10.3.3.3"].map { Address(host: $0, port: 1) }
        _ = server.register("c", at: Address(host: "10.0.0.67", port: 6066), id: 3, candidates: many)
        #expect(server.machine.tableByNick["c"]?.candidates == Array(many.prefix(4)))
        _ = server.register("b", at: Address(host: "127.0.0.1", port: 7), id: 2, candidates: [loopback, loopback])
        #expect(server.machine.tableByNick["b"]?.candidates == [loopback])
    }

    @Test("one punch order per pair per second, and none bigger than its request")
    func punchOrderPacing() {
        var server = Harness()
        _ = server.register("x", at: Self.x, id: 1)
        let token = server.register("a", at: Self.attacker, id: 2)
        let unpadded = server.receive(.punchRequest(token: token, peer: "x", nonce: 1), id: 3, from: Self.attacker)
        #expect(unpadded.isEmpty, "a request too small for its order gets none")
        let padding = Message.punchRequestPadding(asker: "a", peer: "x", candidates: [])
        var orders = 0
        for index in 0..<50 {
            orders += server.receive(.punchRequest(token: token, peer: "x", nonce: UInt64(10 + index), padding: padding), id: UInt64(10 + index), from: Self.attacker).count
            _ = server.advance(by: .milliseconds(40))
        }
        #expect(orders == 2, "two seconds, two orders: \(orders)")
    }

    @Test("every log line a remote party can cause is rate-limited: 5,000 saves to an online recipient log 20 lines")
    func logFlood() {
        #expect(AbuseTrials.logLines() <= 21)
    }

    @Test("a one-network flood cannot lock out a sender on another network, nor one the recipient wrote to")
    func mailboxFlood() {
        let result = AbuseTrials.mailboxFlood()
        #expect(result.flooded == 250, "four nicks on one network share one quarter of the mailbox: \(result)")
        #expect(result.honestStored == 20 && result.contactStored == 20, "\(result)")
    }

    @Test("the new-nick limit counts an IPv6 /64 as one host, and exempts loopback unless told not to")
    func newNickNetworks() {
        var server = Harness()
        var outcomes: [RegisterOutcome] = []
        for index in 0..<31 {
            let address = Address(host: "2001:db8:1:2::\(String(index + 1, radix: 16))", port: 6000)
            if case .registerReply(let outcome, _, _, _)? = server.asks(for: "v\(index)", id: UInt64(index + 1), from: address).first?.0.message {
                outcomes.append(outcome)
            }
        }
        #expect(outcomes.last == .tooManyNewNicks && outcomes.dropLast().allSatisfy { $0 == .registered })
        let other = server.asks(for: "w", id: 100, from: Address(host: "2001:db8:1:3::1", port: 6000))
        #expect(other.first.map { if case .registerReply(.registered, _, _, _) = $0.0.message { true } else { false } } == true)
        for limited in [false, true] {
            var local = Harness { $0.limitNewNicksFromLoopback = limited }
            let granted = (0..<40).filter { index in
                let replies = local.asks(for: "p\(index)", id: UInt64(index + 1), from: Address(host: "127.0.0.1", port: UInt16(7000 + index)))
                if case .registerReply(.registered, _, _, _)? = replies.first?.0.message { return true }
                return false
            }.count
            #expect(granted == (limited ? 30 : 40), "40 people on one machine, limit on loopback \(limited): \(granted)")
        }
    }

    @Test("source networks: IPv4 as itself, IPv6 by its /64, mapped IPv4 as IPv4")
    func sourceNetworks() {
        #expect(Address(host: "192.0.2.7", port: 1).sourceNetwork == "192.0.2.7")
        #expect(Address(host: "2001:db8:1:2::99", port: 1).sourceNetwork == "2001:db8:1:2::/64")
        #expect(Address(host: "2001:0db8:0001:0002:ffff:0:0:1", port: 1).sourceNetwork == "2001:db8:1:2::/64")
        #expect(Address(host: "::ffff:192.0.2.7", port: 1).sourceNetwork == "192.0.2.7")
        #expect(Address(host: "::1", port: 1).isLoopback && Address(host: "127.3.0.1", port: 1).isLoopback)
        #expect(!Address(host: "10.0.0.1", port: 1).isLoopback && !Address(host: "::2", port: 1).isLoopback)
    }
}


extension AbuseRulesTests {
    @Test("each log event's cause is its case name, as the held-back line says it")
    func logCauses() {
        let events: [ServerLogEvent] = [
            .registered(nick: "x", at: Self.x, returning: false), .recipientOnline(recipient: "x", sender: "a"),
            .dropped(reason: "r", total: 1), .heldBack(count: 3, cause: "saved"),
        ]
        for event in events {
            #expect(event.cause == Mirror(reflecting: event).children.first?.label, "\(event)")
        }
    }
}
