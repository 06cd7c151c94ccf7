/// Hands stored messages to their recipients: loaded from the store, sent in batches, one batch in
/// flight per recipient so they show in order, each batch retried until acknowledged, then removed.
///
/// A recipient's messages follow its table: they go out once it has been sent one, in the same burst, and
/// each batch is tried again after the recipient's retransmission timeout.
struct StoredMessageCourier {
    /// What the courier asks the machine to do.
    enum Directive: Equatable {
        /// Send `batch` to its recipient at `address` (again).
        case send(Batch, to: Address)
        /// The recipient acknowledged these messages: they leave its mailbox.
        case delivered(Set<MessageKey>, recipient: String)
        /// Read `recipient`'s mailbox again: a message was stored while it was being read.
        case load(recipient: String)
        /// Delivery to `recipient` ran out of tries; it starts again at its next sign of life.
        case stalled(recipient: String)
    }

    /// One datagram of stored messages, in flight until acknowledged.
    struct Batch: Equatable {
        var id: UInt64
        /// The recipient's session token, which the batch carries.
        var token: UInt64
        var messages: [OfflineMessage]
        var attemptsMade: Int
        var nextTry: Instant
        /// The pause before the next try: the recipient's timeout, doubled by each unanswered try.
        var wait: Duration

        /// The messages' keys, to remove once acknowledged.
        var keys: Set<MessageKey> { Set(messages.map(\.key)) }
        /// The batch as it goes on the wire.
        var packet: Packet { Packet(id: id, message: .offlineBatch(token: token, messages: messages)) }
    }

    struct Delivery {
        /// Messages not yet sent, oldest first; nil while they are being loaded.
        var queue: [StoredMessage]?
        var inFlight: Batch?
        /// A message was stored meanwhile: read the mailbox again once this queue is done.
        var reloadAfter = false
    }

    /// What the courier needs to know of a recipient to send it anything.
    struct Recipient {
        var address: Address
        var token: UInt64
        /// Whether it has been sent a table yet; messages wait until it has.
        var hasTable: Bool
        /// The pause before a batch is tried again: its retransmission timeout.
        var retryAfter: Duration
    }

    /// The longest pause between tries of a batch.
    let retryInterval: Duration
    let attempts: Int
    private(set) var deliveries: [String: Delivery] = [:]
    /// When each batch in flight is tried next, by recipient: the earliest costs nothing to read, however
    /// many deliveries are under way (a stale entry, for a batch acknowledged or moved, is skipped).
    private var tries = KeyedDeadlineQueue<String>()
    /// Online clients whose delivery was given up; it starts again at their next sign of life.
    private var stalled: Set<String> = []
    /// Recipients whose loaded messages wait for their first table to be sent.
    private(set) var awaitingTable: Set<String> = []

    init(retryInterval: Duration, attempts: Int) {
        self.retryInterval = retryInterval
        self.attempts = attempts
    }

    /// The earliest try queued; it may be earlier than needed (a batch acknowledged meanwhile), and a tick
    /// then finds nothing due.
    var nextDeadline: Instant? { tries.earliest }

    /// Starts (or restarts) delivery to `nick`: returns true when its mailbox must be loaded.
    mutating func start(_ nick: String) -> Bool {
        stalled.remove(nick)
        if deliveries[nick] != nil {
            deliveries[nick]?.reloadAfter = true
            return false
        }
        deliveries[nick] = Delivery()
        return true
    }

    /// `nick` showed a sign of life: a stalled delivery starts again (returns true to load).
    mutating func resumeIfStalled(_ nick: String) -> Bool {
        guard stalled.contains(nick), deliveries[nick] == nil else { return false }
        return start(nick)
    }

    /// `nick` asked again for the welcome it was sent, so it missed the batch behind it too: the batch in
    /// flight goes again at the next tick, after the repeated welcome and table.
    mutating func hurry(_ nick: String, now: Instant) {
        guard let batch = deliveries[nick]?.inFlight, batch.nextTry > now else { return }
        deliveries[nick]?.inFlight?.nextTry = now
        tries.schedule(nick, at: now)
    }

    /// `nick` has a new session: any delivery to the old one is dropped, and the mailbox is read afresh
    /// (the caller loads it).
    mutating func restart(_ nick: String) {
        stop(nick)
        deliveries[nick] = Delivery()
    }

    /// `nick` went offline: its delivery stops until it registers again.
    mutating func stop(_ nick: String) {
        deliveries[nick] = nil
        tries.forget(nick)
        awaitingTable.remove(nick)
        stalled.remove(nick)
    }

    /// The mailbox of `nick` was read: the first batch to send, or `.load` when the mailbox must be read
    /// again (a message was stored while it was being read).
    mutating func loaded(_ nick: String, _ messages: [StoredMessage], to recipient: Recipient?, newID: () -> UInt64, now: Instant)
        -> [Directive]
    {
        guard deliveries[nick] != nil, deliveries[nick]?.queue == nil else { return [] }
        deliveries[nick]?.queue = messages
        return sendNext(to: nick, recipient, newID: newID, now: now)
    }

    /// The batch with `id` was acknowledged by `nick`: `.delivered` for its messages, then what comes
    /// next; nil when no such batch was in flight.
    mutating func acknowledged(_ id: UInt64, by nick: String, recipient: Recipient?, newID: () -> UInt64, now: Instant)
        -> [Directive]?
    {
        guard let batch = deliveries[nick]?.inFlight, batch.id == id else { return nil }
        deliveries[nick]?.inFlight = nil
        return [.delivered(batch.keys, recipient: nick)] + sendNext(to: nick, recipient, newID: newID, now: now)
    }

    /// `nick` has been sent its first table: messages waiting for it go out right behind it.
    mutating func tableArrived(_ nick: String, recipient: Recipient, newID: () -> UInt64, now: Instant) -> [Directive] {
        guard let delivery = deliveries[nick], delivery.inFlight == nil, delivery.queue != nil else { return [] }
        return sendNext(to: nick, recipient, newID: newID, now: now)
    }

    /// Batches due for another try, earliest first; deliveries out of tries stall until the recipient's
    /// next sign of life. A recipient not online now is looked at again after `retryInterval`.
    mutating func retry(_ now: Instant, recipient: (String) -> Recipient?) -> [Directive] {
        var directives: [Directive] = []
        for (_, nick) in tries.popDue(now) {
            guard let batch = deliveries[nick]?.inFlight else {
                if deliveries[nick] == nil { tries.forget(nick) }
                continue
            }
            guard batch.nextTry <= now else { continue }  // moved later: queued again already
            guard let destination = recipient(nick) else {
                tries.schedule(nick, at: now + retryInterval)
                continue
            }
            if batch.attemptsMade >= attempts {
                deliveries[nick] = nil
                tries.forget(nick)
                stalled.insert(nick)
                directives.append(.stalled(recipient: nick))
                continue
            }
            deliveries[nick]?.inFlight?.attemptsMade += 1
            let wait = min(retryInterval, max(destination.retryAfter, batch.wait * 2))
            deliveries[nick]?.inFlight?.wait = wait
            deliveries[nick]?.inFlight?.nextTry = now + wait
            tries.schedule(nick, at: now + wait)
            if let batch = deliveries[nick]?.inFlight { directives.append(.send(batch, to: destination.address)) }
        }
        return directives
    }

    /// Whether `nick`'s finished delivery must read the mailbox again; clears the delivery either way.
    private mutating func reload(_ nick: String) -> Bool {
        let again = deliveries[nick]?.reloadAfter == true
        deliveries[nick] = again ? Delivery() : nil
        return again
    }

    /// The next batch, as many messages as fit one datagram; when the queue is empty, `.load` if the
    /// mailbox must be read again.
    private mutating func sendNext(to nick: String, _ recipient: Recipient?, newID: () -> UInt64, now: Instant) -> [Directive] {
        guard var delivery = deliveries[nick], let queue = delivery.queue else { return [] }
        guard let recipient else {
            deliveries[nick] = nil
            return []
        }
        guard !queue.isEmpty else {
            if delivery.inFlight == nil, !delivery.reloadAfter { deliveries[nick] = nil }
            return delivery.inFlight == nil && reload(nick) ? [.load(recipient: nick)] : []
        }
        guard recipient.hasTable else {
            awaitingTable.insert(nick)
            return []
        }
        awaitingTable.remove(nick)
        var batch: [OfflineMessage] = []
        for message in queue {
            let candidate = batch + [OfflineMessage(key: message.key, savedAtMicroseconds: message.savedAtMicroseconds, text: message.text)]
            guard Message.offlineBatch(token: recipient.token, messages: candidate).datagramBytes <= WireLimits.maxDatagramBytes
            else { break }
            batch = candidate
        }
        // A message too big for any datagram cannot be delivered; it is skipped rather than block the rest.
        delivery.queue = Array(queue.dropFirst(max(1, batch.count)))
        guard !batch.isEmpty else {
            deliveries[nick] = delivery
            return sendNext(to: nick, recipient, newID: newID, now: now)
        }
        let inFlight = Batch(
            id: newID(), token: recipient.token, messages: batch, attemptsMade: 1, nextTry: now + recipient.retryAfter,
            wait: recipient.retryAfter)
        delivery.inFlight = inFlight
        deliveries[nick] = delivery
        tries.schedule(nick, at: inFlight.nextTry)
        return [.send(inFlight, to: recipient.address)]
    }
}
