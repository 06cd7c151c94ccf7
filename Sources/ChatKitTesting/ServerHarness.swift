import ChatKitCore
import ChatKitCrypto

/// A server machine driven by hand: datagrams in, packets out, time moved on at will. Tests and the
/// benchmark use it to check one server rule at a time, without a network.
public struct ServerHarness {
    /// The machine under test.
    public var machine: ServerMachine
    /// The machine's monotonic time.
    public var now = Instant.zero
    /// The wall clock the machine is told, in microseconds since 1970.
    public var wallClock: Int64 = 0
    /// One key per nick: a second process of the same user has the same key.
    public var keys: [String: IdentityKey] = [:]
    /// Where saves go, answered at once; without one, saves wait unanswered.
    public var store: (any OfflineStore)?
    /// Every log event the machine emitted, in order.
    public private(set) var logged: [ServerLogEvent] = []

    /// A server with seeded randomness, configured by `configure`.
    public init(_ configure: (inout ServerConfig) -> Void = { _ in }) {
        var config = ServerConfig()
        config.random = .seeded(5)
        configure(&config)
        machine = ServerMachine(config: config)
    }

    /// Handles one datagram; returns the packets sent, with their destinations.
    public mutating func receive(_ message: Message, id: UInt64, from source: Address) -> [(Packet, Address)] {
        receive(bytes: (try? Packet(id: id, message: message).encoded()) ?? [], from: source)
    }

    /// Handles one datagram given as bytes; returns the packets sent, with their destinations.
    public mutating func receive(bytes: [UInt8], from source: Address) -> [(Packet, Address)] {
        carryOut(machine.handle(.datagram(Datagram(bytes: bytes, source: source)), at: now, wallClockMicroseconds: wallClock))
    }

    /// Moves time on by `duration`, ticking at every deadline on the way; returns the packets sent.
    public mutating func advance(by duration: Duration) -> [(Packet, Address)] {
        let end = now + duration
        var packets: [(Packet, Address)] = []
        while let deadline = machine.nextDeadline, deadline <= end {
            now = max(now, deadline)
            packets += carryOut(machine.handle(.tick, at: now, wallClockMicroseconds: wallClock))
        }
        now = end
        return packets
    }

    /// The packets among `effects`; logs are kept, and saves and loads go to the store (their outcomes
    /// handled too).
    private mutating func carryOut(_ effects: [ServerEffect]) -> [(Packet, Address)] {
        var packets: [(Packet, Address)] = []
        for effect in effects {
            switch effect {
            case .send(let packet, let destination):
                packets.append((packet, destination))
            case .log(let event):
                logged.append(event)
            case .save(let message, let limits):
                guard let store else { continue }
                let outcome: StoreOutcome
                do {
                    switch try store.save([message], limits: limits)[message.key] {
                    case .mailboxFull: outcome = .mailboxFull
                    case .overQuota: outcome = .overQuota
                    case nil: outcome = .stored
                    }
                } catch {
                    outcome = .failed(error)
                }
                packets += carryOut(machine.handle(.saved(message, outcome), at: now, wallClockMicroseconds: wallClock))
            case .load(let recipient):
                guard let store else { continue }
                let result: Result<[StoredMessage], StoreError>
                do {
                    result = .success(try store.messages(for: recipient))
                } catch {
                    result = .failure(error)
                }
                packets += carryOut(machine.handle(.loaded(recipient: recipient, result), at: now, wallClockMicroseconds: wallClock))
            default:
                continue
            }
        }
        return packets
    }

    /// A registration request for `nick` from `address` (with `candidates`, and the `restarted` flag),
    /// with the challenge answered; the replies to the signed request.
    public mutating func asks(
        for nick: String, id: UInt64, from address: Address, candidates: [Address] = [], restarted: Bool = false
    ) -> [(Packet, Address)] {
        let key = keys[nick] ?? (try? IdentityKey.generate())
        keys[nick] = key
        guard let key else { return [] }
        let prekey = Self.prekey(of: nick, key: key)
        let first = receive(
            .register(
                nick: nick, token: 0, proof: IdentityProof(publicKey: key.publicKey), candidates: candidates, restarted: restarted,
                prekey: prekey),
            id: id, from: address)
        guard case .registerReply(.challenge, _, let cookie, _)? = first.first?.0.message else { return first }
        return receive(
            .register(
                nick: nick, token: 0, proof: .signed(cookie: cookie, nick: nick, key: key), candidates: candidates, restarted: restarted,
                prekey: prekey),
            id: id, from: address)
    }

    /// The signed prekey a client of `nick` with `key` publishes (every version-10 client sends one).
    public static func prekey(of nick: String, key: IdentityKey) -> PublishedPrekey? {
        try? Prekey(id: 1, privateKey: [UInt8](repeating: 0x50, count: 32), createdAtMicroseconds: 0).published(nick: nick, identity: key)
    }

    /// Registers `nick` at `address` and acknowledges its table; returns its token (0 if refused).
    public mutating func register(_ nick: String, at address: Address, id: UInt64, candidates: [Address] = []) -> UInt64 {
        let replies = asks(for: nick, id: id, from: address, candidates: candidates)
        guard case .registerReply(_, let token, _, _)? = replies.first?.0.message else { return 0 }
        for (packet, _) in advance(by: .zero) {
            if case .tableDelta(let delta) = packet.message, delta.token == token {
                _ = receive(.tableAck(token: token, version: delta.to), id: 99, from: address)
            }
        }
        return token
    }
}
