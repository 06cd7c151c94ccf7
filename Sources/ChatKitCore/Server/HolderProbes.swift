/// Asks clients that seem online whether they still are, before a nickname changes hands or a client is
/// marked offline on a peer's word.
///
/// One lost datagram must not decide: a holder is probed `attempts` times, `interval` apart, and only
/// silence to every probe makes it dead. Any answer (a probe reply, or any request carrying its token)
/// makes it alive. At 30% loss each way a probe round trip fails 51% of the time; 20 probes all fail
/// about once in 700,000.
struct HolderProbes {
    /// Someone at another address wants the nickname.
    struct Takeover: Equatable {
        var requestID: UInt64
        var requester: Address
    }

    /// One holder being probed, and why.
    struct Probe {
        var token: UInt64
        var address: Address
        var probeID: UInt64
        var sent = 0
        var nextAt: Instant
        /// The pause between this holder's probes (its retransmission timeout).
        var interval: Duration
        /// Set while a newcomer waits for the verdict; without it a silent holder is marked offline.
        var takeover: Takeover?
    }

    let attempts: Int
    let interval: Duration
    private(set) var probes: [String: Probe] = [:]
    /// Each probe round's next step in deadline order (stale entries are skipped), so the next deadline
    /// and each tick cost what is due, not a scan of every holder being probed.
    private var schedule = KeyedDeadlineQueue<String>()

    init(attempts: Int, interval: Duration) {
        self.attempts = max(1, attempts)
        self.interval = interval
    }

    /// The next probe or verdict due.
    var nextDeadline: Instant? { schedule.earliest }

    subscript(nick: String) -> Probe? { probes[nick] }

    /// Starts probing `nick` unless it is already being probed, `interval` apart (its measured timeout;
    /// the configured one without); either way a newcomer waiting for the verdict is recorded. Returns the
    /// probe to send now, if a new round started.
    mutating func probe(
        _ nick: String, token: UInt64, address: Address, probeID: UInt64, now: Instant, interval: Duration? = nil,
        takeover: Takeover? = nil
    ) -> OutgoingDatagram? {
        if var running = probes[nick] {
            if let takeover { running.takeover = takeover }
            probes[nick] = running
            return nil
        }
        probes[nick] = Probe(
            token: token, address: address, probeID: probeID, nextAt: now, interval: interval ?? self.interval, takeover: takeover)
        return send(nick, now: now)
    }

    /// `nick`'s holder showed a sign of life: the round ends, alive.
    mutating func answered(_ nick: String) -> Probe? {
        guard let probe = probes.removeValue(forKey: nick) else { return nil }
        schedule.forget(nick)
        return probe
    }

    /// Stops probing `nick` without a verdict (it went offline or registered again meanwhile).
    mutating func cancel(_ nick: String) {
        guard probes.removeValue(forKey: nick) != nil else { return }
        schedule.forget(nick)
    }

    /// Sends the probes that are due and returns the holders that stayed silent to all of them.
    mutating func tick(_ now: Instant) -> (probes: [OutgoingDatagram], dead: [(String, Probe)]) {
        var datagrams: [OutgoingDatagram] = []
        var dead: [(String, Probe)] = []
        for (deadline, nick) in schedule.popDue(now) {
            guard let probe = probes[nick], probe.nextAt == deadline else { continue }
            if probe.sent >= attempts {
                probes[nick] = nil
                schedule.forget(nick)
                dead.append((nick, probe))
            } else if let datagram = send(nick, now: now) {
                datagrams.append(datagram)
            }
        }
        return (datagrams, dead)
    }

    private mutating func send(_ nick: String, now: Instant) -> OutgoingDatagram? {
        guard var probe = probes[nick] else { return nil }
        probe.sent += 1
        probe.nextAt = now + probe.interval
        probes[nick] = probe
        schedule.schedule(nick, at: probe.nextAt)
        guard let bytes = try? Packet(id: probe.probeID, message: .probe(token: probe.token)).encoded() else { return nil }
        return OutgoingDatagram(bytes: bytes, destination: probe.address)
    }
}
