import ChatKitCore
import Synchronization
import Testing
import ChatKitTesting

/// Bursts: lines pasted or piped in together, and the chats they send, are handled as batches; the
/// recipient answers a burst from one peer with one `chat-acks` datagram, and every message still gets
/// its own line on both sides.
@Suite("Bursts and batched acknowledgements")
struct BurstTests {
    /// Counts y's acknowledgement datagrams to x by kind. They are sealed, so they are told apart by
    /// size: y seals nothing else for x, and a lone `chat-ack` is the smallest sealed packet there is.
    final class AckWatch: Sendable {
        static let sealedChatAckBytes = WireLimits.sealingOverheadBytes + WireLimits.headerBytes
        let single = Counter()
        let multiple = Counter()

        func watch(_ sim: Simulation) {
            let x = sim["x"].address
            let y = sim["y"].address
            sim.network.intercept { [self] packet in
                guard packet.source == y, packet.destination == x, let decoded = try? Packet(decoding: packet.bytes),
                    case .sealed = decoded.message
                else { return .normal }
                if packet.bytes.count == Self.sealedChatAckBytes { single.increment() } else { multiple.increment() }
                return .normal
            }
        }
    }

    @Test("twenty pasted sends: twenty chats, one chat-acks datagram, twenty 'received' lines")
    func pastedBurst() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let acks = AckWatch()
        acks.watch(sim)
        let before = (x: sim["x"].shown.count, y: sim["y"].shown.count)
        sim["x"].console.paste((1...20).map { "send y burst \($0)" })
        sim.run(for: .milliseconds(100))
        #expect(sim["y"].shown(after: before.y) == (1...20).map { Notice.chat(from: "x", text: "burst \($0)") })
        #expect(sim["x"].shown(after: before.x) == Array(repeating: .delivered(to: "y"), count: 20))
        #expect(acks.multiple.count == 1)
        #expect(acks.single.count == 0)
    }

    @Test("a burst larger than one datagram of acknowledgements is answered in several")
    func largeBurst() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let acks = AckWatch()
        acks.watch(sim)
        let before = sim["x"].shown.count
        sim["x"].console.paste((1...300).map { "send y line \($0)" })
        sim.run(for: .milliseconds(200))
        let received = sim["x"].shown(after: before)
        #expect(received.count == 300)
        #expect(received.allSatisfy { $0 == .delivered(to: "y") })
        // 256 chats in flight at most: 144 + 112 acknowledged, then the last 44 in one more datagram.
        #expect(acks.multiple.count == 3)
        #expect(!sim["y"].shown.contains { $0.isNoAck })
    }

    @Test("a burst with 30% of chats and acknowledgements lost: one outcome per send, every message shown once", arguments: 1...50)
    func burstUnderLoss(seed: UInt64) {
        let sim = OriginalSessionTests.registered(["x", "y"], seed: seed)
        // Loss between the peers only: the server stays reachable, so neither client gives up on it (five
        // lost tries in a row end a client, as the original program's rule says).
        let random = Mutex(RandomSource.seeded(seed))
        let peers: Set<Address> = [sim["x"].address, sim["y"].address]
        sim.network.intercept { packet in
            guard peers.contains(packet.source), peers.contains(packet.destination) else { return .normal }
            return random.withLock { $0.next() % 10 < 3 } ? .drop : .normal
        }
        let before = sim["x"].shown.count
        let texts = (1...40).map { "burst \($0) of seed \(seed)" }
        sim["x"].console.paste(texts.map { "send y \($0)" })
        sim.run(for: .seconds(30))  // room for y, marked offline by a lost ACK, to register again
        let outcomes = sim["x"].shown(after: before).filter {
            $0 == .delivered(to: "y") || $0 == .savedByServer
        }
        #expect(outcomes.count == 40)
        let shown = sim["y"].shown.compactMap(\.messageText)
        for text in texts {
            #expect(shown.filter { $0 == text }.count == 1, "\(text)")
        }
    }

    @Test("a chat-acks in the clear acknowledges nothing, even from y's own address")
    func forgedBatchAck() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let ids = Mutex<[UInt64]>([])
        sim.network.intercept { packet in
            if let decoded = try? Packet(decoding: packet.bytes), case .handshakeInit = decoded.message { ids.withLock { $0.append(decoded.id) } }
            return .normal
        }
        sim["y"].crash()
        sim["x"].console.paste(["send y one", "send y two"])
        sim.run(for: .milliseconds(10))
        HostileInputTests.forge(sim, .chatAcks(ids: ids.withLock { $0 } + [1, 2]), to: sim["x"].address)
        HostileInputTests.forge(sim, .chatAcks(ids: Array(0..<144)), from: sim["y"].address, to: sim["x"].address)
        sim.run(for: .seconds(1))
        #expect(!sim["x"].shown.contains(.delivered(to: "y")))
        #expect(sim["x"].shown.filter { $0 == .noAck(from: "y") }.count == 2)
    }
}
