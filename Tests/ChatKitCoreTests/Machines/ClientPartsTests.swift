@testable import ChatKitCore
import Testing

/// The client machine's parts on their own: each type's rule, events in and results out.
@Suite("Client parts")
struct ClientPartsTests {
    static let x = Address(host: "10.0.0.1", port: 6061)
    static let y = Address(host: "10.0.0.2", port: 6062)

    static func row(_ nick: String, _ version: UInt64, online: Bool = true) -> TableEntry {
        TableEntry(nick: nick, address: nick == "x" ? x : y, online: online, version: version)
    }

    @Test("TableReplica: rows apply if newer, in any order; the held version waits for a gap to close")
    func replicaOrder() {
        var replica = TableReplica()
        replica.reset()
        let late = replica.apply(TableDelta(token: 1, from: 2, to: 3, latest: 3, entries: [Self.row("y", 3)]), own: "x")
        #expect(late == TableReplica.Applied(announce: false, caughtUp: false))
        #expect(replica["y"]?.version == 3 && replica.version == 0)
        let first = replica.apply(
            TableDelta(token: 1, from: 0, to: 2, latest: 3, entries: [Self.row("x", 1), Self.row("y", 2, online: false)]), own: "x")
        #expect(first == TableReplica.Applied(announce: false, caughtUp: false) && replica.version == 2)
        #expect(replica["y"]?.online == true, "the older row for y did not replace the newer one")
        let resent = replica.apply(TableDelta(token: 1, from: 2, to: 3, latest: 3, entries: [Self.row("y", 3)]), own: "x")
        #expect(resent == TableReplica.Applied(announce: true, caughtUp: true) && replica.version == 3)
    }

    @Test("TableReplica: on-demand mode keeps only the client's own row; a new session purges rows it does not send")
    func replicaModes() {
        var replica = TableReplica()
        replica.reset()
        _ = replica.apply(TableDelta(token: 1, from: 0, to: 2, latest: 2, entries: [Self.row("x", 1), Self.row("y", 2)]), own: "x")
        replica.reset()
        let fresh = replica.apply(TableDelta(token: 2, from: 0, to: 1, latest: 1, entries: [Self.row("x", 1)]), own: "x")
        #expect(fresh.caughtUp && replica.rows.keys.sorted() == ["x"], "y belonged to the earlier session")
        _ = replica.apply(TableDelta(token: 2, from: 1, to: 3, latest: 3, mode: .onDemand, entries: []), own: "x")
        #expect(replica.mode == .onDemand && replica.rows.keys.sorted() == ["x"])
        let learned = replica.learn(Self.row("y", 3))
        #expect(learned && replica["y"] != nil, "a looked-up row is held")
    }

    @Test("ServerRequests: answered requests leave no deadline behind; one still waiting keeps its own")
    func requestsLeaveNoStaleDeadlines() {
        var requests = ServerRequests<String>(interval: .milliseconds(500), silenceLimit: .seconds(8))
        for id in UInt64(1)...3 {
            requests.start(id, "save", now: .zero + .microseconds(Int64(id)))
            requests.scheduleRetry(id, now: .zero + .microseconds(Int64(id)))
        }
        _ = requests.finish(2)
        #expect(requests.nextDeadline == .zero + .microseconds(1) + .milliseconds(500), "1 still waits")
        _ = requests.finish(1)
        #expect(requests.nextDeadline == .zero + .microseconds(3) + .milliseconds(500), "2's deadline went with 1's")
        _ = requests.finish(3)
        #expect(requests.nextDeadline == nil)
    }

    @Test("ServerRequests: one try per interval; any datagram from the server restarts the 8 s")
    func requests() {
        var requests = ServerRequests<String>(interval: .milliseconds(500), silenceLimit: .seconds(8))
        requests.start(7, "save", now: .zero)
        requests.scheduleRetry(7, now: .zero)
        #expect(requests.nextDeadline == .zero + .milliseconds(500))
        var now = Instant.zero
        var tries = 0
        var told: [Instant] = []
        while true {
            now = now + .milliseconds(500)
            let due = requests.due(now)
            if due.contains(.giveUp) { break }
            if due.contains(.tellSilence) { told.append(now) }
            for case .retry(let id) in due {
                tries += 1
                requests.scheduleRetry(id, now: now)
            }
            if now == .zero + .seconds(4) { requests.heardFromServer(at: now) }
        }
        #expect(now == .zero + .seconds(12), "silent from 4 s on, given up at 12 s")
        #expect(tries == 23)
        #expect(told == [.zero + .seconds(2), .zero + .seconds(6)], "told 2 s into each silence, once")
        let purpose = requests.finish(7)
        #expect(purpose == "save" && requests.isEmpty)
    }

    @Test("ChatsInFlight: resent once at 250 ms, handed off at 500 ms, an ACK counts only from the peer's session")
    func chats() {
        var chats = ChatsInFlight()
        let sent = chats.send(
            OutgoingChat(id: 9, recipient: "y", text: "hi", peer: Self.y), now: .zero, ackTimeout: .milliseconds(500),
            retransmitAfter: .milliseconds(250))
        #expect(sent.directTries == 1)
        let forged = chats.acknowledged(9, by: "x")
        #expect(forged == nil, "an ACK on another peer's session is not the recipient's")
        let early = chats.due(.zero + .milliseconds(250))
        #expect(early == [.resend(sent)])
        let late = chats.due(.zero + .milliseconds(500))
        guard case .expired(let expired)? = late.first, late.count == 1 else { return #expect(Bool(false), "expired") }
        #expect(expired.id == 9 && chats.isEmpty)
    }

    @Test("ChatsInFlight: acknowledged chats leave no deadline behind; one still awaited keeps its own")
    func chatsLeaveNoStaleDeadlines() {
        var chats = ChatsInFlight()
        for id in UInt64(1)...3 {
            let chat = OutgoingChat(id: id, recipient: "y", text: "hi", peer: Self.y)
            _ = chats.send(chat, now: .zero + .microseconds(Int64(id)), ackTimeout: .milliseconds(500), retransmitAfter: .milliseconds(250))
        }
        _ = chats.acknowledged(2, by: "y")
        #expect(chats.nextDeadline == .zero + .microseconds(1) + .milliseconds(250), "1 still awaited")
        _ = chats.acknowledged(1, by: "y")
        #expect(chats.nextDeadline == .zero + .microseconds(3) + .milliseconds(250), "2's deadlines went with 1's")
        _ = chats.acknowledged(3, by: "y")
        #expect(chats.nextDeadline == nil, "nothing in flight, nothing to wake for")
    }

    @Test("ChatInbox: each message shown once, whether direct or stored; 'You have messages' once per registration")
    func inbox() {
        var inbox = ChatInbox(remembered: 10)
        let first = inbox.chatArrived(1, from: "y", text: "hi")
        let copy = inbox.chatArrived(1, from: "y", text: "hi")
        #expect(first == .chat(from: "y", text: "hi") && copy == nil)
        let stored = [
            OfflineMessage(key: MessageKey(sender: "y", id: 1), savedAtMicroseconds: 0, text: "hi"),
            OfflineMessage(key: MessageKey(sender: "y", id: 2), savedAtMicroseconds: 0, text: "again"),
        ]
        let shown = inbox.storedMessagesArrived(stored, utcOffsetSeconds: 0)
        #expect(shown.first == .youHaveMessages && shown.count == 2, "the direct copy of 1 was shown already")
        let again = inbox.storedMessagesArrived(stored, utcOffsetSeconds: 0)
        #expect(again.isEmpty)
        inbox.holdAck(1, for: PeerEndpoint(nick: "y", address: Self.y))
        inbox.holdAck(2, for: PeerEndpoint(nick: "y", address: Self.y))
        let acks = inbox.heldAckPeers.flatMap { $0.packets(newID: { 99 }) }
        #expect(acks == [Packet(id: 99, message: .chatAcks(ids: [1, 2]))])
    }

    @Test("HeldAcks: ACKs grouped per peer in the order of their first chat, past the peers it finds by looking")
    func heldAcksManyPeers() {
        var inbox = ChatInbox(remembered: 10)
        let peers = (0..<12).map { PeerEndpoint(nick: "p\($0)", address: Address(host: "10.0.0.\($0)", port: 4000)) }
        for (index, peer) in peers.enumerated() { inbox.holdAck(UInt64(100 + index), for: peer) }
        for (index, peer) in peers.enumerated().reversed() where index % 3 == 0 { inbox.holdAck(UInt64(200 + index), for: peer) }
        let held = inbox.heldAckPeers
        #expect(held.map(\.peer) == peers)
        for (index, ack) in held.enumerated() {
            let expected = index % 3 == 0
                ? Packet(id: 7, message: .chatAcks(ids: [UInt64(100 + index), UInt64(200 + index)])) : Packet(id: UInt64(100 + index), message: .chatAck)
            #expect(ack.packets(newID: { 7 }) == [expected])
        }
        inbox.forgetHeldAcks()
        #expect(!inbox.holdsAcks && inbox.heldAckPeers.isEmpty, "forgetting them clears them")
        inbox.holdAck(1, for: peers[11])
        #expect(inbox.heldAckPeers.map(\.peer) == [peers[11]], "a later batch starts afresh")
    }

    @Test("HeldAck: at most the datagram's limit of ids per chatAcks; a single id left over is a plain chatAck")
    func heldAckGroups() {
        let peer = PeerEndpoint(nick: "y", address: Self.y)
        let ids = (1...UInt64(WireLimits.maxAcksPerDatagram + 1))
        let held = HeldAck(peer: peer, first: 1, later: Array(ids.dropFirst()))
        var next: UInt64 = 500
        let packets = held.packets(newID: { next += 1; return next })
        #expect(packets == [
            Packet(id: 501, message: .chatAcks(ids: Array(ids.prefix(WireLimits.maxAcksPerDatagram)))),
            Packet(id: ids.last ?? 0, message: .chatAck),
        ])
        #expect(HeldAck(peer: peer, first: 9).packets(newID: { 0 }) == [Packet(id: 9, message: .chatAck)])
    }

    @Test("ServerWatch: a keepalive every 10 s; unanswered, tried every second; quiet after 7 tries, then every 10 s")
    func serverWatch() {
        var watch = ServerWatch(interval: .seconds(10))
        watch.start(.zero)
        var sent: [Int64] = []
        var quietAt: Int64?
        var now = Instant.zero
        while now < .zero + .seconds(40) {
            now = now + .seconds(1)
            let due = watch.due(now)
            if due.contains(.keepalive) { sent.append(now.nanoseconds / 1_000_000_000) }
            if due.contains(.becameQuiet) { quietAt = now.nanoseconds / 1_000_000_000 }
        }
        #expect(sent == [10, 11, 12, 13, 14, 15, 16, 26, 36])
        #expect(quietAt == 16)
        let back = watch.heard(now)
        #expect(back, "the server is back")
        #expect(watch.next == now + .seconds(10))
    }
}
