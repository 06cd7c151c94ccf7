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
    /// What the relays ask the machine to do.
    enum Directive: Equatable {
        /// Send `relay`'s chat to its recipient (again).
        case send(Relay)
        /// The recipient acknowledged `relay`: its sender hears "relayed".
        case acknowledged(Relay)
        /// `relay` went unanswered (or its recipient fell silent): it is stored instead.
        case unanswered(Relay)
    }

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
        /// The key of the server of the group the recipient is registered at, when it is not this one:
        /// the chat goes through that server.
        var throughServer: [UInt8]? = nil
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

    /// Starts relaying `relay` and returns its first send, unless it waits behind the first relay to
    /// a recipient that has not answered yet; a retry of a relay under way only updates where the answer
    /// goes, and returns nil.
    mutating func start(_ relay: Relay, now: Instant) -> Directive? {
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

    /// `recipient` acknowledged the relayed chat `id`: `.acknowledged` for the relay, if it was under way,
    /// then the first sends of the relays that waited for the recipient's answer.
    mutating func acknowledged(by recipient: String, id: UInt64, now: Instant) -> [Directive] {
        guard let relay = remove(RelayKey(recipient: recipient, id: id)) else { return [] }
        answering.insert(recipient)
        let released = waiting.removeValue(forKey: recipient) ?? []
        return [.acknowledged(relay)] + released.compactMap { send($0, now: now) }
    }

    private mutating func remove(_ relayKey: RelayKey) -> Relay? {
        schedule.forget(relayKey)
        return inFlight.removeValue(forKey: relayKey)
    }

    /// Resends what is due, and `.unanswered` for each relay that went unanswered `attempts` times.
    mutating func tick(_ now: Instant) -> [Directive] {
        var directives: [Directive] = []
        for (deadline, relayKey) in schedule.popDue(now) {
            guard let relay = inFlight[relayKey], relay.nextAt == deadline else { continue }
            if relay.sent >= attempts {
                _ = remove(relayKey)
                directives.append(.unanswered(relay))
                // The recipient is silent: what waited behind this relay is stored too, and so is what comes next.
                answering.remove(relay.recipient)
                silent.insert(relay.recipient)
                directives += (waiting.removeValue(forKey: relay.recipient) ?? []).compactMap { remove($0) }.map(Directive.unanswered)
            } else if let directive = send(relayKey, now: now) {
                directives.append(directive)
            }
        }
        return directives
    }

    /// Forgets every relay to `recipient` (it went offline): `.unanswered` for each, to store it instead.
    mutating func cancel(to recipient: String) -> [Directive] {
        waiting[recipient] = nil
        answering.remove(recipient)
        let keys = inFlight.keys.filter { $0.recipient == recipient }.sorted { $0.id < $1.id }
        return keys.compactMap { remove($0) }.map(Directive.unanswered)
    }

    private mutating func send(_ relayKey: RelayKey, now: Instant) -> Directive? {
        guard var relay = inFlight[relayKey] else { return nil }
        relay.sent += 1
        relay.nextAt = now + relay.interval
        inFlight[relayKey] = relay
        schedule.schedule(relayKey, at: relay.nextAt)
        return .send(relay)
    }
}
