import ChatKitCore
import Foundation
import Synchronization
import TransportLoopback

/// An active attacker on every path of a chaos run: it sees every datagram between peers and every
/// letter the server hands a client, and now and then replays one, sends one back changed, forges a chat
/// in the clear from a peer's address, or takes a departed client's port and keeps what arrives there.
/// It draws from a generator of its own, so the rest of the run's choices stay as they were. What it sends
/// is never typed by anyone, so the delivery checker's "shown, never sent" and "shown twice" catch any of
/// it shown; `overheard` must hold no typed text.
final class ChaosAttacker: Sendable {
    private struct State {
        var captured: [LoopbackPacket] = []
        var next = 0
        var overheard: [[UInt8]] = []
        var squatters: [LoopbackTransport] = []
        var counts: [String: Int] = [:]
    }

    /// How many captured datagrams it keeps to replay or change.
    static let capacity = 256
    private let state = Mutex(State())
    private let network: LoopbackNetwork
    /// The servers' addresses (several in a group): what clients send them is not its to change.
    private let servers: Set<Address>

    init(network: LoopbackNetwork, servers: Set<Address>) {
        self.network = network
        self.servers = servers
        network.intercept { [self] packet in
            if isWorthCapturing(packet) { capture(packet) }
            return .normal
        }
    }

    /// What it did, by kind, for the run's summary.
    var counts: [String: Int] { state.withLock { $0.counts } }

    /// Everything that reached a port it squats on.
    var overheard: [[UInt8]] { state.withLock { $0.overheard } }

    /// Peer traffic (chats, ACKs, handshakes, punches) and the letters the server hands clients.
    private func isWorthCapturing(_ packet: LoopbackPacket) -> Bool {
        if !servers.contains(packet.source), !servers.contains(packet.destination) { return true }
        guard servers.contains(packet.source), packet.bytes.count > 3 else { return false }
        return packet.bytes[3] == MessageKind.relayedChat.rawValue || packet.bytes[3] == MessageKind.offlineBatch.rawValue
    }

    private func capture(_ packet: LoopbackPacket) {
        state.withLock { state in
            if state.captured.count < Self.capacity {
                state.captured.append(packet)
            } else {
                state.captured[state.next] = packet
                state.next = (state.next + 1) % Self.capacity
            }
        }
    }

    /// One attack, chosen with `random`; returns what it did, for the trace (nil: nothing to work on).
    func attack(_ random: inout RandomSource, forging nicks: [String]) -> String? {
        let captured = state.withLock { $0.captured }
        guard !captured.isEmpty else { return nil }
        let packet = captured[Int(random.next() % UInt64(captured.count))]
        switch random.next() % 10 {
        case 0..<4:
            network.inject(packet.bytes, from: packet.source, to: packet.destination)
            return counted("replay", "replays a datagram from \(packet.source) to \(packet.destination)")
        case 4..<7:
            var bytes = packet.bytes
            let at = 12 + Int(random.next() % UInt64(max(1, bytes.count - 12)))
            guard at < bytes.count else { return nil }
            bytes[at] ^= UInt8(1 + random.next() % 255)
            network.inject(bytes, from: packet.source, to: packet.destination)
            return counted("tamper", "sends a datagram from \(packet.source) to \(packet.destination) changed at byte \(at)")
        default:
            let nick = nicks[Int(random.next() % UInt64(nicks.count))]
            let text = "forged by the attacker \(random.next() % 1_000_000)"
            guard let bytes = try? Packet(id: random.next(), message: .chat(from: nick, text: text)).encoded() else { return nil }
            network.inject(bytes, from: packet.source, to: packet.destination)
            return counted("forge", "forges a clear chat from \(nick) at \(packet.source) to \(packet.destination)")
        }
    }

    /// Binds the address a crashed client left, keeping whatever arrives there.
    func squat(on address: Address) -> String {
        let transport = network.bind(address)
        transport.startReceiving { [self] datagram in state.withLock { $0.overheard.append(datagram.bytes) } }
        state.withLock { $0.squatters.append(transport) }
        return counted("squat", "takes \(address), the port a crashed client left")
    }

    /// Whether any datagram that reached a squatted port carried `text` in the clear.
    func overheard(_ text: String) -> Bool {
        let needle = Data(text.utf8)
        return overheard.contains { Data($0).range(of: needle) != nil }
    }

    private func counted(_ kind: String, _ line: String) -> String {
        state.withLock { $0.counts[kind, default: 0] += 1 }
        return "attacker " + line
    }
}
