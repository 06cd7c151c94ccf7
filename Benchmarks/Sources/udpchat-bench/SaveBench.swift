import ChatKitCore
import ChatKitCrypto
import Foundation
import Synchronization
import TransportUDP

/// Durable offline saves per second through a real server: a sender streams `save` requests with up to
/// `window` unanswered, and every one must come back "saved".
enum SaveBench {
    static func run(server: ChildServer, count: Int, window: Int = 512) throws -> Double {
        let saved = Waiter()
        let replies = Waiter()
        let answered = AnsweredIDs()
        let tokens = TokenBox()
        let transport = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { transport.close() }
        let senderKey = try IdentityKey.generate()
        let recipientKey = try IdentityKey.generate()
        let serverAddress = server.address
        transport.startReceivingBatches { batch in
            for datagram in batch {
                guard let packet = try? Packet(decoding: datagram.bytes) else { continue }
                switch packet.message {
                case .registerReply(.challenge, _, let cookie, _):
                    let proof = IdentityProof.signed(cookie: cookie, nick: "s", key: senderKey)
                    if let bytes = try? Packet(id: packet.id, message: .register(nick: "s", token: 0, proof: proof)).encoded() {
                        transport.send(bytes, to: serverAddress)
                    }
                case .registerReply(_, let token, _, _): tokens.set(packet.id, token)
                case .deregisterReply: tokens.set(packet.id, 0)
                case .saveReply(let outcome, _):
                    guard answered.insert(packet.id) else { continue }
                    if outcome == .saved { saved.increment() }
                    replies.increment()
                default: break
                }
            }
        }
        let recipient = try UDPTransport(port: 0, host: "127.0.0.1")
        defer { recipient.close() }
        let recipientTokens = TokenBox()
        recipient.startReceiving { datagram in
            guard let packet = try? Packet(decoding: datagram.bytes) else { return }
            if case .registerReply(.challenge, _, let cookie, _) = packet.message {
                let proof = IdentityProof.signed(cookie: cookie, nick: "r", key: recipientKey)
                if let bytes = try? Packet(id: packet.id, message: .register(nick: "r", token: 0, proof: proof)).encoded() {
                    recipient.send(bytes, to: serverAddress)
                }
            } else if case .registerReply(_, let token, _, _) = packet.message {
                recipientTokens.set(packet.id, token)
            }
        }
        func send(_ via: UDPTransport, _ packet: Packet) {
            if let bytes = try? packet.encoded() { via.send(bytes, to: server.address) }
        }
        send(recipient, Packet(id: 1, message: .register(nick: "r", token: 0, proof: IdentityProof(publicKey: recipientKey.publicKey))))
        let recipientToken = try recipientTokens.wait(for: 1)
        send(recipient, Packet(id: 2, message: .deregister(nick: "r", token: recipientToken)))
        send(transport, Packet(id: 3, message: .register(nick: "s", token: 0, proof: IdentityProof(publicKey: senderKey.publicKey))))
        let token = try tokens.wait(for: 3)
        Thread.sleep(forTimeInterval: 0.05)  // let the deregistration land

        func save(_ index: Int) {
            let request = SaveRequest(token: token, recipient: "r", reason: .recipientOffline, text: "durable message \(index)")
            send(transport, Packet(id: 1_000 + UInt64(index), message: .save(request)))
        }
        let start = ContinuousClock.now
        for index in 0..<count {
            if index - replies.value >= window, !replies.wait(for: index - window + 1, timeout: .milliseconds(300)) {
                // Like a real client: what is not answered in time is sent again (the server deduplicates).
                for missing in 0..<index where !answered.contains(1_000 + UInt64(missing)) { save(missing) }
            }
            save(index)
        }
        var rounds = 0
        while !replies.wait(for: count, timeout: .milliseconds(300)) {
            rounds += 1
            guard rounds < 100 else { throw BenchError.timedOut("save replies") }
            for missing in 0..<count where !answered.contains(1_000 + UInt64(missing)) { save(missing) }
        }
        let elapsed = ContinuousClock.now - start
        return Double(saved.value) / elapsed.seconds
    }
}

// @unchecked: `tokens` is touched only with `lock` held; an NSCondition, not a Mutex, because callers wait.
/// Tokens from registration replies, by request id.
final class TokenBox: @unchecked Sendable {
    private let lock = NSCondition()
    private var tokens: [UInt64: UInt64] = [:]

    func set(_ id: UInt64, _ token: UInt64) {
        lock.lock()
        tokens[id] = token
        lock.broadcast()
        lock.unlock()
    }

    func wait(for id: UInt64) throws -> UInt64 {
        let deadline = Date().addingTimeInterval(5)
        lock.lock()
        defer { lock.unlock() }
        while tokens[id] == nil {
            if !lock.wait(until: deadline) { throw BenchError.timedOut("registration \(id)") }
        }
        return tokens[id] ?? 0
    }
}

/// The ids of requests answered so far.
final class AnsweredIDs: Sendable {
    private let ids = Mutex<Set<UInt64>>([])

    /// Records `id`; false if it was already answered.
    func insert(_ id: UInt64) -> Bool {
        ids.withLock { $0.insert(id).inserted }
    }

    func contains(_ id: UInt64) -> Bool {
        ids.withLock { $0.contains(id) }
    }
}
