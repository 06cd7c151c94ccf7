import ChatKitCore
import ChatKitCrypto
import TransportUDP

/// A protocol-level client on a real UDP socket, for tests that talk to a real server directly.
final class RawClient: Sendable {
    let transport: UDPTransport
    let server: Address
    let received = Inbox<Packet>()

    /// A raw client of `server`; `key` is its user's key (a fresh one unless given).
    init(server: Address, key: IdentityKey? = try? IdentityKey.generate()) throws {
        self.server = server
        self.key = key
        transport = try UDPTransport(port: 0, host: "127.0.0.1")
        let received = self.received
        transport.startReceiving { datagram in
            if let packet = try? Packet(decoding: datagram.bytes) { received.append(packet) }
        }
    }

    deinit {
        transport.close()
    }

    func send(_ packet: Packet) {
        if let bytes = try? packet.encoded() { transport.send(bytes, to: server) }
    }

    /// Sends `packet` until a reply with its id arrives (every 200 ms, for up to 5 s).
    func request(_ packet: Packet) -> Packet? {
        for _ in 0..<25 {
            send(packet)
            if received.wait(timeout: .milliseconds(200), until: { $0.contains { $0.id == packet.id } }) {
                return received.all.first { $0.id == packet.id }
            }
        }
        return nil
    }

    /// The raw client's identity key.
    let key: IdentityKey?

    /// Registers `nick`, answering the server's challenge, and returns the session token.
    func register(_ nick: String, id: UInt64) -> UInt64? {
        guard let key else { return nil }
        var cookie: [UInt8] = []
        for _ in 0..<3 {
            let proof = IdentityProof.signed(cookie: cookie, nick: nick, key: key)
            guard case .registerReply(let outcome, let token, let challenge)? = request(
                Packet(id: id, message: .register(nick: nick, token: 0, proof: proof)))?.message
            else { return nil }
            if outcome == .challenge {
                cookie = challenge
                received.removeAll { $0.id == id }
                continue
            }
            return outcome == .registered || outcome == .reRegistered ? token : nil
        }
        return nil
    }
}
