import ChatKitCore
import Foundation
import Glibc

/// How long a change takes to cross servers of a group: a watcher registered at the first server, then
/// `count` new clients registering one by one at the second; each sample runs from a newcomer's welcome
/// to the first table change at the watcher that carries its row (through PostgreSQL's notification, or
/// the 2-second announce when one is lost).
enum CrossingBench {
    static func run(first: ChildServer, second: ChildServer, count: Int = 100) throws -> Samples {
        let watcher = RawFloor.socket().0
        let newcomer = RawFloor.socket().0
        defer {
            close(watcher)
            close(newcomer)
        }
        for fd in [watcher, newcomer] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        var watcherToken: UInt64 = 0
        var watcherVersion: UInt64 = 0
        var seen: Set<String> = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var key = RandomSource.seeded(3)

        /// Registers `nick` from `fd` at `port` (answering the challenge); its token, or nil after 5 s.
        func register(_ nick: String, from fd: Int32, at port: UInt16, onOther: (Packet) -> Void) -> UInt64? {
            let publicKey = key.bytes(32)
            var cookie: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(5)
            var lastSent = ContinuousClock.now - .seconds(1)
            while ContinuousClock.now < deadline {
                if ContinuousClock.now - lastSent > .milliseconds(500) {
                    lastSent = .now
                    send(.register(nick: nick, token: 0, proof: IdentityProof(publicKey: publicKey, cookie: cookie)), id: 1, from: fd, to: port)
                }
                for packet in receive(watcher) { onOther(packet) }
                for packet in fd == watcher ? [] : receive(fd) {
                    if case .registerReply(.challenge, _, let echoed, _) = packet.message {
                        cookie = echoed
                        lastSent = ContinuousClock.now - .seconds(1)
                    } else if case .registerReply(let outcome, let token, _, _) = packet.message, outcome == .registered {
                        return token
                    }
                }
                usleep(200)
            }
            return nil
        }
        func send(_ message: Message, id: UInt64, from fd: Int32, to port: UInt16) {
            guard let bytes = try? Packet(id: id, message: message).encoded() else { return }
            RawFloor.send(fd, bytes, to: port)
        }
        func receive(_ fd: Int32) -> [Packet] {
            var packets: [Packet] = []
            while true {
                let length = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard length > 0 else { break }
                if let packet = try? Packet(decoding: Array(buffer[0..<length])) { packets.append(packet) }
            }
            return packets
        }
        /// The watcher's side: remembers the rows its tables carry, and acknowledges them.
        func watch(_ packet: Packet) {
            switch packet.message {
            case .registerReply(let outcome, let token, _, _) where outcome == .registered && watcherToken == 0:
                watcherToken = token
            case .registerReply(.challenge, _, _, _):
                break
            case .tableDelta(let delta) where delta.token == watcherToken:
                for row in delta.entries where row.online { seen.insert(row.nick) }
                if delta.from <= watcherVersion, delta.to > watcherVersion { watcherVersion = delta.to }
                send(.tableAck(token: watcherToken, version: watcherVersion), id: 0, from: watcher, to: first.port)
            default:
                break
            }
        }

        // The watcher registers at the first server (challenge answered by hand: it reads its own socket).
        let watcherKey = key.bytes(32)
        var cookie: [UInt8] = []
        let start = ContinuousClock.now
        while watcherToken == 0, ContinuousClock.now - start < .seconds(5) {
            send(.register(nick: "watcher", token: 0, proof: IdentityProof(publicKey: watcherKey, cookie: cookie)), id: 1, from: watcher, to: first.port)
            usleep(50_000)
            for packet in receive(watcher) {
                if case .registerReply(.challenge, _, let echoed, _) = packet.message { cookie = echoed }
                watch(packet)
            }
        }
        guard watcherToken != 0 else { throw BenchError.timedOut("the watcher's registration") }

        var samples = Samples()
        // The first newcomer is not counted: until each server's roster has heard of the other (an
        // announce, 2 s), the other's clients count as offline.
        for index in 0...count {
            let nick = "newcomer\(index)"
            guard register(nick, from: newcomer, at: second.port, onOther: watch) != nil else { throw BenchError.timedOut("\(nick)'s registration") }
            let welcomed = ContinuousClock.now
            while !seen.contains(nick) {
                guard ContinuousClock.now - welcomed < .seconds(10) else { throw BenchError.timedOut("\(nick)'s row at the watcher") }
                for packet in receive(watcher) { watch(packet) }
                usleep(100)
            }
            if index > 0 { samples.add(ContinuousClock.now - welcomed) }
        }
        return samples
    }
}
