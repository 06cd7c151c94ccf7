import ChatKitCore
import Foundation
import ChatKitTesting
import Testing
import TransportUDP

/// The abuse issue's attacks, each with the real server binary over real UDP on loopback: no mechanism
/// sends anyone more than the attacker sent, the log stays short, and floods lock out no honest sender.
extension AttacksOverUDPTests {
    /// A server on files in a fresh folder, with `options`; its address.
    static func startServer(_ options: [String] = [], in folder: TemporaryFolder) throws -> (RunningProcess, Address) {
        let port = try BinaryEndToEndTests.freePorts(1)[0]
        let server = try RunningProcess(["-s", String(port), "--data-dir", folder.path] + options)
        #expect(server.waitFor(line: "server port number: \(port)"))
        return (server, Address(host: "127.0.0.1", port: port))
    }

    static func stop(_ server: RunningProcess) {
        server.interrupt()
        #expect(server.waitForExit() == 0)
    }

    /// x and an attacker a, both raw clients registered at `address` that acknowledge their tables; a's token.
    static func registeredPair(at address: Address) throws -> (x: RawClient, attacker: RawClient, token: UInt64) {
        let x = try RawClient(server: address, acksTables: true)
        _ = try #require(x.register("x", id: 1))
        let attacker = try RawClient(server: address, acksTables: true)
        let token = try #require(attacker.register("a", id: 2))
        return (x, attacker, token)
    }

    /// 300 punch requests from `attacker` toward x, 10 ms apart, padded for `candidates`; the bytes sent.
    static func punchFlood(from attacker: RawClient, token: UInt64, candidates: [Address]) -> Int {
        let padding = Message.punchRequestPadding(asker: "a", peer: "x", candidates: candidates)
        let before = attacker.bytesSent
        for index in 0..<300 {
            attacker.send(Packet(id: UInt64(100 + index), message: .punchRequest(token: token, peer: "x", nonce: UInt64(index + 1), padding: padding)))
            usleep(10_000)
        }
        return attacker.bytesSent - before
    }

    @Test("punch reflection: 300 punch requests naming a silent socket five times make x punch it less than the attacker sent")
    func punchReflection() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let victim = try RawClient(server: address)
        let x = try RunningProcess(["-c", "x", "127.0.0.1", String(address.port)])
        #expect(x.waitFor(line: ">>> [Welcome, You are registered.]"))
        let attacker = try RawClient(server: address)
        let token = try #require(attacker.register("a", id: 1, candidates: Array(repeating: victim.transport.localAddress, count: 5)))
        let sent = Self.punchFlood(from: attacker, token: token, candidates: [victim.transport.localAddress])
        victim.datagrams.wait(timeout: .seconds(1)) { _ in false }  // what is still on its way
        #expect(victim.bytesReceived > 0, "x still punches toward the asker's candidates")
        #expect(victim.bytesReceived <= sent, "\(victim.bytesReceived) bytes to a socket that never asked, for \(sent) sent")
        x.interrupt()
        Self.stop(server)
    }

    @Test("punch orders: an honest peer gets fewer bytes of orders than the attacker sent requests")
    func punchOrders() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let (x, attacker, token) = try Self.registeredPair(at: address)
        let before = x.bytesReceived
        let sent = Self.punchFlood(from: attacker, token: token, candidates: [])
        x.datagrams.wait(timeout: .seconds(1)) { _ in false }
        let orders = x.received.all.filter { if case .punchOrder = $0.message { true } else { false } }.count
        let received = x.bytesReceived - before
        #expect(orders >= 1 && orders <= 5, "one order a second: \(orders)")
        #expect(received <= sent, "\(received) bytes to x for \(sent) sent")
        Self.stop(server)
    }

    @Test("relays to a registered recipient gone silent: fewer bytes than the flooder sent, and every save answered")
    func relaysToSilentRecipient() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let (x, attacker, token) = try Self.registeredPair(at: address)
        let before = (attacker.bytesSent, x.bytesReceived)
        let save = { (index: Int) in
            Packet(id: UInt64(100 + index), message: .save(SaveRequest(token: token, recipient: "x", reason: .noAck, text: "are you there?")))
        }
        for index in 0..<300 {
            attacker.send(save(index))
            usleep(3_000)
        }
        // 5 relay tries and 20 probes take 5 s; every save is answered "saved" once x is taken for gone. Saves
        // over the relay rate get no answer, and are sent again every 500 ms, as a client would.
        let answered = { Set(attacker.received.all.filter { $0.id >= 100 }.map(\.id)) }
        for _ in 0..<20 where answered().count < 300 {
            attacker.received.wait(timeout: .milliseconds(500)) { _ in false }
            let done = answered()
            for index in 0..<300 where !done.contains(UInt64(100 + index)) { attacker.send(save(index)) }
        }
        #expect(answered().count == 300)
        let (sent, received) = (attacker.bytesSent - before.0, x.bytesReceived - before.1)
        #expect(received <= sent, "\(received) bytes of relays and probes to x for \(sent) sent")
        Self.stop(server)
    }

    @Test("re-registration churn: 300 re-registrations with alternating candidates push each holder less than they cost, and log 21 lines")
    func reRegistrationChurn() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let holders = try (0..<5).map { _ in try RawClient(server: address, acksTables: true) }
        for (index, holder) in holders.enumerated() { _ = try #require(holder.register("h\(index)", id: UInt64(1 + index))) }
        let attacker = try RawClient(server: address, acksTables: true)
        _ = try #require(attacker.register("a", id: 10))
        usleep(200_000)
        let before = (attacker.bytesSent, holders.map(\.bytesReceived), server.printed.count)
        for index in 0..<300 {
            let candidates = [Address(host: index % 2 == 0 ? "127.0.0.5" : "127.0.0.6", port: 6066)]  // loopback: kept for a loopback client, sent nothing
            _ = attacker.register("a", id: UInt64(100 + index), candidates: candidates)
        }
        usleep(1_500_000)
        let sent = attacker.bytesSent - before.0
        let most = zip(holders, before.1).map { $0.bytesReceived - $1 }.max() ?? 0
        #expect(most <= sent, "\(most) bytes to one holder for \(sent) sent")
        let logged = server.printed.dropFirst(before.2).filter { $0.contains(" a at ") }.count
        #expect(logged <= 21, "\(logged) registration lines")
        Self.stop(server)
    }

    @Test("log flood: 5,000 saves to an online recipient write 20 lines, not 5,000")
    func logFlood() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let (_, attacker, token) = try Self.registeredPair(at: address)
        for index in 0..<5_000 {
            attacker.send(Packet(id: UInt64(100 + index), message: .save(SaveRequest(token: token, recipient: "x", reason: .recipientOffline, text: "flood"))))
            if index % 100 == 0 { usleep(20_000) }
        }
        #expect(attacker.received.wait(timeout: .seconds(5)) { $0.count >= 4_900 }, "the saves are answered")
        let lines = server.printed.filter { $0.contains("thinks x is offline") }.count
        #expect(lines == 20, "\(lines) lines")
        Self.stop(server)
    }

    @Test("mailbox lockout: four nicks from one host fill a quarter of x's mailbox; a sender on another address and x's friend still store")
    func mailboxLockout() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(["--mailbox-limit", "40", "--sender-share", "10"], in: folder)
        let port = String(address.port)
        let friend = try RunningProcess(["-c", "friend", "127.0.0.1", port])
        #expect(friend.waitFor(line: ">>> [Welcome, You are registered.]"))
        friend.type("dereg")
        #expect(friend.waitFor(line: ">>> [You are Offline. Bye.]"))
        let x = try RunningProcess(["-c", "x", "127.0.0.1", port])
        #expect(x.waitFor(line: ">>> [Welcome, You are registered.]"))
        x.type("send friend call me")
        #expect(x.waitFor(line: ">>> [Messages received by the server and saved.]"))
        x.type("dereg")
        #expect(x.waitFor(line: ">>> [You are Offline. Bye.]"))
        var flooded = 0
        for flooder in 0..<4 {
            let raw = try RawClient(server: address, acksTables: true)
            let token = try #require(raw.register("f\(flooder)", id: UInt64(10 + flooder)))
            for index in 0..<15 {
                let reply = raw.request(Packet(id: UInt64(1_000 * (flooder + 1) + index), message: .save(SaveRequest(token: token, recipient: "x", reason: .recipientOffline, text: "flood"))))
                if reply?.message == .saveReply(.saved, peer: nil) { flooded += 1 }
            }
        }
        #expect(flooded == 10, "one network's share: \(flooded)")
        let honest = try RawClient(server: address, host: "127.0.0.2", acksTables: true)
        let honestToken = try #require(honest.register("y", id: 20))
        let stored = (0..<10).filter { index in
            honest.request(Packet(id: UInt64(500 + index), message: .save(SaveRequest(token: honestToken, recipient: "x", reason: .recipientOffline, text: "hello"))))?.message == .saveReply(.saved, peer: nil)
        }.count
        #expect(stored == 10, "the honest sender on 127.0.0.2")
        friend.type("reg")
        #expect(friend.waitFor(containing: "> call me"))
        friend.type("send x got it")
        #expect(friend.waitFor(line: ">>> [Messages received by the server and saved.]"), "x wrote to its friend first: the flood's share does not bind it")
        for process in [x, friend] { process.interrupt() }
        Self.stop(server)
    }

    @Test("look-alikes made of marks: x with a combining accent is refused by the client and by the server")
    func combiningMarks() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        let marked = try RunningProcess(["-c", "x\u{0301}", "127.0.0.1", String(address.port)])
        #expect(marked.waitForExit() != 0)
        #expect(marked.printed.contains { $0.contains("cannot put the mark U+0301") }, "\(marked.printed)")
        let raw = try RawClient(server: address)
        let key = try #require(raw.key)
        let reply = raw.request(Packet(id: 1, message: .register(nick: "x\u{0301}", token: 0, proof: IdentityProof(publicKey: key.publicKey))))
        #expect(reply?.message == .registerReply(.invalidNick, token: 0))
        Self.stop(server)
    }

    @Test("an honest crowd: 40 new nicknames from one machine's loopback are all welcome")
    func honestCrowd() throws {
        let folder = try TemporaryFolder()
        let (server, address) = try Self.startServer(in: folder)
        var granted = 0
        for index in 0..<40 {
            let client = try RawClient(server: address, acksTables: true)
            if client.register("person\(index)", id: UInt64(index + 1)) != nil { granted += 1 }
        }
        #expect(granted == 40)
        Self.stop(server)
    }
}
