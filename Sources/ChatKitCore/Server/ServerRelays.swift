/// Chats the server relays between clients that cannot reach each other directly (a symmetric NAT, UDP
/// blocked between them), as TURN (RFC 8656) or Tailscale's DERP do, but only between registered
/// clients. Each relayed chat goes to the recipient every `interval` until it is acknowledged; after
/// `attempts` unanswered sends it is given up, and the server stores it instead.
struct ServerRelays {
    /// One chat on its way through the server.
    struct Relay: Equatable {
        var key: MessageKey
        var recipient: String
        var recipientToken: UInt64
        var recipientAddress: Address
        /// Where the sender last asked from: the answer goes there.
        var senderAddress: Address
        var text: String
        var reason: SaveReason
        var sent = 0
        var nextAt: Instant
    }

    /// Chat ids are random 64-bit numbers, so the recipient and the id name one relay.
    struct RelayKey: Hashable {
        var recipient: String
        var id: UInt64
    }

    let attempts: Int
    let interval: Duration
    private(set) var inFlight: [RelayKey: Relay] = [:]

    init(attempts: Int, interval: Duration) {
        self.attempts = max(1, attempts)
        self.interval = interval
    }

    var nextDeadline: Instant? { inFlight.values.map(\.nextAt).min() }

    /// Whether the chat `id` is being relayed to `recipient`.
    func isUnderWay(to recipient: String, id: UInt64) -> Bool {
        inFlight[RelayKey(recipient: recipient, id: id)] != nil
    }

    /// Starts relaying `relay` and returns its first datagram; a retry of a relay under way only updates
    /// where the answer goes, and returns nil.
    mutating func start(_ relay: Relay, now: Instant) -> OutgoingDatagram? {
        let relayKey = RelayKey(recipient: relay.recipient, id: relay.key.id)
        if inFlight[relayKey] != nil {
            inFlight[relayKey]?.senderAddress = relay.senderAddress
            return nil
        }
        inFlight[relayKey] = relay
        return send(relayKey, now: now)
    }

    /// `recipient` acknowledged the relayed chat `id`; returns the relay, if it was under way.
    mutating func acknowledged(by recipient: String, id: UInt64) -> Relay? {
        inFlight.removeValue(forKey: RelayKey(recipient: recipient, id: id))
    }

    /// Resends what is due, and returns the relays that went unanswered `attempts` times.
    mutating func tick(_ now: Instant) -> (sends: [OutgoingDatagram], failed: [Relay]) {
        var sends: [OutgoingDatagram] = []
        var failed: [Relay] = []
        for relayKey in inFlight.keys.sorted(by: { ($0.recipient, $0.id) < ($1.recipient, $1.id) }) {
            guard let relay = inFlight[relayKey], relay.nextAt <= now else { continue }
            if relay.sent >= attempts {
                inFlight[relayKey] = nil
                failed.append(relay)
            } else if let datagram = send(relayKey, now: now) {
                sends.append(datagram)
            }
        }
        return (sends, failed)
    }

    /// Forgets every relay to `recipient` (it went offline: they are stored instead); returns them.
    mutating func cancel(to recipient: String) -> [Relay] {
        let keys = inFlight.keys.filter { $0.recipient == recipient }
        return keys.compactMap { inFlight.removeValue(forKey: $0) }
    }

    private mutating func send(_ relayKey: RelayKey, now: Instant) -> OutgoingDatagram? {
        guard var relay = inFlight[relayKey] else { return nil }
        relay.sent += 1
        relay.nextAt = now + interval
        inFlight[relayKey] = relay
        let message = Message.relayedChat(token: relay.recipientToken, from: relay.key.sender, text: relay.text)
        guard let bytes = try? Packet(id: relay.key.id, message: message).encoded() else { return nil }
        return OutgoingDatagram(bytes: bytes, destination: relay.recipientAddress)
    }
}
