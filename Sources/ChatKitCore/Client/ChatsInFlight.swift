/// A chat sent directly to a peer and waiting for its ACK.
struct OutgoingChat: Equatable {
    var id: UInt64
    var recipient: String
    var text: String
    var peer: Address
    /// Other addresses the chat goes to while no direct path is known (the peer's host candidates).
    var alternatives: [Address] = []
    var deadline: Instant = .zero
    /// When to send the chat once more if no ACK has come by then; nil once resent.
    var retransmitAt: Instant?
    /// How many times the chat went to the peer directly; bounds the "client exists" retry loop.
    var directTries = 0
    /// The chat sealed for the server (`Letter`), once it is handed to it: every retry sends the same.
    var letter: String?
}

extension OutgoingChat {
    /// Every address the chat goes to: the peer's, then its alternatives.
    var targets: [Address] { [peer] + alternatives }
}

/// The chats sent directly and not yet acknowledged: each is sent once more if no ACK came after
/// `retransmitAfter`, and handed to the server if none came after `ackTimeout` (the original program's 500 ms).
struct ChatsInFlight {
    /// What the chats in flight ask the machine to do.
    enum Directive: Equatable {
        /// Send `chat` once more: its ACK is late.
        case resend(OutgoingChat)
        /// No ACK came for `chat` in time: it is no longer awaited, and goes to the server.
        case expired(OutgoingChat)
    }

    private var awaitingAck: [UInt64: OutgoingChat] = [:]
    private var ackDeadlines = DeadlineQueue()
    private var retransmits = DeadlineQueue()

    var count: Int { awaitingAck.count }
    /// The chats awaiting their ACK, in the order they are due.
    var pending: [OutgoingChat] { awaitingAck.values.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) } }
    var isEmpty: Bool { awaitingAck.isEmpty }
    /// Whether the chat with `id` still awaits its ACK.
    func contains(_ id: UInt64) -> Bool { awaitingAck[id] != nil }
    var nextDeadline: Instant? { Instant.earliest(ackDeadlines.earliest, retransmits.earliest) }

    /// Records `chat` as sent now; returns it with its deadlines set.
    mutating func send(_ chat: OutgoingChat, now: Instant, ackTimeout: Duration, retransmitAfter: Duration) -> OutgoingChat {
        var chat = chat
        chat.deadline = now + ackTimeout
        chat.retransmitAt = now + retransmitAfter
        chat.directTries += 1
        awaitingAck[chat.id] = chat
        ackDeadlines.add(chat.id, at: chat.deadline)
        retransmits.add(chat.id, at: now + retransmitAfter)
        return chat
    }

    /// The chat `id` was acknowledged by `nick` (on its session); returns it if it was awaited from them.
    mutating func acknowledged(_ id: UInt64, by nick: String) -> OutgoingChat? {
        guard let chat = awaitingAck[id], chat.recipient == nick else { return nil }
        awaitingAck[id] = nil
        dropSettledDeadlines()
        return chat
    }

    /// Drops the deadlines of chats no longer awaited from the front of both queues, so that
    /// `nextDeadline` belongs to a chat in flight: a stream of acknowledged chats then wakes the machine
    /// once per retransmission interval, not once per chat as their stale deadlines fall due.
    private mutating func dropSettledDeadlines() {
        let awaiting = awaitingAck
        retransmits.dropStaleFront { awaiting[$0.id]?.retransmitAt != $0.deadline }
        ackDeadlines.dropStaleFront { awaiting[$0.id]?.deadline != $0.deadline }
    }

    /// `recipient` was found at `address`: its chats in flight go there from now on; returns them, to send
    /// at once.
    mutating func redirect(_ recipient: String, to address: Address) -> [OutgoingChat] {
        var moved: [OutgoingChat] = []
        for (id, chat) in awaitingAck where chat.recipient == recipient && !(chat.peer == address && chat.alternatives.isEmpty) {
            awaitingAck[id]?.peer = address
            awaitingAck[id]?.alternatives = []
            if let updated = awaitingAck[id] { moved.append(updated) }
        }
        return moved.sorted { $0.id < $1.id }
    }

    /// The chats to send once more now, then those whose ACK did not come in time (no longer awaited).
    mutating func due(_ now: Instant) -> [Directive] {
        var directives: [Directive] = []
        for (deadline, id) in retransmits.popDue(now) {
            guard let chat = awaitingAck[id], chat.retransmitAt == deadline, chat.deadline > now else { continue }
            awaitingAck[id]?.retransmitAt = nil
            directives.append(.resend(chat))
        }
        for (deadline, id) in ackDeadlines.popDue(now) {
            guard let chat = awaitingAck[id], chat.deadline == deadline else { continue }
            awaitingAck[id] = nil
            directives.append(.expired(chat))
        }
        dropSettledDeadlines()
        return directives
    }

    mutating func removeAll() {
        awaitingAck = [:]
        retransmits = DeadlineQueue()
        ackDeadlines = DeadlineQueue()
    }
}
