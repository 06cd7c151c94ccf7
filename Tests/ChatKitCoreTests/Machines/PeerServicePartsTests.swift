@testable import ChatKitCore
import Testing

/// The parts behind NAT traversal, each on its own: the client's paths, the server's relays and rate
/// limit, the look-alike and expiry index, and the byte counter.
@Suite("Peer service parts")
struct PeerServicePartsTests {
    static let t0 = Instant.zero
    static let a = Address(host: "203.0.113.1", port: 6061)
    static let b = Address(host: "10.1.0.2", port: 6061)

    @Test("paths: a proven address is direct while active; the relay lasts 60 s; refreshes stop when idle")
    func peerPaths() {
        var paths = PeerPaths(refreshInterval: .seconds(15), activeFor: .seconds(120), relayFor: .seconds(60))
        #expect(paths.direct(to: "y") == nil && paths.describe("y") == nil)
        paths.learnDirect("y", at: Self.a, now: Self.t0)
        #expect(paths.activeDirect(to: "y", now: Self.t0 + .seconds(120)) == Self.a)
        #expect(paths.activeDirect(to: "y", now: Self.t0 + .seconds(121)) == nil, "after a pause, punch again")
        #expect(paths.refreshDue(Self.t0 + .seconds(15)) == [.refresh(nick: "y", at: Self.a)])
        #expect(paths.refreshDue(Self.t0 + .seconds(16)).isEmpty, "one refresh per interval")
        #expect(paths.refreshDue(Self.t0 + .seconds(150)).isEmpty, "idle: left to close")
        #expect(paths.nextRefresh == nil)
        paths.learnRelay("y", now: Self.t0)
        #expect(paths.usesRelay("y") && paths.describe("y") == "via server")
        let early = paths.shouldTryDirect("y", now: Self.t0 + .seconds(59))
        let due = paths.shouldTryDirect("y", now: Self.t0 + .seconds(60))
        let again = paths.shouldTryDirect("y", now: Self.t0 + .seconds(61))
        #expect(!early && due && !again)
        paths.learnDirect("y", at: Self.a, now: Self.t0 + .seconds(62))
        #expect(!paths.usesRelay("y"), "a proven path ends the relay")
        paths.learnRelay("y", now: Self.t0)
        paths.remember(nonce: 7, for: "y")
        #expect(paths.isOurs(nonce: 7, for: "y") && !paths.isOurs(nonce: 7, for: "z") && !paths.isOurs(nonce: 0, for: "y"))
        paths.expect("z", from: [Self.b])
        #expect(paths.isExpected("z", at: Self.b) && !paths.isExpected("z", at: Self.a))
        paths.forget("z")
        #expect(!paths.isExpected("z", at: Self.b))
    }

    @Test("paths: every ACK pushes the refresh a whole interval on, with one queued deadline, not one per ACK")
    func refreshPushedByAcks() {
        var paths = PeerPaths(refreshInterval: .seconds(15), activeFor: .seconds(120), relayFor: .seconds(60))
        for millisecond in 0..<1_000 { paths.learnDirect("y", at: Self.a, now: Self.t0 + .milliseconds(Int64(millisecond))) }
        #expect(paths.nextRefresh == Self.t0 + .seconds(15), "the first entry stays queued")
        #expect(paths.refreshDue(Self.t0 + .seconds(15)).isEmpty, "pushed on by the later ACKs")
        #expect(paths.nextRefresh == Self.t0 + .milliseconds(15_999), "queued again, once, for the last ACK's interval")
        #expect(paths.refreshDue(Self.t0 + .milliseconds(15_998)).isEmpty)
        #expect(paths.refreshDue(Self.t0 + .milliseconds(15_999)) == [.refresh(nick: "y", at: Self.a)])
        #expect(paths.nextRefresh == Self.t0 + .milliseconds(30_999))
    }

    @Test("relays: resent every interval until acknowledged, given up after the attempts, retries only redirect the answer")
    func serverRelays() {
        var relays = ServerRelays(attempts: 3)
        let key = MessageKey(sender: "x", id: 9)
        let relay = ServerRelays.Relay(
            key: key, recipient: "y", recipientToken: 5, recipientAddress: Self.a, senderAddress: Self.b, text: "hi",
            nextAt: Self.t0)
        guard case .send(let first)? = relays.start(relay, now: Self.t0) else { return #expect(Bool(false), "the first send") }
        #expect(first.recipientAddress == Self.a && first.sent == 1)
        var retry = relay
        retry.senderAddress = Self.a
        #expect(relays.start(retry, now: Self.t0) == nil, "a retry of the save relays nothing new")
        #expect(relays.tick(Self.t0 + .milliseconds(200)).count == 1)
        #expect(relays.tick(Self.t0 + .milliseconds(400)).count == 1)
        let verdict = relays.tick(Self.t0 + .milliseconds(600))
        guard case .unanswered(let failed)? = verdict.first, verdict.count == 1 else { return #expect(Bool(false), "given up") }
        #expect(failed.senderAddress == Self.a)
        _ = relays.start(relay, now: Self.t0)
        guard case .acknowledged(let answered)? = relays.acknowledged(by: "y", id: 9, now: Self.t0).first else {
            return #expect(Bool(false), "acknowledged")
        }
        #expect(answered.key == key)
        #expect(relays.acknowledged(by: "y", id: 9, now: Self.t0).isEmpty)
        #expect(relays.nextDeadline == nil, "an answered relay's queued send wakes no one")
        #expect(relays.tick(Self.t0 + .seconds(1)).isEmpty)
    }

    @Test("the peer-service limit: a burst, then the rate, per client")
    func peerServiceLimiter() {
        var limiter = TokenBuckets(perSecond: 10, burst: 5)
        #expect((0..<5).allSatisfy { _ in limiter.admit("x", now: Self.t0) })
        #expect(!limiter.admit("x", now: Self.t0) && limiter.admit("y", now: Self.t0))
        #expect(limiter.admit("x", now: Self.t0 + .milliseconds(100)) && !limiter.admit("x", now: Self.t0 + .milliseconds(100)))
    }

    @Test("pinned nicks: look-alikes found by their key, forgotten with their nick; unused ones listed by last use")
    func pinnedNicks() {
        var pins = PinnedNicks()
        pins.pin("alice", key: [1], atMicroseconds: 10)
        #expect(pins.lookalike(of: "ALICE") == "alice" && pins.lookalike(of: "alice") == nil)
        #expect(pins.lookalike(of: "\u{0430}lice") == "alice", "Cyrillic а")
        pins.touch("alice", atMicroseconds: 50)
        #expect(pins.unused(before: 40).isEmpty && pins.unused(before: 51) == ["alice"])
        pins.forget("alice")
        #expect(pins.lookalike(of: "ALICE") == nil && pins["alice"] == nil)
        pins.restore(["b0b": PinnedKey(key: [2], lastUsedMicroseconds: 1), "BOB": PinnedKey(key: [3], lastUsedMicroseconds: 1)])
        #expect(pins.count == 2 && pins.lookalike(of: "bob") == "BOB", "the first in sorted order holds the look")
    }

    @Test("store usage: bytes per sender and in all, refused over either quota, freed on removal")
    func storeUsage() {
        var usage = StoreUsage()
        let message = StoredMessage(recipient: "y", key: MessageKey(sender: "x", id: 1), savedAtMicroseconds: 0, text: "hello")
        #expect(message.quotaBytes == 5 + 1 + 24)
        usage.add(message)
        #expect(usage.refusal(of: message, limits: MailboxLimits(perRecipient: .max, bytesPerSender: 59)) == .overQuota)
        #expect(usage.refusal(of: message, limits: MailboxLimits(perRecipient: .max, bytesPerSender: 60)) == nil)
        #expect(usage.refusal(of: message, limits: MailboxLimits(perRecipient: .max, totalBytes: 59)) == .overQuota)
        usage.remove(message)
        #expect(usage.totalBytes == 0 && usage.bytesByShare.isEmpty)
    }

    @Test("new nicks: 30 a minute per host, counted again after a minute, with 25,000 hosts in one minute")
    func newNickLimiter() {
        var limiter = NewNickLimiter(perMinute: 30)
        var first = 0
        for _ in 0..<40 where limiter.admit(Address(host: "h", port: 1), now: Self.t0) { first += 1 }
        #expect(first == 30)
        let late = limiter.admit(Address(host: "h", port: 1), now: Self.t0 + .seconds(59))
        let next = limiter.admit(Address(host: "h", port: 1), now: Self.t0 + .seconds(60))
        #expect(!late && next)
        for index in 0..<25_000 { _ = limiter.admit(Address(host: "host-\(index)", port: 1), now: Self.t0 + .seconds(61)) }
        // h's window (1 used at 60 s) survived the sweeps: 29 more, then no.
        var admitted = 0
        for _ in 0..<40 where limiter.admit(Address(host: "h", port: 1), now: Self.t0 + .seconds(62)) { admitted += 1 }
        #expect(admitted == 29)
    }

    @Test("keyed deadlines: due ones come out earliest first with their keys; forgotten keys never do")
    func keyedDeadlineQueue() {
        var queue = KeyedDeadlineQueue<String>()
        queue.schedule("b", at: Self.t0 + .seconds(2))
        queue.schedule("a", at: Self.t0 + .seconds(1))
        queue.schedule("c", at: Self.t0 + .seconds(3))
        queue.forget("c")
        #expect(queue.earliest == Self.t0 + .seconds(1))
        #expect(queue.popDue(Self.t0 + .seconds(2)).map(\.key) == ["a", "b"])
        #expect(queue.popDue(Self.t0 + .seconds(9)).isEmpty, "c was forgotten")
        #expect(queue.earliest == nil)
    }

    @Test("probes: each holder probed every interval, dead after the attempts, in deadline order; an answer ends its round")
    func holderProbes() {
        var probes = HolderProbes(attempts: 2, interval: .milliseconds(200))
        #expect(probes.probe("x", token: 1, address: Self.a, probeID: 7, now: Self.t0) != nil)
        #expect(probes.probe("y", token: 2, address: Self.b, probeID: 8, now: Self.t0 + .milliseconds(100)) != nil)
        #expect(probes.tick(Self.t0 + .milliseconds(200)) == [.probe(token: 1, to: Self.a, id: 7)])
        #expect(probes.answered("y") != nil)
        let verdict = probes.tick(Self.t0 + .milliseconds(400))
        guard case .silent("x", _)? = verdict.first, verdict.count == 1 else { return #expect(Bool(false), "x is silent") }
        #expect(probes.tick(Self.t0 + .seconds(5)).isEmpty && probes.nextDeadline == nil)
    }
}
