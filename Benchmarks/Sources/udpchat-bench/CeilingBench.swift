import ChatKitCore
import ChatKitCrypto
import Foundation
import Glibc

/// How many online clients real servers hold: `clients` sessions, spread over the servers, each sending a
/// keepalive every 10 s (as `udpchat` does), for `duration`. Sessions share a few hundred sockets (several
/// nicks to an address), so one poll loop stands for them all; the keepalives go out evenly spread. Held
/// means p99 keepalive round trip ≤ 10 ms and no keepalive left unanswered (a client gives up after 8 s).
enum CeilingBench {
    struct Result {
        var clients: Int
        var registered: Int
        var samples: Samples
        var unanswered: Int
        var registration: Duration
        var serverCPU: Duration
        var serverPeakMemory: Int

        var held: Bool { registered == clients && unanswered == 0 && samples.percentile(0.99) <= 10_000 }
    }

    private struct Session {
        var socket: Int
        var nick: String
        var key: [UInt8]
        var server: UInt16
        var cookie: [UInt8] = []
        var token: UInt64 = 0
        var version: UInt64 = 0
    }

    static func run(clients count: Int, servers: [ChildServer], sockets socketCount: Int = 250, duration: Duration = .seconds(20)) -> Result {
        let fds: [Int32] = (0..<socketCount).map { _ in RawFloor.socket().0 }
        defer { fds.forEach { close($0) } }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var descriptors = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        // Public keys only: a new nick's first registration needs no signature, so one process can stand
        // for many clients without measuring its own signing.
        var seed = RandomSource.seeded(7)
        var sessions = (0..<count).map { index in
            Session(
                socket: index % socketCount, nick: "c\(index)", key: seed.bytes(32), server: servers[index % servers.count].port)
        }
        // Which session a datagram on a socket answers: by nick for registrations, by token afterwards.
        var byNick: [String: Int] = [:]
        for index in sessions.indices { byNick[sessions[index].nick] = index }
        var byToken: [UInt64: Int] = [:]
        var buffer = [UInt8](repeating: 0, count: 2048)

        func receive(_ handle: (Int, Packet) -> Void) {
            guard poll(&descriptors, nfds_t(descriptors.count), 1) > 0 else { return }
            for socket in descriptors.indices where descriptors[socket].revents & Int16(POLLIN) != 0 {
                while true {
                    let length = buffer.withUnsafeMutableBytes { recv(fds[socket], $0.baseAddress, $0.count, 0) }
                    guard length > 0, let packet = try? Packet(decoding: Array(buffer[0..<length])) else { break }
                    handle(socket, packet)
                }
            }
        }
        func send(_ session: Session, _ message: Message, id: UInt64) {
            guard let bytes = try? Packet(id: id, message: message).encoded() else { return }
            RawFloor.send(fds[session.socket], bytes, to: session.server)
        }
        func register(_ index: Int) {
            let session = sessions[index]
            send(session, .register(nick: session.nick, token: 0, proof: IdentityProof(publicKey: session.key, cookie: session.cookie)), id: UInt64(index) + 1)
        }
        func acknowledgeTables(_ packet: Packet) {
            guard case .tableDelta(let delta) = packet.message, let index = byToken[delta.token] else { return }
            if delta.from <= sessions[index].version, delta.to > sessions[index].version { sessions[index].version = delta.to }
            send(sessions[index], .tableAck(token: delta.token, version: sessions[index].version), id: 0)
        }

        // Registration, 2,000 at a time, each retried every 2 s until welcomed. A welcomed client sends its
        // keepalive every 10 s from then on, as `udpchat` does (unmeasured until the steady state): a
        // registration phase longer than the server's silence limit (35 s) must not time the first out.
        let registrationStart = ContinuousClock.now
        var registered = 0
        var next = 0
        var sentAt: [Int: ContinuousClock.Instant] = [:]
        var keepalivesDue: [(at: ContinuousClock.Instant, index: Int)] = []
        var dueCursor = 0
        while registered < count, ContinuousClock.now - registrationStart < .seconds(300) {
            while dueCursor < keepalivesDue.count, keepalivesDue[dueCursor].at <= .now {
                let index = keepalivesDue[dueCursor].index
                send(sessions[index], .keepalive(token: sessions[index].token, tableVersion: sessions[index].version), id: 0)
                keepalivesDue.append((.now + .seconds(10), index))
                dueCursor += 1
            }
            while next < count, sentAt.count < 2_000 {
                register(next)
                sentAt[next] = .now
                next += 1
            }
            for (index, at) in sentAt where ContinuousClock.now - at > .seconds(2) {
                register(index)
                sentAt[index] = .now
            }
            receive { _, packet in
                switch packet.message {
                case .registerReply(.challenge, _, let cookie, _):
                    let index = Int(packet.id) - 1
                    guard sessions.indices.contains(index) else { return }
                    sessions[index].cookie = cookie
                    register(index)
                case .registerReply(let outcome, let token, _, _) where outcome == .registered || outcome == .reRegistered:
                    let index = Int(packet.id) - 1
                    guard sessions.indices.contains(index), sessions[index].token == 0 else { return }
                    sessions[index].token = token
                    byToken[token] = index
                    sentAt[index] = nil
                    registered += 1
                    keepalivesDue.append((.now + .seconds(10), index))
                default:
                    acknowledgeTables(packet)
                }
            }
        }
        let registration = ContinuousClock.now - registrationStart

        // Steady state: keepalives spread evenly, count / 10 a second.
        var samples = Samples()
        var pending: [UInt64: ContinuousClock.Instant] = [:]
        let start = ContinuousClock.now
        var credit = 0.0
        var last = start
        var cursor = 0
        var nextID: UInt64 = 1 << 40
        while ContinuousClock.now - start < duration + .seconds(1) {
            let now = ContinuousClock.now
            if now - start < duration {
                credit += Double(count) * (now - last).seconds / 10
                while credit >= 1 {
                    credit -= 1
                    let session = sessions[cursor]
                    cursor = (cursor + 1) % count
                    guard session.token != 0 else { continue }
                    nextID += 1
                    pending[nextID] = .now
                    send(session, .keepalive(token: session.token, tableVersion: session.version), id: nextID)
                }
            }
            last = now
            receive { _, packet in
                if case .keepaliveReply = packet.message, let sent = pending.removeValue(forKey: packet.id) {
                    samples.add(ContinuousClock.now - sent)
                } else {
                    acknowledgeTables(packet)
                }
            }
        }
        let cpu = servers.reduce(Duration.zero) { $0 + $1.cpuTime }
        return Result(
            clients: count, registered: registered, samples: samples, unanswered: pending.count, registration: registration,
            serverCPU: cpu, serverPeakMemory: servers.map(\.peakMemory).max() ?? 0)
    }
}

extension Report {
    /// One row for a ceiling step: the keepalive round trip, what was unanswered, and the cost.
    mutating func add(ceiling result: CeilingBench.Result, servers: String) {
        add(
            "\(formatted(Double(result.clients))) online clients, keepalive every 10 s, \(servers): p50 / p99 / max",
            "\(formatted(result.samples.percentile(0.5) / 1_000, digits: 2)) / \(formatted(result.samples.percentile(0.99) / 1_000, digits: 2)) / "
                + "\(formatted(result.samples.percentile(1) / 1_000, digits: 1)) ms",
            "\(result.held ? "held" : "NOT held") (p99 ≤ 10 ms, none unanswered): \(result.registered) registered in "
                + "\(formatted(result.registration.seconds, digits: 1)) s, \(result.unanswered) keepalives unanswered; server CPU "
                + "\(formatted(result.serverCPU.seconds, digits: 1)) s, peak memory \(result.serverPeakMemory >> 20) MiB")
    }
}
