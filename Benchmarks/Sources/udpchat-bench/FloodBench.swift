import ChatKitCore
import ChatKitCrypto
import ChatKitTesting
import Foundation
import Glibc

/// The identity issue's figures, measured on the server machine alone: how many bytes a forged source
/// gets back per byte sent, what a flood of registrations costs in memory, what a flood of forged
/// deregistrations costs in log lines, and how many bytes one nickname can make the server store.
enum FloodBench {
    static func run(into report: inout Report) {
        report.add("amplification before an address is validated", "\(formatted(amplification(), digits: 2))× bytes out / bytes in",
            "worst of register, lookup, who, keepalive, save and deregister from a forged source (QUIC allows 3×)")
        let forged = heapGrowth(attempts: 100_000, echoCookies: false)
        report.add("memory per 1,000 forged registrations (no cookie echoed)", "\(formatted(forged.perThousand)) bytes",
            "\(formatted(Double(forged.attempts))) attempts from distinct forged sources; cookies are stateless")
        let echoed = heapGrowth(attempts: 10_000, echoCookies: true)
        report.add("memory per 1,000 registrations from one source", "\(formatted(echoed.perThousand)) bytes",
            "\(formatted(Double(echoed.attempts))) new nicks tried in 20 s, \(echoed.granted) granted (--new-nicks-per-minute 30)")
        report.add("log lines for 10,000 forged deregistrations", "\(forgedDeregistrationLogLines())", "refusals are logged ≤ 20 a minute")
        let stored = bytesOneNickStores()
        report.add("bytes one nickname can make the server store", "\(formatted(Double(stored))) bytes",
            "--sender-kib 4096; one source network can register 30 nicknames a minute, and the store holds 1 GiB in all (--store-mib)")
        abuse(into: &report)
    }

    /// What a registered attacker can make the server or a peer send toward someone who did not ask, one
    /// row per mechanism (`AbuseTrials`, the machines the tests check), and what its floods cost others.
    static func abuse(into report: inout Report) {
        let punches = AbuseTrials.punches()
        let relays = AbuseTrials.relaysToSilentRecipient()
        let churn = AbuseTrials.reRegistrations()
        let rows: [(AbuseTrials.Amplification, String)] = [
            (punches.orders, "300 padded punch requests toward an honest peer, 10 ms apart"),
            (punches.punches, "what that peer punches toward a socket the attacker named 5 times among its candidates"),
            (relays.relays, "300 \"no ACK\" saves for a registered recipient gone silent, 10 ms apart; \(relays.answered) of 300 answered"),
            (relays.probes, "the probes those saves set off toward the same recipient"),
            (churn.pushes, "300 re-registrations, 100 ms apart, alternating candidates: the most one of 20 holders got"),
            (churn.toAttacker, "the same re-registrations: challenges, replies and tables back to the churner itself (it asked)"),
        ]
        for (amplification, note) in rows {
            report.add(
                "amplification: \(amplification.mechanism)", "\(formatted(amplification.ratio, digits: 3))×",
                "\(formatted(Double(amplification.targetBytes))) bytes out for \(formatted(Double(amplification.attackerBytes))) in; " + note)
        }
        report.add("log lines for 5,000 saves to an online recipient", "\(AbuseTrials.logLines())", "every cause ≤ 20 a minute, one limiter")
        let flood = AbuseTrials.mailboxFlood()
        report.add(
            "an honest sender's messages during a one-network mailbox flood", "\(flood.honestStored) of 20 stored",
            "4 nicks × 300 saves from one network stored \(flood.flooded) (its share of 1,000); a contact on the flood's network: \(flood.contactStored) of 20")
    }

    private static let victim = Address(host: "192.0.2.7", port: 4444)

    private static func sent(_ effects: [ServerEffect]) -> [[UInt8]] {
        effects.compactMap { if case .send(let packet, _) = $0 { try? packet.encoded() } else { nil } }
    }

    /// The worst ratio of bytes sent to the forged source over bytes received from it, over one request
    /// of each kind a stranger can send.
    static func amplification() -> Double {
        let key = (try? IdentityKey.generate())?.publicKey ?? Array(repeating: 1, count: 32)
        let requests: [Message] = [
            .register(nick: "x", token: 0, proof: IdentityProof(publicKey: key)), .lookup(token: 7, nick: "y"),
            .who(token: 7, prefix: "", after: ""), .keepalive(token: 7, tableVersion: 0),
            .save(SaveRequest(token: 7, recipient: "y", reason: .recipientOffline, text: "hi")), .deregister(nick: "x", token: 7),
        ]
        var worst = 0.0
        for (index, message) in requests.enumerated() {
            var server = ServerMachine()
            guard let bytes = try? Packet(id: UInt64(index + 1), message: message).encoded() else { continue }
            var out = sent(server.handle(.datagram(Datagram(bytes: bytes, source: victim)), at: .zero, wallClockMicroseconds: 0))
            out += sent(server.handle(.tick, at: .zero + .seconds(60), wallClockMicroseconds: 0))
            worst = max(worst, Double(out.reduce(0) { $0 + $1.count }) / Double(bytes.count))
        }
        return worst
    }

    /// Asks `server` for `nick` from `source` (request `id`); with `key`, answers the challenge signed.
    private static func register(
        _ nick: String, id: UInt64, from source: Address, key: IdentityKey?, publicKey: [UInt8], server: inout ServerMachine, at now: Instant
    ) {
        let first = (try? Packet(id: id, message: .register(nick: nick, token: 0, proof: IdentityProof(publicKey: publicKey))).encoded()) ?? []
        let replies = sent(server.handle(.datagram(Datagram(bytes: first, source: source)), at: now, wallClockMicroseconds: 0))
        guard let key, let reply = replies.first, case .registerReply(.challenge, _, let cookie, _)? = try? Packet(decoding: reply).message
        else { return }
        let signed = (try? Packet(id: id, message: .register(nick: nick, token: 0, proof: .signed(cookie: cookie, nick: nick, key: key))).encoded()) ?? []
        _ = server.handle(.datagram(Datagram(bytes: signed, source: source)), at: now, wallClockMicroseconds: 0)
    }

    /// Memory growth of a server that gets `attempts` registrations: from distinct forged sources that
    /// never echo the cookie, or from one source that does (and signs), for a new nickname each time.
    static func heapGrowth(attempts: Int, echoCookies: Bool) -> (attempts: Int, perThousand: Double, granted: Int) {
        var server = ServerMachine()
        let key = try? IdentityKey.generate()
        let publicKey = key?.publicKey ?? []
        _ = NicknameComparison.key("warm-up")  // parses the confusables table once, before measuring
        let before = residentBytes()
        for index in 0..<attempts {
            let source = echoCookies ? victim : Address(host: "198.51.\(index / 250 % 250).\(index % 250)", port: UInt16(1_024 + index % 60_000))
            let now: Instant = echoCookies ? .zero + .milliseconds(Int64(index) * 2) : .zero
            register("n\(index)", id: UInt64(index + 1), from: source, key: echoCookies ? key : nil, publicKey: publicKey, server: &server, at: now)
        }
        let growth = Double(residentBytes() - before)
        return (attempts, growth / Double(attempts) * 1_000, server.clientCounts.known)
    }

    /// The process's resident memory, from /proc/self/statm.
    static func residentBytes() -> Int {
        let fields = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8))?.split(separator: " ") ?? []
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// How many log lines 10,000 forged deregistrations of a live nickname make in 20 s.
    static func forgedDeregistrationLogLines() -> Int {
        var server = ServerMachine()
        let holder = Address(host: "192.0.2.1", port: 1)
        let key = try? IdentityKey.generate()
        register("x", id: 1, from: holder, key: key, publicKey: key?.publicKey ?? [], server: &server, at: .zero)
        var lines = 0
        for index in 0..<10_000 {
            let bytes = (try? Packet(id: UInt64(index + 1), message: .deregister(nick: "x", token: UInt64(index + 1))).encoded()) ?? []
            let effects = server.handle(.datagram(Datagram(bytes: bytes, source: victim)), at: .zero + .milliseconds(Int64(index) * 2), wallClockMicroseconds: 0)
            lines += effects.filter { if case .log(let event) = $0 { event.level <= .info } else { false } }.count
        }
        return lines
    }

    /// Bytes of 1,000-byte messages one sender gets stored under the default limits before "over quota".
    static func bytesOneNickStores() -> Int {
        let limits = ServerConfig().mailboxLimits
        var usage = StoreUsage()
        var stored = 0
        for index in 0..<100_000 {
            let message = StoredMessage(
                recipient: "r\(index)", key: MessageKey(sender: "flooder", id: UInt64(index)), savedAtMicroseconds: 0,
                text: String(repeating: "z", count: 1_000))
            guard usage.refusal(of: message, limits: limits) == nil else { break }
            usage.add(message)
            stored += message.text.utf8.count
        }
        return stored
    }
}
