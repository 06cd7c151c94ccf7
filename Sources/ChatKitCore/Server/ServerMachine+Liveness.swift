/// Liveness: keepalives, each session's retransmission timeout, and the sweep of silent clients (the
/// probes of holders that may be gone are the takeover rule's, in `ServerMachine+Takeover.swift`).
extension ServerMachine {
    /// The retransmission timeout toward `nick`'s session (RFC 6298, from its measured round trips),
    /// within `floor`…`cap`; `cap` until a round trip is measured.
    func retransmissionTimeout(toward nick: String, floor: Duration, cap: Duration) -> Duration {
        sessions[nick]?.retransmissionTimeout(floor: floor, cap: cap) ?? cap
    }

    mutating func keepalive(_ id: UInt64, token: UInt64, version: UInt64, from source: Address) {
        guard let nick = heardFrom(token, at: source) else {
            return reply(id, .keepaliveReply(.unknownSession, tableVersion: 0), to: source)
        }
        tableAcknowledged(version, by: nick)
        reply(id, .keepaliveReply(.alive, tableVersion: publisher.sentVersion(of: nick)), to: source)
    }

    /// Marks offline every online client silent for longer than `clientTimeout`.
    mutating func sweepSilentClients() {
        guard let due = nextSweep, due <= now else { return }
        for nick in sessions.silent(now: now, timeout: config.clientTimeout) {
            log(.silentClient(nick: nick, after: config.clientTimeout))
            mark(nick, as: .offline(deregistered: false))
        }
        nextSweep = sessions.anyOnline ? now + config.sweepInterval : nil
    }
}
