@testable import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Synchronization
import Testing
import TransportLoopback

/// End to end: what crosses the network between peers is sealed, and nothing forged, replayed, tampered
/// with, or sent by a process on a departed peer's port is shown. Keys are pinned, changes are warned
/// about, and both people see the same safety number.
@Suite("End to end: sealed sessions between peers")
struct EndToEndTests {
    /// Every datagram the network carried, with where it went.
    final class Tap: Sendable {
        private let seen = Mutex<[LoopbackPacket]>([])
        var packets: [LoopbackPacket] { seen.withLock { $0 } }

        init(_ sim: Simulation) {
            sim.network.intercept { [self] packet in
                seen.withLock { $0.append(packet) }
                return .normal
            }
        }

        /// Whether any datagram carried `text` in the clear.
        func carried(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            return packets.contains { packet in
                packet.bytes.count >= needle.count
                    && (0...(packet.bytes.count - needle.count)).contains { Array(packet.bytes[$0..<$0 + needle.count]) == needle }
            }
        }

        /// The sealed datagrams from `source` to `destination`.
        func sealed(from source: Address, to destination: Address) -> [LoopbackPacket] {
            packets.filter { packet in
                guard packet.source == source, packet.destination == destination, let decoded = try? Packet(decoding: packet.bytes),
                    case .sealed = decoded.message
                else { return false }
                return true
            }
        }
    }

    @Test("a chat and its ACK cross the network sealed: the text is in no datagram, and both sides print as before")
    func chatsAreSealed() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let tap = Tap(sim)
        sim.type("x", "send y the quiet words", settle: .milliseconds(200))
        #expect(sim["y"].shown.last == .chat(from: "x", text: "the quiet words"))
        #expect(sim["x"].shown.last == .delivered(to: "y"))
        #expect(!tap.carried("the quiet words"))
        #expect(tap.sealed(from: sim["x"].address, to: sim["y"].address).count == 1, "one sealed chat")
        #expect(tap.sealed(from: sim["y"].address, to: sim["x"].address).count == 1, "one sealed ACK")
    }

    @Test("a chat or ACK in the clear is shown by nobody, even from the peer's own address")
    func clearTextIsRefused() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let before = sim["x"].shown.count
        HostileInputTests.forge(sim, .chat(from: "y", text: "forged"), id: 77, from: sim["y"].address, to: sim["x"].address)
        sim.run(for: .milliseconds(100))
        #expect(sim["x"].shown(after: before).isEmpty)
    }

    @Test("a replayed sealed chat is refused by the replay window, and a tampered one by its tag; each is counted")
    func replayAndTamper() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let tap = Tap(sim)
        sim.type("x", "send y once only", settle: .milliseconds(200))
        let captured = try #require(tap.sealed(from: sim["x"].address, to: sim["y"].address).first)
        let failures = sim["y"].driver.peerAuthenticationFailures
        sim.network.inject(captured.bytes, from: captured.source, to: captured.destination)
        var tampered = captured.bytes
        tampered[tampered.count - 20] ^= 0x01
        sim.network.inject(tampered, from: captured.source, to: captured.destination)
        sim.run(for: .milliseconds(100))
        #expect(sim["y"].shown.filter { $0 == .chat(from: "x", text: "once only") }.count == 1)
        #expect(sim["y"].driver.peerAuthenticationFailures == failures + 2)
    }

    @Test("a process on y's freed port reads nothing, is shown as nobody, and x's chat goes to the server")
    func squatterOnFreedPort() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let yAddress = sim["y"].address
        sim["y"].crash()
        // Mallory binds y's port and answers handshakes as "y", with a key of her own.
        let squatter = sim.network.bind(yAddress)
        let received = Mutex<[[UInt8]]>([])
        let mallory = try IdentityKey(privateKey: [UInt8](repeating: 0x4D, count: 32))
        let handshakes = Mutex(PeerHandshakes(nick: "y", identity: mallory, staticKey: try X25519Key(privateKey: [UInt8](repeating: 0x4E, count: 32))))
        squatter.startReceiving { datagram in
            received.withLock { $0.append(datagram.bytes) }
            guard let packet = try? Packet(decoding: datagram.bytes), case .handshakeInit(let from, let sender, let noise, _) = packet.message,
                let reply = handshakes.withLock({
                    $0.answer(from: from, sender: sender, noise: noise, index: 9, ephemeral: [UInt8](repeating: 0x4F, count: 32), now: .zero)
                }),
                let bytes = try? reply.encoded()
            else { return }
            squatter.send(bytes, to: datagram.source)
        }
        let tap = Tap(sim)
        let before = sim["x"].shown.count
        sim.type("x", "send y for y alone", settle: .seconds(2))
        let shown = sim["x"].shown(after: before)
        #expect(!shown.contains(.delivered(to: "y")), "mallory cannot acknowledge as y")
        #expect(shown.contains(.noAck(from: "y")) && shown.contains(.savedByServer), "the chat goes to the server")
        #expect(!shown.contains { if case .peerKeyChanged = $0 { true } else { false } }, "no session stood, so no key was pinned")
        #expect(!received.withLock { $0 }.isEmpty, "mallory did get datagrams")
        #expect(tap.sealed(from: sim["x"].address, to: yAddress).isEmpty, "but nothing sealed, let alone in the clear")
        #expect(!tap.carried("for y alone") || !received.withLock { $0 }.contains { String(decoding: $0, as: UTF8.self).contains("for y alone") })
    }

    @Test("a changed key is warned about before the first chat from it, which is then shown")
    func keyChangeIsWarned() throws {
        let sim = Simulation(seed: 3)
        sim.startServer()
        let oldKey = try IdentityKey(privateKey: [UInt8](repeating: 0x0D, count: 32)).publicKey
        sim.startClient("x", host: "127.0.0.1", port: 6061) { $0.pinnedKeys = [PeerKeyPin(nick: "y", publicKey: oldKey, verified: true)] }
        sim.run(for: .milliseconds(100))
        sim.startClient("y", host: "127.0.0.1", port: 6062)
        sim.run(for: .milliseconds(100))
        let before = sim["x"].shown.count
        sim.type("y", "send x it is still me", settle: .milliseconds(200))
        #expect(sim["x"].shown(after: before) == [.peerKeyChanged("y", wasVerified: true), .chat(from: "y", text: "it is still me")])
    }

    @Test("verify: both people see the same 60 digits; 'ok' marks the key verified, and the next verify says so")
    func safetyNumbers() throws {
        let sim = OriginalSessionTests.registered(["x", "y"])
        let before = (x: sim["x"].shown.count, y: sim["y"].shown.count)
        sim.type("x", "verify y")
        #expect(sim["x"].shown(after: before.x).first?.problemText?.hasPrefix("No key is pinned for <y> yet") == true)
        sim.type("x", "send y hi", settle: .milliseconds(200))
        sim.type("x", "verify y")
        sim.type("y", "verify x")
        guard case .safetyNumber("y", let fromX, false)? = sim["x"].shown.last,
            case .safetyNumber("x", let fromY, false)? = sim["y"].shown.last
        else { return #expect(Bool(false), "both show a safety number: \(sim["x"].shown.suffix(2)), \(sim["y"].shown.suffix(1))") }
        #expect(fromX == fromY)
        #expect(fromX.split(separator: " ").count == 12 && fromX.filter(\.isNumber).count == 60)
        sim.type("x", "verify y ok")
        #expect(sim["x"].shown.last == .keyVerified("y"))
        sim.type("x", "verify y")
        #expect(sim["x"].shown.last == .safetyNumber(peer: "y", digits: fromX, verified: true))
    }

    @Test("y restarts on the same port: x's next chat finds the new process within the ACK timeout, with no key warning")
    func peerRestart() {
        let sim = OriginalSessionTests.registered(["x", "y"])
        sim.type("x", "send y before", settle: .milliseconds(200))
        sim["y"].crash()
        sim.startClient("y", host: "127.0.0.1", port: 6062) { $0.restarted = true }
        sim.run(for: .milliseconds(300))
        let before = sim["x"].shown.count
        sim.type("x", "send y after", settle: .milliseconds(600))
        #expect(sim["x"].shown(after: before).filter(\.isSendOutcome) == [.delivered(to: "y")])
        #expect(sim["y"].shown.contains(.chat(from: "x", text: "after")))
        #expect(!sim["x"].shown.contains { if case .peerKeyChanged = $0 { true } else { false } })
    }
}
