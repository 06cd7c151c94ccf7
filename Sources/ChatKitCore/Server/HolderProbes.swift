/// Asks clients that seem online whether they still are, before a nickname changes hands or a client is
/// marked offline on a peer's word.
///
/// One lost datagram must not decide: a holder is probed `attempts` times, `interval` apart, and only
/// silence to every probe makes it dead. Any answer (a probe reply, or any request carrying its token)
/// makes it alive. At 30% loss each way a probe round trip fails 51% of the time; 20 probes all fail
/// about once in 700,000.
struct HolderProbes {
    /// Someone at another address wants the nickname: a newcomer at this server, or at another server
    /// of the group, which asked this one to probe its holder.
    struct Takeover: Equatable {
        /// Where the newcomer waits for the verdict.
        enum Newcomer: Equatable {
            /// At this server, at this address.
            case here(Address)
            /// At the group's server with this key, which hears the verdict through the store.
            case atServer([UInt8])
        }

        var requestID: UInt64
        var newcomer: Newcomer

        /// The newcomer's address when it waits at this server.
        var requesterHere: Address? {
            if case .here(let address) = newcomer { address } else { nil }
        }
    }

    /// What the probes ask the machine to do.
    enum Directive: Equatable {
        /// Ask the holder at `address` whether it still holds the session `token` (a probe numbered `id`).
        case probe(token: UInt64, to: Address, id: UInt64)
        /// `nick`'s holder stayed silent to every probe of `probe`'s round: it is gone.
        case silent(nick: String, Probe)
        /// `nick`'s holder showed a sign of life during `probe`'s round: it is alive.
        case answered(nick: String, Probe)
        /// `nick`'s session closed during the round while a newcomer waited for the verdict: the newcomer
        /// may have the nickname.
        case holderLeft(nick: String, Takeover)
    }

    /// How many unanswered probes make a holder gone: one lost datagram must not decide.
    static let defaultAttempts = 20

    /// One holder being probed, and why.
    struct Probe: Equatable {
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
    ) -> Directive? {
        if var running = probes[nick] {
            if let takeover { running.takeover = takeover }
            probes[nick] = running
            return nil
        }
        probes[nick] = Probe(
            token: token, address: address, probeID: probeID, nextAt: now, interval: interval ?? self.interval, takeover: takeover)
        return send(nick, now: now)
    }

    /// `nick`'s holder showed a sign of life: the round ends, `.answered`.
    mutating func answered(_ nick: String) -> Directive? {
        guard let probe = probes.removeValue(forKey: nick) else { return nil }
        schedule.forget(nick)
        return .answered(nick: nick, probe)
    }

    /// `nick`'s session closed: its round ends, with `.holderLeft` if a newcomer waited for the verdict.
    mutating func sessionClosed(_ nick: String) -> Directive? {
        guard let probe = probes.removeValue(forKey: nick) else { return nil }
        schedule.forget(nick)
        return probe.takeover.map { .holderLeft(nick: nick, $0) }
    }

    /// Stops probing `nick` without a verdict (it went offline or registered again meanwhile).
    mutating func cancel(_ nick: String) {
        guard probes.removeValue(forKey: nick) != nil else { return }
        schedule.forget(nick)
    }

    /// The probes that are due, and a `.silent` verdict for each holder that stayed silent to all of them.
    mutating func tick(_ now: Instant) -> [Directive] {
        var directives: [Directive] = []
        for (deadline, nick) in schedule.popDue(now) {
            guard let probe = probes[nick], probe.nextAt == deadline else { continue }
            if probe.sent >= attempts {
                probes[nick] = nil
                schedule.forget(nick)
                directives.append(.silent(nick: nick, probe))
            } else if let directive = send(nick, now: now) {
                directives.append(directive)
            }
        }
        return directives
    }

    private mutating func send(_ nick: String, now: Instant) -> Directive? {
        guard var probe = probes[nick] else { return nil }
        probe.sent += 1
        probe.nextAt = now + probe.interval
        probes[nick] = probe
        schedule.schedule(nick, at: probe.nextAt)
        return .probe(token: probe.token, to: probe.address, id: probe.probeID)
    }
}
