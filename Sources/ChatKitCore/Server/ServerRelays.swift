/// Chats the server relays between clients that cannot reach each other directly (a symmetric NAT, UDP
/// blocked between them), as TURN (RFC 8656) or Tailscale's DERP do, but only between registered
/// clients. Each relayed chat goes to the recipient every `interval` (the relay's own: the recipient's
/// measured retransmission timeout, or the default) until it is acknowledged; after `attempts`
/// unanswered sends it is given up, and the server stores it instead.
///
/// No flood of relays multiplies toward a silent recipient: until a recipient has acknowledged a relay,
/// only its first relay is sent (and retried), and the rest wait for that answer; once a relay went
/// unanswered, the recipient is silent, and chats for it are stored at once until it is heard from.
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
        var sent = 0
        var nextAt: Instant
        /// The pause between its sends: the recipient's retransmission timeout, from its round trips.
        var interval: Duration = .milliseconds(200)
    }

    /// Chat ids are random 64-bit numbers, so the recipient and the id name one relay.
    struct RelayKey: Hashable {
        var recipient: String
        var id: UInt64
    }

    let attempts: Int
    private(set) var inFlight: [RelayKey: Relay] = [:]
    /// Each relay's next send in deadline order; entries of relays answered or rescheduled meanwhile are
    /// stale and skipped. Keeps the next deadline O(1) with many relays.
    private var schedule = KeyedDeadlineQueue<RelayKey>()
    /// Recipients that acknowledged a relay since their last unanswered one: relays go to them at once.
    private var answering: Set<String> = []
    /// Recipients whose last relay went unanswered: chats for them are stored, not relayed, until heard from.
    private var silent: Set<String> = []
    /// For each recipient not yet answering, with a first relay in flight: the relays waiting for its answer.
    private var waiting: [String: [RelayKey]] = [:]

    init(attempts: Int) {
        self.attempts = max(1, attempts)
    }

    /// The earliest send queued (it may be stale, and then an early tick finds nothing due).
    var nextDeadline: Instant? { schedule.earliest }

    /// Whether the chat `id` is being relayed to `recipient`.
    func isUnderWay(to recipient: String, id: UInt64) -> Bool {
        inFlight[RelayKey(recipient: recipient, id: id)] != nil
    }

    /// Whether chats for `recipient` are stored without a relay: its last relay went unanswered.
    func isSilent(_ recipient: String) -> Bool { silent.contains(recipient) }

    /// `nick` showed a sign of life: chats for it are relayed again.
    mutating func heard(from nick: String) {
        silent.remove(nick)
    }

    /// Starts relaying `relay` and returns its first datagram, unless it waits behind the first relay to
    /// a recipient that has not answered yet; a retry of a relay under way only updates where the answer
    /// goes, and returns nil.
    mutating func start(_ relay: Relay, now: Instant) -> OutgoingDatagram? {
        let relayKey = RelayKey(recipient: relay.recipient, id: relay.key.id)
        if inFlight[relayKey] != nil {
            inFlight[relayKey]?.senderAddress = relay.senderAddress
            return nil
        }
        inFlight[relayKey] = relay
        if !answering.contains(relay.recipient) {
            if waiting[relay.recipient] != nil {
                waiting[relay.recipient]?.append(relayKey)
                return nil
            }
            waiting[relay.recipient] = []
        }
        return send(relayKey, now: now)
    }

    /// `recipient` acknowledged the relayed chat `id`: returns the relay, if it was under way, and the
    /// first sends of the relays that waited for the recipient's answer.
    mutating func acknowledged(by recipient: String, id: UInt64, now: Instant) -> (relay: Relay?, sends: [OutgoingDatagram]) {
        guard let relay = remove(RelayKey(recipient: recipient, id: id)) else { return (nil, []) }
        answering.insert(recipient)
        let released = waiting.removeValue(forKey: recipient) ?? []
        return (relay, released.compactMap { send($0, now: now) })
    }

    private mutating func remove(_ relayKey: RelayKey) -> Relay? {
        schedule.forget(relayKey)
        return inFlight.removeValue(forKey: relayKey)
    }

    /// Resends what is due, and returns the relays that went unanswered `attempts` times.
    mutating func tick(_ now: Instant) -> (sends: [OutgoingDatagram], failed: [Relay]) {
        var sends: [OutgoingDatagram] = []
        var failed: [Relay] = []
        for (deadline, relayKey) in schedule.popDue(now) {
            guard let relay = inFlight[relayKey], relay.nextAt == deadline else { continue }
            if relay.sent >= attempts {
                _ = remove(relayKey)
                failed.append(relay)
                // The recipient is silent: what waited behind this relay is stored too, and so is what comes next.
                answering.remove(relay.recipient)
                silent.insert(relay.recipient)
                failed += (waiting.removeValue(forKey: relay.recipient) ?? []).compactMap { remove($0) }
            } else if let datagram = send(relayKey, now: now) {
                sends.append(datagram)
            }
        }
        return (sends, failed)
    }

    /// Forgets every relay to `recipient` (it went offline: they are stored instead); returns them.
    mutating func cancel(to recipient: String) -> [Relay] {
        waiting[recipient] = nil
        answering.remove(recipient)
        let keys = inFlight.keys.filter { $0.recipient == recipient }.sorted { $0.id < $1.id }
        return keys.compactMap { remove($0) }
    }

    private mutating func send(_ relayKey: RelayKey, now: Instant) -> OutgoingDatagram? {
        guard var relay = inFlight[relayKey] else { return nil }
        relay.sent += 1
        relay.nextAt = now + relay.interval
        inFlight[relayKey] = relay
        schedule.schedule(relayKey, at: relay.nextAt)
        let message = Message.relayedChat(token: relay.recipientToken, from: relay.key.sender, text: relay.text)
        guard let bytes = try? Packet(id: relay.key.id, message: message).encoded() else { return nil }
        return OutgoingDatagram(bytes: bytes, destination: relay.recipientAddress)
    }
}
