import ChatKitCore
import ChatKitTesting
import Testing

/// Peers behind routers, on the loopback network's NAT model: hole punching coordinated by the server,
/// the relay when punching cannot work, and the paths kept open.
@Suite("NAT traversal")
struct NATTests {
    static let server = "198.51.100.1"
    static let homeA = "203.0.113.1"
    static let homeB = "203.0.113.2"

    /// A server on a public address, and `placements`: each nick's host and, if it is behind one, its
    /// router's public host and behaviour.
    static func world(
        _ placements: [(nick: String, host: String, router: (String, NATBehaviour)?)], seed: UInt64 = 1, loss: Double = 0
    ) -> Simulation {
        let sim = Simulation(seed: seed, faults: FaultPlan(lossRate: loss))
        var routers: [String: (NATBehaviour, Set<String>)] = [:]
        for placement in placements {
            guard let (publicHost, behaviour) = placement.router else { continue }
            routers[publicHost, default: (behaviour, [])].1.insert(placement.host)
        }
        for (publicHost, (behaviour, inside)) in routers {
            sim.network.addRouter(publicHost: publicHost, insideHosts: inside, behaviour: behaviour)
        }
        sim.startServer()
        for (index, placement) in placements.enumerated() {
            sim.startClient(placement.nick, host: placement.host, port: UInt16(6061 + index))
            sim.run(for: .milliseconds(200))
        }
        sim.run(for: .seconds(1))
        return sim
    }

    /// Sends `text` from `sender` to `recipient` and returns how long the verdict took and what it was.
    static func send(_ sim: Simulation, _ sender: String, to recipient: String, _ text: String) -> (verdict: [Notice], after: Duration) {
        let before = sim[sender].shown.count
        let start = sim.clock.now
        sim[sender].console.type("send \(recipient) \(text)")
        var elapsed = Duration.zero
        while elapsed < .seconds(10) {
            sim.run(for: .milliseconds(1))
            elapsed = sim.clock.now - start
            let lines = sim[sender].shown(after: before)
            if lines.contains(where: { $0.isSendOutcome }) {
                return (lines, elapsed)
            }
        }
        return (sim[sender].shown(after: before), elapsed)
    }

    @Test("two homes behind port-preserving routers: the first message is punched through in well under 1 s, and the rest go direct")
    func twoHomes() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, .homeRouter))])
        let dropped = sim.network.statistics.dropped
        let first = Self.send(sim, "x", to: "y", "hello")
        #expect(first.verdict == [.delivered(to: "y")])
        #expect(first.after < .seconds(1), "\(first.after)")
        #expect(sim.network.statistics.dropped > dropped, "y's router turned away the first try, until y punched")
        for index in 1...5 {
            #expect(Self.send(sim, "x", to: "y", "again \(index)").verdict == [.delivered(to: "y")])
            #expect(Self.send(sim, "y", to: "x", "back \(index)").verdict == [.delivered(to: "x")])
        }
        #expect(sim["y"].shown.filter { $0.liveSender == "x" }.count == 6)
        #expect(sim.server?.statistics.chatsRelayed == 0 && sim.server?.statistics.messagesStored == 0)
        #expect(!sim["x"].shown.contains { $0.isNoAck })
    }

    @Test("both sides send at once: both first messages get through directly")
    func bothStartAtOnce() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, .homeRouter))])
        sim["x"].console.type("send y hi from x")
        sim["y"].console.type("send x hi from y")
        sim.run(for: .seconds(1))
        #expect(sim["x"].shown.suffix(2).contains(.delivered(to: "y")))
        #expect(sim["y"].shown.suffix(2).contains(.delivered(to: "x")))
        #expect(sim.server?.statistics.chatsRelayed == 0 && sim.server?.statistics.messagesStored == 0)
    }

    @Test("behind a symmetric NAT every message is delivered live through the relay; after the first, at once")
    func symmetricNATUsesRelay() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, .symmetric))])
        let first = Self.send(sim, "x", to: "y", "hello")
        #expect(first.verdict == [.noAck(from: "y"), .delivered(to: "y")])
        for index in 1...5 {
            let next = Self.send(sim, "x", to: "y", "again \(index)")
            #expect(next.verdict == [.delivered(to: "y")])
            // Every hop takes 1 ms: direct RTT 2 ms + server RTT 2 ms is the bound; the relay's 4 hops meet it.
            #expect(next.after <= .milliseconds(4), "send→ACK through the relay: \(next.after)")
        }
        // A minute later a punch is offered in the background; it cannot work here, so the relay goes on,
        // with no 500 ms wait and no "No ACK".
        sim.run(for: .seconds(61))
        for index in 6...7 {
            let later = Self.send(sim, "x", to: "y", "later \(index)")
            #expect(later.verdict == [.delivered(to: "y")])
        }
        #expect(sim["y"].shown.filter { $0.liveSender == "x" }.count == 8, "shown live, once each")
        #expect(sim.server?.statistics.messagesStored == 0)
        #expect(sim.server?.tableByNick["y"]?.online == true, "hard to reach is not gone")
        sim.type("x", "who")
        #expect(sim["x"].shown.contains { $0.infoText.map { $0.hasPrefix("y ") && $0.hasSuffix("online, via server") } == true })
    }

    @Test("routers that keep unsolicited flows (no wan input filter): the punch leaves from a clashing port, and every message still arrives live through the relay")
    func conntrackPortClash() {
        let sim = Self.world([
            ("x", "10.1.0.2", (Self.homeA, .masqueradeWithoutInputFilter)), ("y", "10.2.0.2", (Self.homeB, .masqueradeWithoutInputFilter)),
        ])
        let first = Self.send(sim, "x", to: "y", "hello")
        #expect(first.verdict == [.noAck(from: "y"), .delivered(to: "y")])
        for index in 1...3 {
            #expect(Self.send(sim, "x", to: "y", "again \(index)").verdict == [.delivered(to: "y")])
            #expect(Self.send(sim, "y", to: "x", "back \(index)").verdict.last == .delivered(to: "x"))
        }
        #expect(sim.server?.statistics.messagesStored == 0)
        #expect(sim["y"].shown.filter { $0.liveSender == "x" }.count == 4)
    }

    @Test("a pair moved to the relay by a passing fault goes direct again: a minute on, a background punch proves the path")
    func relayUpgradesToDirect() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, .homeRouter))])
        // The two homes cannot reach each other for a while (each still reaches the server).
        sim.network.intercept { packet in
            [Self.homeA, Self.homeB].contains(packet.destination.host) && !packet.source.host.hasPrefix("198.51.100.")
                && packet.source.host != "server" ? .drop : .normal
        }
        let first = Self.send(sim, "x", to: "y", "through the fault")
        #expect(first.verdict == [.noAck(from: "y"), .delivered(to: "y")])
        sim.network.intercept(nil)
        #expect(Self.send(sim, "x", to: "y", "still relayed").verdict == [.delivered(to: "y")])
        sim.run(for: .seconds(61))
        #expect(Self.send(sim, "x", to: "y", "offers a punch").verdict == [.delivered(to: "y")])
        let relayed = sim.server?.statistics.chatsRelayed ?? 0
        #expect(Self.send(sim, "x", to: "y", "direct again").verdict == [.delivered(to: "y")])
        #expect(sim.server?.statistics.chatsRelayed == relayed, "the next chat went direct")
        sim.type("x", "who")
        #expect(sim["x"].shown.contains { $0.infoText.map { $0.hasPrefix("y ") && $0.hasSuffix("online, direct") } == true })
    }

    @Test("two clients behind one router that does not hairpin reach each other on their local addresses")
    func sameRouterNoHairpin() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.1.0.3", (Self.homeA, .homeRouter))])
        for index in 1...3 {
            #expect(Self.send(sim, "x", to: "y", "lan \(index)").verdict == [.delivered(to: "y")])
            #expect(Self.send(sim, "y", to: "x", "lan back \(index)").verdict == [.delivered(to: "x")])
        }
        #expect(sim.server?.statistics.chatsRelayed == 0 && sim.server?.statistics.messagesStored == 0)
        sim.type("x", "who")
        #expect(sim["x"].shown.contains { $0.infoText.map { $0.hasPrefix("y ") && $0.hasSuffix("online, direct") } == true })
    }

    @Test("a public client and a home client reach each other directly, whoever starts")
    func publicAndHome() {
        let sim = Self.world([("p", "198.51.100.7", nil), ("y", "10.2.0.2", (Self.homeB, .homeRouter))])
        #expect(Self.send(sim, "p", to: "y", "to home").verdict == [.delivered(to: "y")])
        #expect(Self.send(sim, "y", to: "p", "to public").verdict == [.delivered(to: "p")])
        let other = Self.world([("p", "198.51.100.7", nil), ("y", "10.2.0.2", (Self.homeB, .homeRouter))], seed: 2)
        #expect(Self.send(other, "y", to: "p", "home first").verdict == [.delivered(to: "p")])
        #expect(Self.send(other, "p", to: "y", "then public").verdict == [.delivered(to: "y")])
        #expect(sim.server?.statistics.chatsRelayed == 0 && other.server?.statistics.chatsRelayed == 0)
    }

    @Test("an active conversation keeps its path open past the routers' 30 s binding timeout; after a long pause it punches again")
    func pathsStayOpen() {
        let sim = Self.world([("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, .homeRouter))])
        #expect(Self.send(sim, "x", to: "y", "hello").verdict == [.delivered(to: "y")])
        sim.run(for: .seconds(100))
        let later = Self.send(sim, "x", to: "y", "still there?")
        #expect(later.verdict == [.delivered(to: "y")])
        #expect(later.after < .milliseconds(10), "straight through the open path: \(later.after)")
        sim.run(for: .seconds(600))
        #expect(Self.send(sim, "y", to: "x", "after a pause").verdict == [.delivered(to: "x")])
        #expect(sim.server?.statistics.chatsRelayed == 0 && sim.server?.statistics.messagesStored == 0)
        #expect(sim.server?.tableByNick.values.allSatisfy(\.online) == true, "keepalives kept the server's bindings open")
    }

    @Test("with 10% loss behind routers, no message is lost or shown twice, and none is stored while its recipient lives", arguments: 1...20)
    func lossBehindRouters(seed: UInt64) {
        let sim = Self.world(
            [("x", "10.1.0.2", (Self.homeA, .homeRouter)), ("y", "10.2.0.2", (Self.homeB, seed % 2 == 0 ? .symmetric : .homeRouter)),
             ("z", "10.2.0.3", (Self.homeB, seed % 2 == 0 ? .symmetric : .homeRouter))],
            seed: seed, loss: 0.1)
        var sent: [String: Int] = [:]
        for index in 0..<10 {
            let (from, to) = [("x", "y"), ("y", "x"), ("z", "x"), ("y", "z")][index % 4]
            let verdict = Self.send(sim, from, to: to, "m\(index)").verdict
            #expect(verdict.last == .delivered(to: "\(to)"), "seed \(seed) m\(index): \(verdict)")
            sent[to, default: 0] += 1
        }
        sim.run(for: .seconds(10))
        for (nick, count) in sent {
            let shown = sim[nick].shown.compactMap(\.messageText)
            #expect(shown.count == count, "seed \(seed): \(nick) showed \(shown)")
            #expect(Set(shown).count == shown.count, "nothing shown twice")
        }
    }
}
