@testable import ChatKitCore
import Testing

/// The server machine's parts on their own: each type's rule, events in and results out.
@Suite("Server parts")
struct ServerPartsTests {
    static let x = Address(host: "10.0.0.1", port: 6061)
    static let y = Address(host: "10.0.0.2", port: 6062)

    @Test("Directory: every change takes the next version; changes(after:) lists each row's latest once")
    func directory() {
        var directory = Directory()
        directory.set("x", address: Self.x, online: true)
        directory.set("y", address: Self.y, online: true)
        directory.set("x", address: Self.x, online: false)
        #expect(directory.latest == 3)
        #expect(directory.changes(after: 0).map(\.nick) == ["y", "x"])
        #expect(directory.changes(after: 2).map(\.version) == [3])
        let page = directory.page(prefix: "", after: "x", limit: 1)
        #expect(page.rows.map(\.nick) == ["y"] && !page.more)
    }

    @Test("TablePublisher: a change goes to whole-table holders, is resent from the confirmed version, stops once acknowledged")
    func publisher() {
        var directory = Directory()
        var publisher = TablePublisher(wholeTableLimit: 10)
        directory.set("x", address: Self.x, online: true)
        publisher.subscribe("x", address: Self.x, token: 11, mode: .whole)
        let welcome = publisher.flush(directory, now: .zero)
        directory.set("y", address: Self.y, online: true)
        publisher.rowChanged("y")
        let change = publisher.flush(directory, now: .zero)
        #expect(welcome.count == 1 && change.count == 1)
        publisher.acknowledged(1, token: 11, now: .zero)
        let resent = publisher.resendDue(directory, now: .zero + .milliseconds(500))
        guard case .delta(let table, Self.x)? = resent.first else { return #expect(Bool(false), "a delta was resent") }
        #expect(table.from == 1 && table.entries.map(\.nick) == ["y"])
        publisher.acknowledged(2, token: 11, now: .zero)
        let after = publisher.resendDue(directory, now: .zero + .seconds(10))
        #expect(after.isEmpty)
    }

    @Test("TablePublisher: in on-demand mode a change goes only to the row's holders")
    func publisherOnDemand() {
        var directory = Directory()
        var publisher = TablePublisher(wholeTableLimit: 0)
        for (nick, token) in [("x", UInt64(11)), ("y", 12), ("z", 13)] {
            directory.set(nick, address: Self.x, online: true)
            publisher.subscribe(nick, address: Address(host: nick, port: 1), token: token, mode: .onDemand)
        }
        _ = publisher.flush(directory, now: .zero)
        publisher.hold("y", by: "x")
        directory.set("y", address: Self.y, online: false)
        publisher.rowChanged("y")
        let sent = publisher.flush(directory, now: .zero).map { directive in
            switch directive { case .delta(_, let holder): holder.host }
        }.sorted()
        #expect(sent == ["x", "y"], "z does not hold y's row")
    }

    @Test("HolderProbes: 20 probes 200 ms apart, then the verdict; an answer ends the round")
    func probes() {
        var probes = HolderProbes(attempts: 20, interval: .milliseconds(200))
        let first = probes.probe("x", token: 5, address: Self.x, probeID: 1, now: .zero)
        let second = probes.probe("x", token: 5, address: Self.x, probeID: 2, now: .zero)
        #expect(first != nil && second == nil, "one round at a time")
        var sent = 1
        var now = Instant.zero
        var dead: [String] = []
        while dead.isEmpty {
            now = now + .milliseconds(200)
            for directive in probes.tick(now) {
                switch directive {
                case .probe: sent += 1
                case .silent(let nick, _): dead.append(nick)
                case .answered, .holderLeft: break
                }
            }
        }
        #expect(sent == 20 && now == .zero + .seconds(4) && dead == ["x"])
        _ = probes.probe("y", token: 6, address: Self.y, probeID: 3, now: now)
        let answered = probes.answered("y")
        let later = probes.tick(now + .seconds(10))
        #expect(answered != nil && later.isEmpty)
    }

    @Test("StoredMessageCourier: messages wait for the table, go out one batch at a time after the recipient's timeout, doubling, and are removed once acknowledged")
    func courier() {
        var courier = StoredMessageCourier(retryInterval: .milliseconds(500), attempts: 5)
        let message = StoredMessage(recipient: "x", key: MessageKey(sender: "y", id: 1), savedAtMicroseconds: 0, text: "hi")
        let load = courier.start("x")
        let noTable = StoredMessageCourier.Recipient(address: Self.x, token: 5, hasTable: false, retryAfter: .milliseconds(100))
        let waiting = courier.loaded("x", [message], to: noTable, newID: { 40 }, now: .zero)
        #expect(load && waiting.isEmpty)
        let withTable = StoredMessageCourier.Recipient(address: Self.x, token: 5, hasTable: true, retryAfter: .milliseconds(100))
        let batch = courier.tableArrived("x", recipient: withTable, newID: { 40 }, now: .zero)
        let early = courier.retry(.zero + .milliseconds(99)) { _ in withTable }
        let resent = courier.retry(.zero + .milliseconds(100)) { _ in withTable }
        let notYet = courier.retry(.zero + .milliseconds(299)) { _ in withTable }
        let again = courier.retry(.zero + .milliseconds(300)) { _ in withTable }
        #expect(batch.count == 1 && early.isEmpty && resent.count == 1, "unacknowledged: resent after the timeout")
        #expect(notYet.isEmpty && again.count == 1, "the next try waits twice as long")
        guard case .send(let inFlight, Self.x)? = again.first else { return #expect(Bool(false), "the batch went again") }
        #expect(inFlight.packet == Packet(id: 40, message: .offlineBatch(token: 5, messages: [OfflineMessage(key: message.key, savedAtMicroseconds: 0, text: "hi")])))
        let done = courier.acknowledged(40, by: "x", recipient: withTable, newID: { 41 }, now: .zero + .seconds(1))
        #expect(done == [.delivered([message.key], recipient: "x")])
    }

    @Test("StoredMessageCourier: the next try is the earliest batch's, without a scan; a hurried batch goes at once; one whose recipient is not online waits a retry interval")
    func courierTries() {
        var courier = StoredMessageCourier(retryInterval: .milliseconds(500), attempts: 5)
        func recipient(_ retry: Int) -> StoredMessageCourier.Recipient {
            .init(address: Address(host: "10.0.0.\(retry)", port: 4000), token: UInt64(retry), hasTable: true, retryAfter: .milliseconds(retry))
        }
        func sentBatches(_ directives: [StoredMessageCourier.Directive]) -> [UInt64] {
            directives.compactMap { directive -> UInt64? in if case .send(let batch, _) = directive { batch.id } else { nil } }
        }
        for retry in [300, 100, 200] {
            let nick = "n\(retry)"
            _ = courier.start(nick)
            let message = StoredMessage(recipient: nick, key: MessageKey(sender: "y", id: UInt64(retry)), savedAtMicroseconds: 0, text: "hi")
            #expect(courier.loaded(nick, [message], to: recipient(retry), newID: { UInt64(retry) }, now: .zero).count == 1)
        }
        #expect(courier.nextDeadline == .zero + .milliseconds(100))
        let acked = courier.acknowledged(100, by: "n100", recipient: recipient(100), newID: { 1 }, now: .zero + .milliseconds(50))
        #expect(acked?.first == .delivered([MessageKey(sender: "y", id: 100)], recipient: "n100"))
        #expect(courier.retry(.zero + .milliseconds(100)) { _ in nil }.isEmpty, "an acknowledged batch's try is stale")
        courier.hurry("n300", now: .zero + .milliseconds(120))
        let hurried = courier.retry(.zero + .milliseconds(120)) { recipient(Int($0.dropFirst()) ?? 0) }
        #expect(sentBatches(hurried) == [300], "the hurried batch goes at once")
        let offline = courier.retry(.zero + .milliseconds(200)) { _ in nil }
        #expect(offline.isEmpty, "n200 is not online: looked at again after 500 ms")
        let stale = courier.retry(.zero + .milliseconds(300)) { recipient(Int($0.dropFirst()) ?? 0) }
        #expect(stale.isEmpty && courier.nextDeadline == .zero + .milliseconds(620), "n300's first try was moved: its old time finds nothing")
        let back = courier.retry(.zero + .milliseconds(700)) { recipient(Int($0.dropFirst()) ?? 0) }
        #expect(sentBatches(back) == [300, 200], "n300's second try (doubled to 500 ms) and n200's, earliest first")
    }

    @Test("SessionTable: a token speaks for its nick only from the session's address, and only while online")
    func sessions() {
        var sessions = SessionTable()
        var random = RandomSource.seeded(1)
        let record = sessions.open("x", at: Self.x, registrationID: 1, now: .zero, random: &random)
        #expect(sessions.holder(of: record.token, at: Self.x) == "x")
        #expect(sessions.holder(of: record.token, at: Self.y) == nil)
        #expect(sessions.holder(of: 0, at: Self.x) == nil)
        let again = sessions.open("x", at: Self.x, registrationID: 2, now: .zero, random: &random)
        #expect(again.registrationOutcome == .reRegistered && sessions.nick(of: record.token) == nil, "the old token is void")
        sessions.close("x", deregistered: true)
        #expect(sessions.holder(of: again.token, at: Self.x) == nil && sessions["x"]?.deregistered == true)
        #expect(sessions.silent(now: .zero + .seconds(99), timeout: .seconds(35)).isEmpty, "offline clients are not swept")
    }

    @Test("SaveIntake: a retried save is stored once, and every asker is answered")
    func intake() {
        var intake = SaveIntake(remembered: 10)
        let key = MessageKey(sender: "y", id: 1)
        let first = intake.ask(key, for: "x", from: Self.y)
        let retry = intake.ask(key, for: "x", from: Self.x)
        #expect(first && !retry, "already on its way to storage")
        let message = StoredMessage(recipient: "x", key: key, savedAtMicroseconds: 0, text: "hi")
        let answered = intake.finished(message, stored: true)
        #expect(answered == [Self.y, Self.x])
        #expect(intake.wasSaved(key))
    }

    @Test("BackoffSchedule: 0.5, 1, 2, then every 4 s; a new start never delays a retry already due")
    func backoff() {
        var schedule = BackoffSchedule()
        schedule.start(1, now: .zero)
        var fired: [Int] = []
        var now = Instant.zero
        while now < .zero + .seconds(12) {
            now = now + .milliseconds(250)
            if !schedule.popDue(now).isEmpty { fired.append(Int(now.nanoseconds / 1_000_000)) }
            // Something new is sent at 1.25 s (the retry due at 1.5 s is sooner: kept) and at 2 s (the one
            // due at 3.5 s is later: the back-off starts again, due at 2.5 s).
            if now == .zero + .milliseconds(1_250) || now == .zero + .seconds(2) { schedule.start(1, now: now) }
        }
        #expect(fired == [500, 1_500, 2_500, 3_500, 5_500, 9_500])
    }

    @Test("BackoffSchedule: stopped ids leave no deadline behind; one still retried keeps its own")
    func backoffStopped() {
        var schedule = BackoffSchedule()
        for id in UInt64(1)...3 { schedule.start(id, now: .zero + .microseconds(Int64(id))) }
        schedule.stop(2)
        #expect(schedule.earliest == .zero + .microseconds(1) + .milliseconds(500), "1 is still retried")
        schedule.stop(1)
        #expect(schedule.earliest == .zero + .microseconds(3) + .milliseconds(500), "2's entry went with 1's")
        schedule.stop(3)
        #expect(schedule.earliest == nil)
    }
}
