import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import TransportUDP

/// A protocol-level client on a real UDP socket, for tests that talk to a real server directly.
final class RawClient: Sendable {
    let transport: UDPTransport
    let server: Address
    let received = Inbox<Packet>()

    /// Every datagram received, as (bytes, from whom).
    let datagrams = Inbox<(bytes: Int, source: Address)>()

    /// A raw client of `server` on `host` (a loopback address); `key` is its user's key (a fresh one
    /// unless given). With `acksTables`, it acknowledges every table delta, as an honest client does.
    init(server: Address, host: String = "127.0.0.1", key: IdentityKey? = try? IdentityKey.generate(), acksTables: Bool = false) throws {
        self.server = server
        self.key = key
        let transport = try UDPTransport(port: 0, host: host)
        self.transport = transport
        let received = self.received
        let datagrams = self.datagrams
        transport.startReceiving { datagram in
            datagrams.append((datagram.bytes.count, datagram.source))
            guard let packet = try? Packet(decoding: datagram.bytes) else { return }
            received.append(packet)
            if acksTables, case .tableDelta(let delta) = packet.message,
                let ack = try? Packet(id: 0, message: .tableAck(token: delta.token, version: delta.to)).encoded()
            {
                transport.send(ack, to: server)
            }
        }
    }

    /// The bytes received so far.
    var bytesReceived: Int { datagrams.all.reduce(0) { $0 + $1.bytes } }

    /// Sends `packet` once and returns its size in bytes.
    @discardableResult
    func sendCounted(_ packet: Packet) -> Int {
        guard let bytes = try? packet.encoded() else { return 0 }
        transport.send(bytes, to: server)
        sent.append(bytes.count)
        return bytes.count
    }

    deinit {
        transport.close()
    }

    func send(_ packet: Packet) {
        sendCounted(packet)
    }

    /// The sizes of every datagram sent so far.
    let sent = Inbox<Int>()

    /// The bytes sent so far.
    var bytesSent: Int { sent.all.reduce(0, +) }

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

    /// Registers `nick` (with host `candidates`), answering the server's challenge, and returns the
    /// session token.
    func register(_ nick: String, id: UInt64, candidates: [Address] = []) -> UInt64? {
        guard let key else { return nil }
        var cookie: [UInt8] = []
        for _ in 0..<3 {
            let proof = IdentityProof.signed(cookie: cookie, nick: nick, key: key)
            guard case .registerReply(let outcome, let token, let challenge, _)? = request(
                Packet(id: id, message: .register(nick: nick, token: 0, proof: proof, candidates: candidates)))?.message
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
